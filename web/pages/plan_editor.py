"""Editing a job plan's content on the page, section by section (001 ¶26 and its form; 002 7.1-7.2, 7.6.5).

The forms are drawn from the content schema (``workflow.content.schema``): a list section (the weekly
schedule, objectives…) is a table of its rows with "Remove" and a form to add one; a single record (the
post, private practice) is one form; a list of lines or a free text is one box; the justifications are a
box per section. Every save is a new version of the plan through the service (``JobPlanning.edit_job_plan``:
who may edit, the content's shape, the version check), so signatures stay on the version they were given
to and both parties sign again (002 7.5)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import fields as mf
from marshmallow import validate as mv

from workflow.content.categories import ACTIVITIES, CATEGORIES, CATEGORY_TITLES, FIELD_LABELS, SECTION_TITLES, SECTIONS
from workflow.content.schema import JobPlanContentSchema
from workflow.errors import InvalidPayload, NotFound, StaleVersion, WorkflowError
from workflow.policy.model import FieldSpec
from workflow.service import plans as plan_service
from workflow.store.models import Person
from workflow.store.plan_versions import SITTING_IDLE, sitting_ends_at, sitting_open

from web.services import service
from web.pages import bp
from web.pages.forms import FormState, _read, anchor
from web.pages.session import signed_in

CONTENT = JobPlanContentSchema()
# The activity type is chosen from its category's list (004): one <optgroup> per category, which the page's
# script narrows to the chosen category; without the script all show, and the service refuses a mismatch.
ACTIVITY_GROUPS = [(c, CATEGORY_TITLES[c], ACTIVITIES[c]) for c in CATEGORIES]
EDITABLE = ("post",) + SECTIONS + ("justifications",)
TITLES = {**SECTION_TITLES, "justifications": "Why a section is left empty (Policy 7.6.5)"}
# Fields whose answers run to sentences get a box; the rest a line.
LONG = {"activity", "text", "reason", "details", "notes", "comments", "professional", "managerial", "specific",
        "measurable", "achievable", "realistic", "other_comments"}
LABELS = FIELD_LABELS
# Hints in place of a plain "Optional.": what happens when the field is left empty, or when it is needed after all.
HINTS = {
    ("schedule", "pas"): "Optional. Leave PAs and hours empty to count the time from start to end.",
    ("schedule", "hours"): "Optional. Leave PAs and hours empty to count the time from start to end.",
    ("private_practice", "sessions"): "Needed if you answered yes to any of the three questions above "
                                      "(the job plan form, Additional 2).",
    ("private_practice", "times"): "Needed if you answered yes to any of the three questions above "
                                   "(the job plan form, Additional 2).",
}


def kind_of(section: str) -> str:
    """rows (a list of records), record, lines (a list of texts), text, or justifications."""
    f = CONTENT.fields[section]
    if isinstance(f, mf.List):
        return "rows" if isinstance(f.inner, mf.Nested) else "lines"
    if isinstance(f, mf.Nested):
        return "record"
    return "justifications" if isinstance(f, mf.Dict) else "text"


def fields_of(section: str) -> list[FieldSpec]:
    """The form fields of one record of a section, in the schema's order."""
    f = CONTENT.fields[section]
    nested = f.inner if isinstance(f, mf.List) else f
    return [_spec(section, name, field) for name, field in nested.schema.fields.items()]


def _spec(section: str, name: str, field) -> FieldSpec:
    choices = next((tuple(v.choices) for v in field.validators if isinstance(v, mv.OneOf)), ())
    if isinstance(field, mf.Boolean):
        kind = "bool"
    elif isinstance(field, mf.Date):
        kind = "date"
    elif isinstance(field, mf.Number):
        kind = "number"
    elif isinstance(field, mf.List):
        kind = "lines"
    elif choices:
        kind = "choice"
    else:
        kind = "text" if name in LONG else "line"
    return FieldSpec(name=name, type=kind, required=field.required, label=LABELS.get(name), choices=choices,
                     hint=HINTS.get((section, name)))


def _form_values(specs: list[FieldSpec], record: dict | None) -> dict:
    """A stored record as the form shows it (dates in three boxes, yes/no, numbers as typed)."""
    out = {}
    for f in specs:
        v = (record or {}).get(f.name)
        if v is None:
            continue
        if f.type == "date":
            d = date.fromisoformat(v) if isinstance(v, str) else v
            out[f.name] = {"day": str(d.day), "month": str(d.month), "year": str(d.year)}
        elif f.type == "bool":
            out[f.name] = "yes" if v else "no"
        elif f.type == "lines":
            out[f.name] = "\n".join(v)
        else:
            out[f.name] = f"{v:g}" if isinstance(v, float) else str(v)
    return out


