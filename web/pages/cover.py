"""Deputy cover (issue 17 item 7): a clinical manager who is away names a deputy for a date range; the AMD of their
care group, the Medical Directorate, HR or the trust's administrator may arrange one for them. The page lists the
covers the person may see, names a deputy and ends a cover; who may is the service's decision (a refusal shows its
reason, with the field named)."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from workflow.errors import InvalidPayload, WorkflowError
from workflow.service import cover
from workflow.service import people as directory
from workflow.store.models import Person

from web.services import service
from web.pages import bp
from web.pages.session import signed_in

PEOPLE_SHOWN = 50  # the deputy list shows this many; a name search narrows it


class _FormError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.fields = {field: [message]}


def _day(name: str, label: str) -> date:
    parts = [request.form.get(f"{name}[{p}]", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        raise _FormError(name, f"Enter the {label.lower()}")
    try:
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise ValueError
        day, month, year = (int(p) for p in parts)
        return date(year, month, day)
    except ValueError:
        raise _FormError(name, f"The {label.lower()} must be a real date, for example 31 3 2027") from None


def _id(name: str, missing: str) -> int:
    raw = request.form.get(name, "").strip()
    if not raw:
        raise _FormError(name, missing)
    if not raw.isdigit() or len(raw) > 9:
        raise _FormError(name, "Choose from the list")
    return int(raw)


def _context(svc, actor, search: str | None):
    people = directory.list_people(svc, actor, active=True, name=search, limit=PEOPLE_SHOWN + 1)
    managers = []
    if cover.may_arrange_for_others(svc, actor):
        managers = list(svc.session.scalars(select(Person).where(
            Person.active.is_(True), Person.id.in_(select(Person.manager_id).where(Person.manager_id.is_not(None))))
            .order_by(Person.name, Person.id)))
    me = svc.session.get(Person, actor.person_id) if actor.person_id else None
    return {"covers": cover.list_covers(svc, actor), "people": people[:PEOPLE_SHOWN],
            "more_people": len(people) > PEOPLE_SHOWN, "managers": managers, "me": me,
            "i_manage": me is not None and cover.is_manager(svc.session, me), "search": search or "",
            "max_days": cover.MAX_DAYS}


@bp.route("/cover", methods=["GET", "POST"])
@signed_in
def cover_page(actor):
    svc = service()
    search = request.values.get("q", "").strip()[:200] or None
    if request.method == "GET":
        return render_template("pages/cover.html", errors={}, summary=[], values={}, **_context(svc, actor, search))
    try:
        manager_id = (_id("manager_id", "Choose whose cover this is") if request.form.get("manager_id")
                      else actor.person_id)
        deputy_id = _id("deputy_id", "Choose the deputy")
        starts_on, ends_on = _day("starts_on", "First day"), _day("ends_on", "Last day")
        c = cover.name_deputy(svc, actor, manager_id, deputy_id, starts_on, ends_on,
                              request.form.get("reason", "")[:5000])
    except (_FormError, InvalidPayload) as exc:
        fields = getattr(exc, "fields", None) or exc.details.get("fields", {})
        errors = {k: (v[0] if isinstance(v, list) else str(v)) for k, v in fields.items()}
        summary = [{"text": m, "href": f"#{k.replace('_', '-')}"} for k, m in errors.items()] or \
            [{"text": str(exc), "href": "#main-form"}]
        svc.session.rollback()
        return render_template("pages/cover.html", errors=errors, summary=summary, values=request.form,
                               **_context(svc, actor, search)), 422
    except WorkflowError as exc:
        from web.problems import STATUS_OF

        status = next((s for t, s in STATUS_OF.items() if isinstance(exc, t)), 500)
        if status in (403, 404):
            raise
        svc.session.rollback()
        return render_template("pages/cover.html", errors={}, summary=[{"text": exc.message, "href": "#main-form"}],
                               values=request.form, **_context(svc, actor, search)), status
    flash(f"{c.deputy.name} covers for {c.manager.name} from {c.starts_on.day} {c.starts_on:%B %Y} to "
          f"{c.ends_on.day} {c.ends_on:%B %Y}.", "success")
    return redirect(url_for("pages.cover_page"))


@bp.post("/cover/<int:cover_id>/end")
@signed_in
def cover_end(actor, cover_id):
    svc = service()
    try:
        c = cover.end_cover(svc, actor, cover_id, request.form.get("reason", "")[:5000] or None)
    except WorkflowError as exc:
        from web.problems import STATUS_OF

        status = next((s for t, s in STATUS_OF.items() if isinstance(exc, t)), 500)
        if status in (403, 404):
            raise
        flash(exc.message, "warning")
        return redirect(url_for("pages.cover_page"))
    flash(f"Cover ended: {c.deputy.name} no longer acts for {c.manager.name}.", "success")
    return redirect(url_for("pages.cover_page"))
