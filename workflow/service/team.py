"""A clinical manager's team: each person they manage, the plan in force, the sign-off under way, the
next review; starting this year's sign-off (a new plan, copied from the one in force, and its case, in
one transaction); and, for someone new with no plan yet, starting their interim plan (002 7.4.3)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from workflow import access
from workflow.actors import Actor
from workflow.errors import ConditionFailed, NotFound
from workflow.store.models import Case, Deadline, JobPlan, Person
from workflow.service.plans import last_agreed_plan, new_plan, require_editor, version
from workflow.service.starts import lock_person
from workflow.service.tagged import case_in_state, in_workflow
from workflow.store.uow import operation
from workflow.policy.tags import ANNUAL_SIGN_OFF, INTERIM_PLAN, PLAN_AGREED


@dataclass(frozen=True)
class TeamMember:
    person: Person
    in_force: JobPlan | None
    open_sign_off: Case | None
    open_state: str | None
    review_due: datetime | None
    new_starter: Case | None = None  # the open interim-plan case of someone new (002 7.4.3)
    can_start_interim: bool = False  # new (a start date, no plan in force, no interim case yet) on a policy with one
    pas: str | None = None  # the plan in force's PAs against the contract: "10.5 PAs (contract 10)"
    covering_for: str | None = None  # the manager away, when the actor has this person as their deputy


def team_of(svc, actor: Actor) -> list[TeamMember]:
    """The people the actor manages (their clinical manager, 002 5.4), by name, and while the actor is a manager's
    deputy, that manager's people too (issue 17 item 7), never the actor themselves; none for a token that does
    not allow acting as clinical manager."""
    if not access.allows(actor, access.MANAGER_ROLE):
        return []
    covered = access.covered_managers(svc.session, actor)
    managers = {actor.person_id, *covered}
    people = svc.session.scalars(select(Person).where(Person.manager_id.in_(sorted(managers)),
                                                      Person.id != actor.person_id, Person.active.is_(True))
                                 .order_by(Person.name)).all()
    away = ({p.id: p.name for p in svc.session.scalars(select(Person).where(Person.id.in_(sorted(covered))))}
            if covered else {})
    out = []
    for p in people:
        agreed = last_agreed_plan(svc, p.id)
        case = svc.session.scalars(select(Case).where(Case.subject_id == p.id, in_workflow(svc.policies, ANNUAL_SIGN_OFF),
                                                      Case.closed_at.is_(None)).order_by(Case.id.desc())).first()
        review = None
        if case is not None and case_in_state(svc.policy_of(case), case, PLAN_AGREED):
            review = svc.session.scalar(select(Deadline.due_at).where(Deadline.case_id == case.id,
                                                                      Deadline.closed_at.is_(None)))
        state = svc.policy_of(case).workflow(case.workflow).state(case.state).title if case else None
        starters = svc.session.scalars(select(Case).where(Case.subject_id == p.id, in_workflow(svc.policies, INTERIM_PLAN))
                                       .order_by(Case.id.desc())).all()
        open_starter = next((c for c in starters if c.closed_at is None), None)
        can_start = p.start_date is not None and agreed is None and not starters and _has_interim_plans(svc, p)
        out.append(TeamMember(p, agreed, case if case is not None and not case_in_state(svc.policy_of(case), case, PLAN_AGREED) else None, state,
                              review, open_starter, can_start, _pas_against_contract(svc, agreed),
                              away.get(p.manager_id) if p.manager_id != actor.person_id else None))
    return out


def _pas_against_contract(svc, plan: JobPlan | None) -> str | None:
    """The agreed version's PAs a week against the contract, as the plan document words them."""
    if plan is None or not plan.agreed_version:
        return None
    from workflow.content.assess import totals_for
    from workflow.content.document import number
    from workflow.service.plans import today

    version = next((v for v in plan.versions if v.number == plan.agreed_version), None)
    if version is None:
        return None
    policy = svc.policies.latest(plan.policy_id)
    t = totals_for(plan, version.content or {}, policy, today(svc, policy))
    text = f"{number(t.total_pas)} PAs"
    return text + (f" (contract {number(t.contracted_pas)})" if t.contracted_pas is not None else "")


def _has_interim_plans(svc, person: Person) -> bool:
    try:
        return bool(svc.policies.for_person(person).workflows_tagged(INTERIM_PLAN))
    except NotFound:  # a staff group no loaded policy covers: nothing to offer
        return False


def start_interim_plan(svc, actor: Actor, person_id: int) -> Case:
    """Someone new: an empty interim plan and the case whose clock gives a month from their start date to
    agree it (002 7.4.3), in one transaction. The interim plan's own sign-off is started from that case."""
    with operation(svc.session):
        person = lock_person(svc.session, person_id)
        require_editor(svc, actor, person)
        policy = svc.policies.for_person(person)
        if not policy.workflows_tagged(INTERIM_PLAN):
            raise ConditionFailed(f"{policy.title} has no interim plan for new practitioners; start the sign-off "
                                  "of their job plan instead")
        if person.start_date is None:
            raise ConditionFailed(f"{person.name} has no start date recorded; the month for the interim plan runs "
                                  f"from it ({policy.source_document} 7.4.3): ask HR to record it first")
        if last_agreed_plan(svc, person.id) is not None:
            raise ConditionFailed(f"{person.name} already has an agreed job plan; start this year's sign-off instead")
        plan = new_plan(svc, actor, {}, "interim plan, first draft", kind="individual", person_id=person.id,
                        policy_id=policy.id, interim=True)
        case = svc.start_case_for(actor, policy.workflow_tagged(INTERIM_PLAN).name, person, policy, plan)
    return case


def start_sign_off(svc, actor: Actor, person_id: int) -> Case:
    """A new version of the person's plan for this year's sign-off: a copy of the plan in force (or an empty
    draft for someone who has none), and the sign-off case on the newest policy version (002 7.5, 7.7)."""
    with operation(svc.session):
        person = lock_person(svc.session, person_id)
        require_editor(svc, actor, person)
        case = open_sign_off(svc, actor, person)
    return case


def open_sign_off(svc, actor: Actor, person: Person, *, granted_as: str | None = None) -> Case:
    """``start_sign_off``'s work on a locked person, as part of the caller's operation (the annual round's,
    which decided by its own capability: ``granted_as``)."""
    policy = svc.policies.for_person(person)
    previous = last_agreed_plan(svc, person.id)
    if previous is not None:
        content = dict(version(previous, previous.agreed_version).content)
        note = f"copied from plan {previous.id} version {previous.agreed_version}"
    else:
        content, note = {}, "first draft"
    plan = new_plan(svc, actor, content, note, kind="individual", person_id=person.id, policy_id=policy.id)
    return svc.start_case_for(actor, policy.workflow_tagged(ANNUAL_SIGN_OFF).name, person, policy, plan,
                              granted_as=granted_as)
