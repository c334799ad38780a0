"""The appeal panel (002 7.8.10-7.8.12): who sits, how the approved-list member is allocated, the one
objection either side may make, the sittings report that lets allocation be spread, and the board's
decision that gives the plan its final form (7.8.9).

The approved list is the people holding the role assignment named by the policy's
``settings.appeal_panel_list_role`` (default ``appeal_panel_list``). Allocation is reproducible: the
eligible member who has sat least often, then the one allocated least recently, then the lowest id."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from workflow.access import in_force, involved_people
from workflow.rules.actions import action, add_plan_version, adopt_decided_version, plan_version
from workflow.rules.conditions import condition, require_participants
from workflow.errors import ConditionFailed, InvalidPayload
from workflow.store.models import Case, CaseParticipant, Person, RoleAssignment

LIST_ROLE = "appeal_panel_list"
LIST_MEMBER = "panel_list_member"
OBJECTED = "objected"


def list_role(policy) -> str:
    return policy.settings.appeal_panel_list_role


def approved_list(session, role: str = LIST_ROLE) -> list[Person]:
    people = session.scalars(select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
                             .where(RoleAssignment.role == role, Person.active.is_(True), in_force(session))
                             .order_by(Person.id)).unique().all()
    return list(people)


def _list_members(session, case: Case) -> list[CaseParticipant]:
    return list(session.scalars(select(CaseParticipant).where(
        CaseParticipant.case_id == case.id, CaseParticipant.role == LIST_MEMBER).order_by(CaseParticipant.id)))


def choose_list_member(session, case: Case, role: str = LIST_ROLE) -> Person:
    """The approved-list member to allocate to ``case`` (7.8.10, 7.8.11): never anyone involved in the
    dispute (7.8.4), nobody already named on this panel or objected to, and of the rest the one who has
    sat least often; ties go to the one allocated least recently, then to the lowest id."""
    excluded = involved_people(session, case)
    excluded |= {p.person_id for p in session.scalars(select(CaseParticipant).where(
        CaseParticipant.case_id == case.id)) if p.person_id}
    candidates = [p for p in approved_list(session, role) if p.id not in excluded]
    if not candidates:
        raise ConditionFailed("no member of the approved appeal panel list is free of involvement in this "
                              "dispute and not already named on it (002 7.8.10); extend the list")
    usage = {row.person_id: row for row in _usage(session)}
    epoch = datetime.min

    def key(p: Person):
        u = usage.get(p.id)
        last = u.last_allocated.replace(tzinfo=None) if u and u.last_allocated else epoch
        return (u.sittings if u else 0, last, p.id)

    return min(candidates, key=key)


def _usage(session):
    sat = func.sum(sql_case((CaseParticipant.status != OBJECTED, 1), else_=0))
    return session.execute(select(CaseParticipant.person_id, func.coalesce(sat, 0).label("sittings"),
                                  func.count().label("allocations"),
                                  func.max(CaseParticipant.added_at).label("last_allocated"))
                           .where(CaseParticipant.role == LIST_MEMBER, CaseParticipant.person_id.is_not(None))
                           .group_by(CaseParticipant.person_id)).all()


@dataclass(frozen=True)
class Sittings:
    person_id: int
    name: str
    sittings: int       # allocations that stood (not objected to)
    objected_to: int    # allocations withdrawn after an objection (7.8.12)
    last_allocated: datetime | None


def sittings_report(session, role: str = LIST_ROLE) -> list[Sittings]:
    """How often each approved-list member has been allocated to a panel, so allocation can be spread
    (002 7.8.11). Every member of the list appears, including those never called."""
    usage = {row.person_id: row for row in _usage(session)}
    out = []
    for p in approved_list(session, role):
        u = usage.get(p.id)
        sittings = int(u.sittings) if u else 0
        out.append(Sittings(p.id, p.name, sittings, (int(u.allocations) - sittings) if u else 0,
                            u.last_allocated if u else None))
    return sorted(out, key=lambda s: (-s.sittings, s.name))


def panel_sittings(svc, actor) -> list[Sittings]:
    """The sittings report for people who oversee the process: a trust-wide office (Chief Executive's
    office, Medical Director, Medical Directorate, HR)."""
    from workflow import access

    access.require(svc.session, actor, "read_panel_sittings")
    return sittings_report(svc.session)


def _add_list_member(ctx) -> CaseParticipant:
    person = choose_list_member(ctx.session, ctx.case, list_role(ctx.policy))
    row = CaseParticipant(case_id=ctx.case.id, person_id=person.id, role=LIST_MEMBER, status="active",
                          name=person.name, data={"allocated_by": ctx.actor.person_id}, added_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.case.data = {**(ctx.case.data or {}), "list_member": person.id}
    return row


@action
def allocate_list_member(ctx) -> None:
    """Allocate the third panel member from the approved list (002 7.8.10)."""
    if any(p.status == "active" for p in _list_members(ctx.session, ctx.case)):
        raise ConditionFailed("a member from the approved list is already allocated to this panel (002 7.8.10)")
    _add_list_member(ctx)


@condition
def objection_available(ctx) -> None:
    """002 7.8.12: one objection, by either side, to the first list member; one alternative follows."""
    members = [p for p in ctx.facts.participants() if p.role == LIST_MEMBER]
    if not any(p.status == "active" for p in members):
        raise ConditionFailed("no member from the approved list has been allocated yet")
    if any(p.status == OBJECTED for p in members):
        first = next(p for p in members if p.status == OBJECTED)
        by = ctx.policy.roles.get(first.data.get("objected_by_role"), None)
        raise ConditionFailed(f"an objection to the first list member has already been made"
                              f"{' by the ' + by.title if by else ''}; only one alternative is allocated and "
                              "it may not be objected to (002 7.8.12)")


@action
def object_to_list_member(ctx) -> None:
    """Withdraw the first list member on an objection and allocate one alternative (002 7.8.12)."""
    current = next(p for p in _list_members(ctx.session, ctx.case) if p.status == "active")
    current.status = OBJECTED
    current.data = {**(current.data or {}), "objected_by_role": ctx.role, "objected_by": ctx.actor.person_id,
                    "objected_at": ctx.now.isoformat()}
    ctx.session.flush()
    _add_list_member(ctx)


@condition
def panel_complete(ctx) -> None:
    """The panel is whole before it sits: the roles in ``settings.appeal_panel_roles`` (002 7.8.10: the
    employer's chair, the appellant's nominee, the approved-list member; 004 stage 3: its three)."""
    roles = ctx.policy.settings.appeal_panel_roles
    require_participants(ctx, roles, "appeal panel")


@condition
def not_on_panel_already(ctx) -> None:
    """One seat per person: nobody is named twice on the same panel."""
    person_id = ctx.values.get("person")
    taken = {p.person_id for p in ctx.facts.participants() if p.status == "active"}
    if person_id in taken:
        raise ConditionFailed("this person already has a seat on this panel")


@action
def apply_board_decision(ctx, varied_plan_field: str | None = None, vary_choice: str = "vary_plan") -> None:
    """002 7.8.9: the board decides and normally accepts the panel's recommendation; a decision that
    departs from it must say why. The plan then takes the decided form (a new version), and the
    settling steps of the dispute mark it agreed. With ``varied_plan_field``, a decision to vary the plan
    carries the varied plan, which is written as a new version (noting the version it varies) and adopted;
    no other decision carries one, and a "variation" identical to the version it varies is refused."""
    recommended = (ctx.case.data or {}).get("recommendation")
    decided = ctx.values.get("board_decision")
    if recommended and decided and decided != recommended and not (ctx.reason and ctx.reason.strip()):
        raise InvalidPayload("the board normally accepts the panel's recommendation (002 7.8.9); record the "
                             "reason it decided otherwise", fields={"reason": ["a reason is required"]})
    varied = ctx.values.get(varied_plan_field) if varied_plan_field else None
    if varied_plan_field and decided == vary_choice:
        base = plan_version(ctx, ctx.values.get("plan_version") or ctx.case.job_plan.current_version)
        if not varied:
            raise InvalidPayload("a decision to vary the plan carries the plan as the board varied it (002 7.8.9)",
                                 fields={varied_plan_field: ["enter the varied plan"]})
        if varied == base.content:
            raise InvalidPayload(f"the varied plan is the same as version {base.number}; if the board adopted "
                                 "that version unchanged, record that decision instead (002 7.8.9)",
                                 fields={varied_plan_field: [f"no different from version {base.number}"]})
        version = add_plan_version(ctx, varied, f"trust board decision ({decided}, case {ctx.case.id}): "
                                                f"version {base.number} as the board varied it")
        ctx.case.data = {**(ctx.case.data or {}), "adopted_version": version.number, "varied_from": base.number}
        return
    if varied:
        raise InvalidPayload("only a decision to vary the plan carries a varied plan (002 7.8.9)",
                             fields={varied_plan_field: [f"leave this empty unless the board decided "
                                                         f"{vary_choice.replace('_', ' ')}"]})
    adopt_decided_version(ctx, field="plan_version", by=f"trust board decision ({decided or 'decided'})")