def _read_record(specs: list[FieldSpec], form, state: FormState) -> dict:
    state.order = [f.name for f in specs]
    record = {}
    for f in specs:
        if f.type == "lines":
            raw = form.get(f.name, "")
            state.values[f.name] = raw
            record[f.name] = [line.strip() for line in raw.splitlines() if line.strip()]
            continue
        value = _read(f, form, state)
        if value is not None:
            record[f.name] = value
    return record


def _editable_plan(svc, actor, plan_id: int):
    try:
        plan = plan_service.get_plan(svc, actor, plan_id)
    except NotFound:
        abort(404)
    if plan.person is None:
        abort(404)  # a team plan is agreed by the team, not edited here
    if not plan_service.may_edit(svc, actor, plan):
        abort(403)
    return plan


@bp.get("/plans/<int:plan_id>/edit")
@signed_in
def plan_edit(actor, plan_id):
    svc = service()
    plan = _editable_plan(svc, actor, plan_id)
    content = plan_service.version(plan, plan.current_version).content
    assessment = plan_service.assess(svc, actor, plan_id)
    return render_template("pages/plan_edit.html", plan=plan, content=content, sections=EDITABLE, titles=TITLES,
                           assessment=assessment, sitting=_sitting(svc, actor, plan, svc.clock.now()))


@bp.post("/plans/<int:plan_id>/edit/finish")
@signed_in
def plan_edit_finish(actor, plan_id):
    """"Finish editing": the sitting's version stands as it is, ready to sign; the next change is a new version."""
    svc = service()
    plan = _editable_plan(svc, actor, plan_id)
    version, ended = svc.finish_editing(actor, plan.id)
    if ended:
        flash(f"You have finished editing. Version {version.number} is the plan to sign; a later change makes a new "
              "version.", "success")
    else:
        flash(f"You had no changes open: version {version.number} is the latest.", "info")
    return redirect(url_for("pages.plan_page", plan_id=plan.id))


