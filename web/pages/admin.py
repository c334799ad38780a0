"""Administration pages (issue 17): organisation, people and accounts, role assignments, the approved appeal
panel list, governance data; and each person's own preferences. They read and write through the same service
operations as the API; who may is the service's decision (a refusal shows its reason)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from workflow import access
from workflow.errors import InvalidPayload, WorkflowError
from workflow.service import accounts
from workflow.service.admin import organisation, roles, staff
from workflow.service.reports import consistency, risks
from workflow.store.models import AgreedSplit, OrgUnit, Person, RoleAssignment

from web.services import service
from web.pages import bp
from web.pages.session import signed_in

ADMIN_CAPABILITIES = ("administer_organisation", "administer_people", "assign_roles", "keep_panel_list")


class FormError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.fields = {field: [message]}


def _date(name: str, label: str) -> date | None:
    parts = [request.form.get(f"{name}[{p}]", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        day, month, year = (int(p) for p in parts)
        if year < 1900:
            raise ValueError
        return date(year, month, day)
    except ValueError:
        raise FormError(name, f"{label} must be a real date, for example 31 3 2027") from None


def _number(name: str, label: str) -> float | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise FormError(name, f"{label} must be a number, for example 10 or 37.5") from None


def _id(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise FormError(name, "Choose from the list")
    return int(raw)


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _summary(fields: dict) -> tuple[dict, list]:
    errors = {k: (v[0] if isinstance(v, list) else str(v)) for k, v in (fields or {}).items()}
    return errors, [{"text": m, "href": f"#{k.replace('_', '-')}"} for k, m in errors.items()]


def _attempt(action, done: str, back: str, **render):
    """Run a change; on a refusal show the page again with the reason, 422 for bad input, 409 for a stale form."""
    try:
        action()
    except (FormError, InvalidPayload) as exc:
        errors, summary = _summary(getattr(exc, "fields", None) or exc.details.get("fields", {}))
        if not summary:
            summary = [{"text": str(exc), "href": "#main-form"}]
        return _render(back, errors=errors, summary=summary, values=request.form, **render), 422
    except WorkflowError as exc:
        from web.problems import STATUS_OF

        status = next((s for t, s in STATUS_OF.items() if isinstance(exc, t)), 500)
        if status in (403, 404):
            raise
        return _render(back, errors={}, summary=[{"text": exc.message, "href": "#main-form"}], values=request.form,
                       **render), status
    flash(done, "success")
    return redirect(request.path)


def _render(template: str, **context):
    return render_template(f"admin/{template}.html", **context)


def _units(svc):
    return list(svc.session.scalars(select(OrgUnit).order_by(OrgUnit.kind, OrgUnit.name)))


def _people(svc, active_only=True):
    q = select(Person).order_by(Person.name, Person.id)
    if active_only:
        q = q.where(Person.active.is_(True))
    return list(svc.session.scalars(q))


def _require_any(svc, actor):
    held = access.held_capabilities(svc.session, actor)
    if not held & set(ADMIN_CAPABILITIES):
        from workflow.errors import PermissionDenied

        raise PermissionDenied("administration is for the trust's administrator, HR and the Chief Executive's office")
    return held


@bp.get("/admin")
@signed_in
def admin_index(actor):
    svc = service()
    held = _require_any(svc, actor)
    panel = roles.panel_list(svc, actor) if roles.panel_list_roles(svc) else None
    return _render("index", held=held, panel=panel)


# ---- organisation ------------------------------------------------------------------------------------------

@bp.route("/admin/organisation", methods=["GET", "POST"])
@signed_in
def admin_organisation(actor):
    svc = service()
    access.require(svc.session, actor, "administer_organisation")
    ctx = {"units": _units(svc)}
    if request.method == "POST":
        return _attempt(lambda: organisation.create_unit(svc, actor, request.form.get("kind", ""),
                                                         request.form.get("name", ""), _id("parent_id")),
                        f"{request.form.get('name', '').strip()} added", "organisation", **ctx)
    return _render("organisation", errors={}, summary=[], values={}, **ctx)


@bp.post("/admin/organisation/<int:unit_id>")
@signed_in
def admin_rename_unit(actor, unit_id):
    svc = service()
    ctx = {"units": _units(svc)}
    return _attempt(lambda: organisation.edit_unit(svc, actor, unit_id, name=request.form.get("name", ""),
                                                   expected_version=_version()),
                    "Renamed", "organisation", **ctx)


# ---- people and accounts -----------------------------------------------------------------------------------

PERSON_TEXT = ("name", "email", "staff_number", "job_title")


def _person_data() -> dict:
    data = {k: request.form.get(k, "") for k in PERSON_TEXT}
    data["staff_group"] = request.form.get("staff_group") or None
    data["start_date"] = _date("start_date", "Start date")
    data["leave_date"] = _date("leave_date", "Leave date")
    unit = _id("unit_id")
    data["care_group_id"], data["team_id"] = None, None
    if unit is not None:
        u = service().session.get(OrgUnit, unit)
        if u is None:
            raise FormError("unit_id", "Choose a care group or team from the list")
        data["team_id" if u.kind == "team" else "care_group_id"] = unit
    data["manager_id"] = _id("manager_id")
    amount = _number("contract", "Contract")
    basis = request.form.get("basis", "pas")
    data["contracted_pas"], data["contracted_hours"] = (amount, None) if basis == "pas" else (None, amount)
    return data


@bp.get("/admin/people")
@signed_in
def admin_people(actor):
    svc = service()
    access.require(svc.session, actor, "administer_people")
    name = request.args.get("name", "").strip()[:200]
    from workflow.service import people as directory

    found = directory.list_people(svc, actor, name=name or None, limit=200)
    return _render("people", people=found, name=name)


def _person_ctx(svc, person=None):
    return {"person": person, "units": [u for u in _units(svc) if u.kind != "trust"], "managers": _people(svc),
            "staff_groups": staff.staff_groups(svc)}


@bp.route("/admin/people/new", methods=["GET", "POST"])
@signed_in
def admin_person_new(actor):
    svc = service()
    access.require(svc.session, actor, "administer_people")
    ctx = _person_ctx(svc)
    if request.method == "POST":
        created = {}

        def create():
            created["p"] = staff.create_person(svc, actor, _person_data())

        result = _attempt(create, "Person added", "person", **ctx)
        if created:
            return redirect(url_for("pages.admin_person", person_id=created["p"].id))
        return result
    return _render("person", errors={}, summary=[], values={}, **ctx)


def _values_of(p: Person) -> dict:
    v = {k: getattr(p, k) or "" for k in PERSON_TEXT}
    v.update(staff_group=p.staff_group or "", unit_id=str(p.team_id or ""), manager_id=str(p.manager_id or ""),
             basis="hours" if p.contracted_hours is not None else "pas",
             contract=p.contracted_hours if p.contracted_hours is not None else (p.contracted_pas or ""))
    for key in ("start_date", "leave_date"):
        d = getattr(p, key)
        v.update({f"{key}[day]": d.day if d else "", f"{key}[month]": d.month if d else "",
                  f"{key}[year]": d.year if d else ""})
    return v


@bp.route("/admin/people/<int:person_id>", methods=["GET", "POST"])
@signed_in
def admin_person(actor, person_id):
    svc = service()
    access.require(svc.session, actor, "administer_people")
    person = svc.session.get(Person, person_id)
    if person is None:
        abort(404)
    ctx = _person_ctx(svc, person)
    ctx["handover"] = staff.handover(svc, actor, person_id) if not person.active else None
    if request.method == "POST":
        return _attempt(lambda: staff.edit_person(svc, actor, person_id, _person_data(), expected_version=_version()),
                        "Saved", "person", **ctx)
    return _render("person", errors={}, summary=[], values=_values_of(person), **ctx)


@bp.post("/admin/people/<int:person_id>/invite")
@signed_in
def admin_person_invite(actor, person_id):
    try:
        link = accounts.invite(service(), actor, person_id)
        flash(f"Invitation sent to {link.person.email}; the link works until {link.expires_at:%d %B %Y}", "success")
    except WorkflowError as exc:
        flash(exc.message, "warning")
    return redirect(url_for("pages.admin_person", person_id=person_id))


@bp.post("/admin/people/<int:person_id>/account")
@signed_in
def admin_person_account(actor, person_id):
    enabled = request.form.get("enabled") == "yes"
    try:
        accounts.set_sign_in(service(), actor, person_id, enabled, expected_version=_version())
        flash("Account enabled" if enabled else "Account disabled: they are signed out everywhere", "success")
    except WorkflowError as exc:
        flash(exc.message, "warning")
    return redirect(url_for("pages.admin_person", person_id=person_id))


# ---- role assignments and the panel list -------------------------------------------------------------------

def _roles_ctx(svc, actor):
    cat = roles.catalogue(svc)
    rows = roles.list_assignments(svc, actor)
    return {"catalogue": cat, "assignments": rows, "people": _people(svc), "today": access.today(svc.session),
            "units": [u for u in _units(svc) if u.kind in ("trust", "care_group")],
            "names": {p.id: p.name for p in _people(svc, active_only=False)},
            "unit_names": {u.id: u.name for u in _units(svc)}}


@bp.route("/admin/roles", methods=["GET", "POST"])
@signed_in
def admin_roles(actor):
    svc = service()
    access.require(svc.session, actor, "assign_roles")
    ctx = _roles_ctx(svc, actor)
    if request.method == "POST":
        def assign():
            person = _id("person_id")
            if person is None:
                raise FormError("person_id", "Choose the person")
            roles.assign(svc, actor, person, request.form.get("role", ""), org_unit_id=_id("org_unit_id"),
                         valid_from=_date("valid_from", "First day"), valid_to=_date("valid_to", "Last day"))
        return _attempt(assign, "Role assigned", "roles", **ctx)
    return _render("roles", errors={}, summary=[], values={}, **ctx)


@bp.post("/admin/roles/<int:assignment_id>/end")
@signed_in
def admin_role_end(actor, assignment_id):
    svc = service()
    row = svc.session.get(RoleAssignment, assignment_id)
    if row is None:
        abort(404)
    ctx = _roles_ctx(svc, actor)
    back = "roles" if row.role not in roles.panel_list_roles(svc) else "panel"
    if back == "panel":
        ctx = {**ctx, "panel": roles.panel_list(svc, actor, row.role)}
    return _attempt(lambda: roles.change_dates(svc, actor, assignment_id,
                                               {"valid_to": _date("valid_to", "Last day") or access.today(svc.session)},
                                               expected_version=_version()),
                    "Assignment ended", back, **ctx)


@bp.route("/admin/panel-list", methods=["GET", "POST"])
@signed_in
def admin_panel(actor):
    svc = service()
    access.require(svc.session, actor, "keep_panel_list")
    ctx = {**_roles_ctx(svc, actor), "panel": roles.panel_list(svc, actor)}
    if request.method == "POST":
        if request.form.get("action") == "review":
            def review():
                when = _date("reviewed_on", "Date of the review")
                if when is None:
                    raise FormError("reviewed_on", "Enter the date of the review")
                roles.record_review(svc, actor, when, request.form.get("note", "")[:2000])
            return _attempt(review, "Review recorded", "panel", **ctx)

        def add():
            person = _id("person_id")
            if person is None:
                raise FormError("person_id", "Choose the person")
            roles.assign(svc, actor, person, ctx["panel"].role)
        return _attempt(add, "Added to the list", "panel", **ctx)
    return _render("panel", errors={}, summary=[], values={}, **ctx)


# ---- governance data ---------------------------------------------------------------------------------------

@bp.route("/admin/governance", methods=["GET", "POST"])
@signed_in
def admin_governance(actor):
    svc = service()
    consistency._require_trust_wide(svc, actor, "governance data")
    ctx = {"splits": list(svc.session.scalars(select(AgreedSplit).order_by(AgreedSplit.job_title))),
           "risks": risks.risk_register(svc, actor).rows, "people": _people(svc),
           "groups": [u for u in _units(svc) if u.kind == "care_group"]}
    if request.method == "POST":
        if request.form.get("action") == "split":
            def split():
                shares = {k: (_number(k, k.upper()) or 0) / 100 for k in ("dcc", "spa", "other")}
                consistency.set_agreed_split(svc, actor, request.form.get("job_title", "").strip()[:200],
                                             request.form.get("band", "").strip()[:40], **shares)
            return _attempt(split, "Split agreed", "governance", **ctx)

        def risk():
            group = _id("care_group_id")
            if group is None:
                raise FormError("care_group_id", "Choose the care group")
            scores = {}
            for k in ("likelihood", "impact"):
                raw = request.form.get(k, "")
                if not (raw.isdigit() and 1 <= int(raw) <= 5):
                    raise FormError(k, f"Choose the {k} from 1 to 5")
                scores[k] = int(raw)
            risks.raise_risk(svc, actor, group, title=request.form.get("title", "")[:200],
                             description=request.form.get("description", "")[:5000], owner_id=_id("owner_id"),
                             **scores)
        return _attempt(risk, "Risk recorded", "governance", **ctx)
    return _render("governance", errors={}, summary=[], values={}, **ctx)


# ---- a person's own ----------------------------------------------------------------------------------------

@bp.route("/account/preferences", methods=["GET", "POST"])
@signed_in
def preferences(actor):
    svc = service()
    if request.method == "POST":
        staff.set_digest(svc, actor, request.form.get("daily_digest") == "yes")
        flash("Preferences saved", "success")
        return redirect(request.path)
    me = svc.session.get(Person, actor.person_id)
    return _render("preferences", me=me)
