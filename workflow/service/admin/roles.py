"""Role assignments with their scope and dates (issue 17): who is Medical Director, the AMD of each care
group, HR, the Chief Executive's office, the Medical Directorate, the job planning lead, the AfC senior
managers and job planning team, staff-side representatives, and the approved appeal panel list.

A role is assignable if a policy routes work to it by assignment (scope ``office``: over the trust;
``care_group``: over one care group or the whole trust) or it is a trust-level role
(``workflow.access.capabilities.TRUST_ROLES``, the policies' panel list roles). An assignment is held from its
first to its last day (``workflow.access.in_force``); ending one sets its last day, so the record stays."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from workflow import access
from workflow.actors import Actor
from workflow.errors import NotFound
from workflow.service.admin.common import acting_role, audit, bump, diff, locked, refuse, the_trust
from workflow.store.models import OrgUnit, PanelListReview, Person, RoleAssignment
from workflow.store.uow import operation


@dataclass(frozen=True)
class AssignableRole:
    name: str
    title: str
    scopes: frozenset[str]  # "trust" and/or "care_group": what the assignment may be over
    capability: str = "assign_roles"


def catalogue(svc) -> dict[str, AssignableRole]:
    roles: dict[str, dict] = {}
    for policy in svc.policies.all():
        for name, role in policy.roles.items():
            if role.scope in ("office", "care_group"):
                r = roles.setdefault(name, {"title": role.title, "scopes": {"trust"}})
                if role.scope == "care_group":
                    r["scopes"].add("care_group")
    out = {n: AssignableRole(n, r["title"], frozenset(r["scopes"])) for n, r in roles.items()}
    for name, title in access.capabilities.TRUST_ROLES.items():
        out[name] = AssignableRole(name, title, frozenset({"trust"}))
    for name in panel_list_roles(svc):
        out[name] = AssignableRole(name, "Approved appeal panel list (002 7.8.10)", frozenset({"trust"}),
                                   capability="keep_panel_list")
    return dict(sorted(out.items()))


def panel_list_roles(svc) -> list[str]:
    return sorted({p.settings.appeal_panel_list_role for p in svc.policies.all()
                   if p.settings.appeal_panel_roles})


def list_assignments(svc, actor: Actor, *, role: str | None = None, person_id: int | None = None,
                     current_only: bool = False) -> list[RoleAssignment]:
    """Every signed-in person may read who holds which office (to know whom to ask); the changes are guarded."""
    q = select(RoleAssignment).order_by(RoleAssignment.role, RoleAssignment.id)
    if role:
        q = q.where(RoleAssignment.role == role)
    if person_id:
        q = q.where(RoleAssignment.person_id == person_id)
    if current_only:
        q = q.where(access.in_force(svc.session))
    return list(svc.session.scalars(q))


def _check_dates(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        refuse("valid_to", "The last day is before the first day")


def _unit_for(svc, spec: AssignableRole, org_unit_id: int | None) -> OrgUnit:
    if org_unit_id is None:
        if "trust" not in spec.scopes or spec.scopes == {"trust", "care_group"}:
            if "care_group" in spec.scopes:
                refuse("org_unit_id", f"{spec.title} is held over a care group (or the trust): choose which")
        return the_trust(svc)
    unit = svc.session.get(OrgUnit, org_unit_id)
    if unit is None or unit.kind not in spec.scopes:
        over = " or ".join(s.replace("_", " ") for s in sorted(spec.scopes))
        refuse("org_unit_id", f"{spec.title} is held over the {over}: unit {org_unit_id} is not one")
    return unit


def assign(svc, actor: Actor, person_id: int, role: str, *, org_unit_id: int | None = None,
           valid_from: date | None = None, valid_to: date | None = None) -> RoleAssignment:
    spec = catalogue(svc).get(role)
    if spec is None:
        refuse("role", f"{role!r} is not a role here; choose one of: {', '.join(catalogue(svc))}")
    with operation(svc.session):
        acted = acting_role(svc, actor, spec.capability)
        _check_dates(valid_from, valid_to)
        person = svc.session.get(Person, person_id)
        if person is None:
            refuse("person_id", f"person {person_id} was not found")
        if not person.active:
            refuse("person_id", f"{person.name} has left (inactive): a role goes to a current member of staff")
        unit = _unit_for(svc, spec, org_unit_id)
        same = svc.session.scalar(select(RoleAssignment).where(RoleAssignment.person_id == person.id,
                                                               RoleAssignment.role == role,
                                                               RoleAssignment.org_unit_id == unit.id))
        if same is not None:
            refuse("role", f"{person.name} already has this role over {unit.name} (assignment {same.id}); "
                           "change its dates instead")
        row = RoleAssignment(person_id=person.id, role=role, org_unit_id=unit.id, valid_from=valid_from,
                             valid_to=valid_to, row_version=1)
        svc.session.add(row)
        svc.session.flush()
        audit(svc, actor, acted, "role_assigned", f"person:{person.id}",
              {"assignment_id": row.id, "role": role, "org_unit_id": unit.id, "valid_from": valid_from,
               "valid_to": valid_to})
    return row


def change_dates(svc, actor: Actor, assignment_id: int, data: dict, *,
                 expected_version: int | None = None) -> RoleAssignment:
    """Change when an assignment is held; setting its last day ends it (the row stays as the record)."""
    with operation(svc.session):
        row = svc.session.get(RoleAssignment, assignment_id)
        if row is None:
            raise NotFound(f"role assignment {assignment_id} was not found")
        spec = catalogue(svc).get(row.role) or AssignableRole(row.role, row.role, frozenset({"trust"}))
        acted = acting_role(svc, actor, spec.capability)
        row = locked(svc, RoleAssignment, assignment_id, "role assignment", expected_version)
        before = {"valid_from": row.valid_from, "valid_to": row.valid_to}
        after = {**before, **{k: data[k] for k in ("valid_from", "valid_to") if k in data}}
        _check_dates(after["valid_from"], after["valid_to"])
        row.valid_from, row.valid_to = after["valid_from"], after["valid_to"]
        if row.role == access.capabilities.TRUST_ADMIN and not _another_admin(svc, row):
            refuse("valid_to", "This is the trust's last administrator: assign another before ending this one")
        changed = diff(before, after)
        if changed:
            bump(row)
            audit(svc, actor, acted, "role_assignment_changed", f"person:{row.person_id}",
                  {"assignment_id": row.id, "role": row.role, "changed": changed})
    return row


def _another_admin(svc, row: RoleAssignment) -> bool:
    """Whether the trust keeps an administrator once this assignment has an end: it has none, or someone else
    holds the role today."""
    if row.valid_to is None:
        return True
    return svc.session.scalar(select(RoleAssignment.id).join(Person, Person.id == RoleAssignment.person_id)
                              .where(RoleAssignment.role == access.capabilities.TRUST_ADMIN, RoleAssignment.id != row.id,
                                     Person.active.is_(True), access.in_force(svc.session)).limit(1)) is not None


# ---- the approved appeal panel list (002 7.8.10-7.8.12) ---------------------------------------------------

@dataclass(frozen=True)
class PanelList:
    role: str
    members: list[RoleAssignment]
    last_reviewed_on: date | None
    review_months: int
    review_due_on: date | None
    review_overdue: bool


def review_months(svc, role: str) -> int:
    """The shortest review interval of the policies that allocate from this list (settings
    ``appeal_panel_list_review_months``, a local choice: 002 7.8.12 says only "regularly reviewed")."""
    months = [p.settings.appeal_panel_list_review_months for p in svc.policies.all()
              if p.settings.appeal_panel_list_role == role and p.settings.appeal_panel_roles]
    return min(months) if months else 12


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return day + timedelta(days=30 * months)


def panel_list(svc, actor: Actor, role: str | None = None) -> PanelList:
    roles = panel_list_roles(svc)
    role = role or (roles[0] if roles else None)
    if role not in roles:
        raise NotFound(f"no policy allocates from a list called {role!r}")
    members = list_assignments(svc, actor, role=role)
    last = svc.session.scalar(select(PanelListReview.reviewed_on).where(PanelListReview.role == role)
                              .order_by(PanelListReview.reviewed_on.desc(), PanelListReview.id.desc()).limit(1))
    months = review_months(svc, role)
    due = _add_months(last, months) if last else None
    overdue = due is None or due < access.today(svc.session)
    return PanelList(role, members, last, months, due, overdue)


def record_review(svc, actor: Actor, reviewed_on: date, note: str | None = None, role: str | None = None) -> PanelList:
    with operation(svc.session):
        acted = acting_role(svc, actor, "keep_panel_list")
        current = panel_list(svc, actor, role)
        if reviewed_on > access.today(svc.session):
            refuse("reviewed_on", "A review is recorded when it has happened: the date is in the future")
        if current.last_reviewed_on and reviewed_on < current.last_reviewed_on:
            refuse("reviewed_on", f"The list was last reviewed on {current.last_reviewed_on.isoformat()}, after this date")
        svc.session.add(PanelListReview(role=current.role, reviewed_on=reviewed_on, note=(note or "").strip() or None,
                                        recorded_by_id=actor.person_id, recorded_at=svc.clock.now()))
        audit(svc, actor, acted, "panel_list_reviewed", f"panel_list:{current.role}",
              {"reviewed_on": reviewed_on, "members": [m.person_id for m in current.members]}, reason=note)
        svc.session.flush()
    return panel_list(svc, actor, role)