def _sitting(svc, actor, plan, now) -> dict | None:
    """The open sitting on the plan, as the page tells it: whose, which version, until when."""
    if not sitting_open(plan, now):
        return None
    editor = plan.person if plan.person and plan.person.id == plan.sitting_by_id else svc.session.get(
        Person, plan.sitting_by_id)
    return {"mine": plan.sitting_by_id == actor.person_id, "version": plan.sitting_version,
            "by": editor.name if editor else "someone", "touched": plan.sitting_touched_at,
            "idle_minutes": int(SITTING_IDLE.total_seconds() // 60), "ends": sitting_ends_at(plan)}


def _conflict_message(svc, actor, plan) -> str:
    latest = plan_service.version(plan, plan.current_version)
    by = svc.session.get(Person, latest.created_by_id) if latest.created_by_id else None
    if by is not None and by.id != actor.person_id:
        what = f"{by.name} saved a change to this plan (now version {plan.current_version})"
    else:  # a signature, a step, or the same person in another window
        what = f"This plan changed (it is now at version {plan.current_version}, or was signed)"
    return (f"{what} after you opened this page, so your change was not saved. What you entered is still in the "
            "form below: check the plan as it is now, then save again.")


@bp.route("/plans/<int:plan_id>/edit/<section>", methods=["GET", "POST"])
@signed_in
def plan_edit_section(actor, plan_id, section):
    if section not in EDITABLE:
        abort(404)
    svc = service()
    plan = _editable_plan(svc, actor, plan_id)
    content = dict(plan_service.version(plan, plan.current_version).content)
    kind = kind_of(section)
    specs = fields_of(section) if kind in ("rows", "record") else []
    state = FormState(values=_form_values(specs, content.get(section)) if kind == "record" else {})
    if kind == "lines":
        state.values[section] = "\n".join(content.get(section) or [])
    elif kind == "text":
        state.values[section] = content.get(section) or ""
    elif kind == "justifications":
        state.values = dict(content.get(section) or {})
    rows = (content.get(section) or []) if kind == "rows" else []
    editing = _row_index(request.values.get("row"), rows)  # a row being changed in place, if any
    if editing is not None and request.method == "GET":
        state.values = _form_values(specs, rows[editing])
    confirm_remove = None
    if request.method == "POST":
        action = request.form.get("action", "save")
        if action.startswith("remove-") and request.form.get("confirmed") != "yes":
            confirm_remove = _row_index(action.split("-", 1)[1], rows)  # removing a row asks first
            action = "ask"
    conflict = None
    if request.method == "POST" and action != "ask":
        changed, note = _changed(section, kind, specs, content, action, request.form, state, editing)
        if changed is not None and not state.errors:
            before = plan.current_version
            try:
                saved = svc.edit_job_plan(actor, plan.id, {**content, section: changed},
                                          expected_version=request.form.get("version", type=int),
                                          note=f"{TITLES[section]}: {note}", sitting=True)
            except StaleVersion:
                # Nothing typed is lost: the form comes back filled in, over the plan as it is now, and saving
                # it again applies it to that.
                plan = _editable_plan(svc, actor, plan_id)
                content = dict(plan_service.version(plan, plan.current_version).content)
                rows = (content.get(section) or []) if kind == "rows" else []
                conflict = _conflict_message(svc, actor, plan)
                if editing is not None and editing >= len(rows):
                    editing = None
                if kind == "rows" and action.startswith("remove-"):
                    state.values = {}
            except InvalidPayload as exc:
                _errors(exc.details.get("fields") or {}, section, kind,
                        len(rows) if editing is None else editing, state)
            except WorkflowError as exc:
                flash(exc.message, "warning")
                return redirect(url_for("pages.plan_edit", plan_id=plan.id))
            else:
                if saved.number == before:
                    told = (f"Saved in version {saved.number}, which you are still editing: the rest of this "
                            "sitting's changes go into it too. Press Finish editing when you are done.")
                else:
                    told = (f"Version {saved.number} started; the rest of this sitting's changes go into it. It needs "
                            "both signatures again.")
                flash(f"{TITLES[section]}: {note}. {told}", "success")
                return redirect(url_for("pages.plan_edit_section", plan_id=plan.id, section=section))
    assessment = plan_service.assess(svc, actor, plan.id)
    now = svc.clock.now()
    return render_template("pages/plan_section.html", plan=plan, section=section, title=TITLES[section], kind=kind,
                           specs=specs, rows=content.get(section) or [], form=state, anchor=anchor,
                           sections=SECTIONS, titles=TITLES, editing=editing, confirm_remove=confirm_remove,
                           assessment=assessment, conflict=conflict, sitting=_sitting(svc, actor, plan, now),
                           activity_groups=ACTIVITY_GROUPS, category_titles=CATEGORY_TITLES,
                           pa_hours=svc.policies.latest(plan.policy_id).pa_hours), 409 if conflict else 400 if state.errors else 200


def _row_index(raw, rows: list) -> int | None:
    return int(raw) if raw and raw.isdigit() and int(raw) < len(rows) else None


def _changed(section, kind, specs, content, action, form, state, editing=None):
    """The section as it will be after this form, and what changed; None when nothing is to be saved.
    ``editing``: the row a "replace" form changes in place."""
    current = content.get(section)
    if kind == "rows":
        rows = list(current or [])
        if action == "replace" and editing is not None:
            state.values = {}
            rows[editing] = _read_record(specs, form, state)
            return rows, f"row {editing + 1} changed"
        if action.startswith("remove-"):
            index = int(action.split("-", 1)[1]) if action.split("-", 1)[1].isdigit() else -1
            if not 0 <= index < len(rows):
                state.add("_", "That row is no longer in the plan; reload the page")
                return None, ""
            del rows[index]
            return rows, f"row {index + 1} removed"
        state.values = {}
        record = _read_record(specs, form, state)
        return rows + [record], "row added"
    if kind == "record":
        state.values = {}
        return _read_record(specs, form, state), "changed"
    if kind == "lines":
        raw = form.get(section, "")
        state.values[section] = raw
        return [line.strip() for line in raw.splitlines() if line.strip()], "changed"
    if kind == "text":
        raw = form.get(section, "").strip()
        state.values[section] = raw
        return raw or None, "changed"
    given = {s: form.get(f"why-{s}", "").strip() for s in SECTIONS}
    state.values = given
    return {s: text for s, text in given.items() if text}, "changed"


def _errors(fields: dict, section: str, kind: str, new_row: int, state: FormState) -> None:
    """The service's field errors (paths such as ``schedule.3.end``) against the fields of this form."""
    for path, messages in fields.items():
        text = messages[0] if isinstance(messages, list) and messages else str(messages)
        parts = path.split(".")
        if parts[0] != section:
            state.add("_", f"{path}: {text}")
        elif kind == "rows" and len(parts) >= 3 and parts[1] == str(new_row):
            state.add(parts[2], f"{parts[2].replace('_', ' ').capitalize()}: {text}")
        elif kind == "record" and len(parts) >= 2:
            state.add(parts[1], f"{parts[1].replace('_', ' ').capitalize()}: {text}")
        else:
            state.add(section if kind in ("lines", "text") else "_", str(text))
