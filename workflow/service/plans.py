"""Job plans: reading them and their versions (what is in force, the history, the differences),
assessing a plan, the next year's plan as a copy of the last agreed one, team plans (002 7.4) and a
team's capacity (003)."""
from __future__ import annotations

import jsonpatch
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from workflow import access, limits
from workflow.actors import Actor
from workflow.content.assess import Assessment, assess_plan, totals_for, version_of
from workflow.content.calculations import Capacity, team_capacity as roll_up
from workflow.content.schema import normalise_content
from workflow.errors import ConditionFailed, NotFound, PermissionDenied, StaleVersion
from workflow.store.models import Case, JobPlan, JobPlanVersion, OrgUnit, Person
from workflow.store.plan_versions import add_version
from workflow.service.report_scope import report_scope
from workflow.timing.calendar import calendar_for
from workflow.service import trust_log
from workflow.service.tagged import in_workflow
from workflow.store.uow import operation
from workflow.policy.tags import ANNUAL_SIGN_OFF, DISPUTE




def new_plan(svc, actor: Actor, content: dict, note: str, **plan_fields) -> JobPlan:
    """A plan with its first version, as part of the caller's operation."""
    now = svc.clock.now()
    plan = JobPlan(current_version=0, created_at=now, **plan_fields)
    svc.session.add(plan)
    add_version(svc.session, plan, content, at=now, by_id=actor.person_id, note=note)
    return plan


def today(svc, policy) -> date:
    return calendar_for(policy).local_date(svc.clock.now())


def latest_policies(svc):
    return [svc.policies.latest(pid) for pid in svc.policies.ids()]


def can_see_person(svc, actor: Actor, person: Person) -> bool:
    """Whoever holds a role over the person's job planning under any loaded policy (the same rules as
    on a case: practitioner, manager, AMD of the care group, the offices)."""
    return actor.is_system or bool(access.roles_over_person(svc.session, actor, person, latest_policies(svc)))


def can_see_plan(svc, actor: Actor, plan: JobPlan) -> bool:
    """An individual plan: whoever may see the person, and whoever may see a case the plan is attached
    to (a panel member on that plan's appeal). A team plan: its members' managers and whoever may read
    reports for its care group (002 7.4)."""
    if actor.is_system:
        return True
    if plan.kind == "team":
        team = svc.session.get(OrgUnit, plan.team_id)
        return team is not None and (access.may(svc.session, actor, "plan_team", team=team)
                                     or access.may(svc.session, actor, "read_reports", team=team))
    if plan.person is not None and can_see_person(svc, actor, plan.person):
        return True
    cases = svc.session.scalars(select(Case).where(Case.job_plan_id == plan.id))
    return any(access.can_see_case(svc.session, actor, c, svc.policy_of(c)) for c in cases)


def get_plan(svc, actor: Actor, plan_id: int) -> JobPlan:
    plan = svc.session.get(JobPlan, plan_id)
    if plan is None or not can_see_plan(svc, actor, plan):
        raise NotFound(f"job plan {plan_id} was not found")
    return plan


def version(plan: JobPlan, number: int) -> JobPlanVersion:
    for v in plan.versions:
        if v.number == number:
            return v
    raise NotFound(f"job plan {plan.id} has no version {number}")


def in_force(plan: JobPlan) -> JobPlanVersion | None:
    """The version in force: the last agreed one. While a new version is being agreed or disputed,
    the last agreed plan stays in force (002 7.7, 7.8)."""
    return version(plan, plan.agreed_version) if plan.agreed_version else None


def assess(svc, actor: Actor, plan_id: int, number: int | None = None) -> Assessment:
    """Totals, findings under the policy's content rules (warnings and blockers) and the change from the
    previous agreed plan, for a version (the current one by default)."""
    plan = get_plan(svc, actor, plan_id)
    policy = svc.policies.latest(plan.policy_id)
    return assess_plan(svc.session, plan, policy, today(svc, policy), number)


def last_agreed_plan(svc, person_id: int) -> JobPlan | None:
    return svc.session.scalars(
        select(JobPlan).where(JobPlan.kind == "individual", JobPlan.person_id == person_id,
                              JobPlan.agreed_version.is_not(None))
        .order_by(JobPlan.agreed_at.desc(), JobPlan.id.desc())).first()


def start_next_plan(svc, actor: Actor, person_id: int, *, period_start: date | None = None) -> JobPlan:
    """A new year's plan starts as a copy of the last agreed one (002 7.7; 001 ¶23 "may be built onto the
    previous year's plan"); both parties then edit it and sign the new version."""
    with operation(svc.session):
        person = svc.session.get(Person, person_id)
        if person is None:
            raise NotFound(f"person {person_id} was not found")
        require_editor(svc, actor, person)
        previous = last_agreed_plan(svc, person_id)
        if previous is None:
            raise ConditionFailed(f"{person.name} has no agreed plan to start from; draft a new plan instead")
        content = version_of(previous, previous.agreed_version).content
        plan = new_plan(svc, actor, dict(content), f"copied from plan {previous.id} version {previous.agreed_version}",
                        kind="individual", person_id=person.id, policy_id=previous.policy_id,
                        period_start=period_start, interim=False)
    return plan


# ---- team plans (002 7.4) -------------------------------------------------------------------------------

def _require_team_planner(svc, actor: Actor, team: OrgUnit) -> None:
    """A clinical manager of someone in the team, the care group's AMD, or the Medical Directorate
    (002 7.4.1: the clinical manager conducts team job planning; 5.3, 5.6)."""
    access.require(svc.session, actor, "plan_team", team=team)


def create_team_plan(svc, actor: Actor, team_id: int, content: dict, *, policy_id: str,
                     period_start: date | None = None) -> JobPlan:
    content = normalise_content(content)
    with operation(svc.session):
        team = svc.session.get(OrgUnit, team_id)
        if team is None or team.kind != "team":
            raise NotFound(f"team {team_id} was not found")
        _require_team_planner(svc, actor, team)
        policy = svc.policies.latest(policy_id)
        plan = new_plan(svc, actor, content, "team plan, first draft", kind="team", team_id=team.id,
                        policy_id=policy.id, period_start=period_start)
    return plan


def list_team_plans(svc, actor: Actor, team_id: int) -> list[JobPlan]:
    """The team's plans the actor may see, newest first; NotFound for a team they may not see."""
    team = svc.session.get(OrgUnit, team_id)
    if team is None or team.kind != "team":
        raise NotFound(f"team {team_id} was not found")
    found = svc.session.scalars(select(JobPlan).where(JobPlan.kind == "team", JobPlan.team_id == team_id)
                                .order_by(JobPlan.id.desc())).all()
    visible = [p for p in found if can_see_plan(svc, actor, p)]
    if not visible and not access.may(svc.session, actor, "plan_team", team=team):
        raise NotFound(f"team {team_id} was not found")
    return visible


def agree_team_plan(svc, actor: Actor, plan_id: int, *, expected_version: int | None = None) -> JobPlan:
    """Record that the team plan's current version is agreed; members' individual plans may then follow."""
    with operation(svc.session):
        plan = svc.session.get(JobPlan, plan_id, with_for_update=True, populate_existing=True)
        if plan is None or plan.kind != "team":
            raise NotFound(f"team job plan {plan_id} was not found")
        team = svc.session.get(OrgUnit, plan.team_id)
        _require_team_planner(svc, actor, team)
        if expected_version is not None and plan.row_version != expected_version:
            raise StaleVersion(f"team job plan {plan_id} has changed since you loaded it; reload it and try again")
        plan.agreed_version = plan.current_version
        plan.agreed_at = svc.clock.now()
    return plan


def _contract_wte(svc, person: Person) -> float:
    """WTE from the contract alone, on the full-time basis of the person's policy (10 PAs or its hours)."""
    try:
        policy = svc.policies.for_person(person)
    except NotFound:
        policy = None
    rules = policy.rules_for(person.staff_group) if policy else None
    pa_hours = policy.pa_hours if policy else 4.0
    ft_hours = (rules.full_time_hours or rules.full_time_pas * pa_hours) if rules else 10 * pa_hours
    hours = person.contracted_hours if person.contracted_hours is not None else (person.contracted_pas or 0) * pa_hours
    return hours / ft_hours


def team_capacity(svc, actor: Actor, team_id: int) -> Capacity:
    """003: the team's staff count, WTE and WTE by category, from each member's agreed plan (else the
    current draft); a member without any plan counts in staff and WTE only."""
    team = svc.session.get(OrgUnit, team_id)
    if team is None or team.kind != "team":
        raise NotFound(f"team {team_id} was not found")
    if not access.may(svc.session, actor, "manage_team", team=team):
        scope = report_scope(svc.session, actor)
        group = team.ancestor("care_group")
        if scope is not None and (group is None or group.id not in scope):
            raise NotFound(f"team {team_id} was not found")
    members = svc.session.scalars(select(Person).where(Person.team_id == team_id, Person.active.is_(True))
                                  .order_by(Person.id)).all()
    totals, without = [], []
    for person in members:
        plan = last_agreed_plan(svc, person.id) or svc.session.scalars(
            select(JobPlan).where(JobPlan.kind == "individual", JobPlan.person_id == person.id)
            .order_by(JobPlan.id.desc())).first()
        policy = svc.policies.latest(plan.policy_id) if plan else None
        if plan is None:
            without.append(_contract_wte(svc, person))
            continue
        v = version_of(plan, plan.agreed_version or plan.current_version)
        totals.append(totals_for(plan, v.content if v else {}, policy, today(svc, policy)))
    return roll_up(totals, wte_without_plan=without)


def edit_team_plan(svc, actor: Actor, plan_id: int, content: dict, *, expected_version: int | None = None,
                   note: str | None = None) -> JobPlanVersion:
    """A new version of the team plan; an agreed team plan stays agreed at its agreed version."""
    limits.check_text("note", note, limits.NOTE_CHARS)
    content = normalise_content(content)
    with operation(svc.session):
        plan = svc.session.get(JobPlan, plan_id, with_for_update=True, populate_existing=True)
        if plan is None or plan.kind != "team":
            raise NotFound(f"team job plan {plan_id} was not found")
        _require_team_planner(svc, actor, svc.session.get(OrgUnit, plan.team_id))
        if expected_version is not None and plan.row_version != expected_version:
            raise StaleVersion(f"team job plan {plan_id} has changed since you loaded it; reload it and try again")
        version = add_version(svc.session, plan, content, at=svc.clock.now(), by_id=actor.person_id, note=note)
        trust_log.plan_edited(svc, actor, plan, version)
    return version


# ---- the plan in force (002 7.7, 7.8) ----------------------------------------------------------------------



@dataclass(frozen=True)
class PlanInForce:
    person_id: int
    job_plan_id: int
    version: int               # the agreed version, in force
    agreed_at: datetime | None
    interim: bool
    content: dict
    latest_version: int        # the newest draft, which may differ while a review or dispute runs
    disputed: bool             # a disagreement or appeal on this person's plan is open
    open_dispute_case_ids: tuple[int, ...]
    # 002 7.2.2: additional PAs run "for up to 12 months or until the next job planning meeting": those of the
    # agreed version still running today (not past their end date, and no later job planning meeting held),
    # and the date of that next meeting once it is held (they stop counting from that day).
    additional_pas: tuple[dict, ...] = ()
    additional_pas_ended_on: date | None = None


def plan_in_force(svc, actor: Actor, person_id: int) -> PlanInForce | None:
    """Which plan version is in force for ``person_id`` (None if none was ever agreed), and whether a
    dispute is running over its successor. The plan agreed last stays in force while a review, a
    disagreement or an appeal runs: only an agreement at sign-off, or a decision of the Medical Director
    or the board, changes it."""
    person = svc.session.get(Person, person_id)
    if person is None or not can_see_person(svc, actor, person):
        raise NotFound(f"person {person_id} was not found")
    plan = last_agreed_plan(svc, person.id)
    if plan is None:
        return None
    agreed = in_force(plan)
    disputes = tuple(svc.session.scalars(select(Case.id).where(
        Case.subject_id == person.id, in_workflow(svc.policies, DISPUTE), Case.closed_at.is_(None))
        .order_by(Case.id)))
    on = today(svc, svc.policies.latest(plan.policy_id))
    next_meeting = next_meeting_after(svc, person.id, plan.agreed_at)
    running = tuple(a for a in (agreed.content or {}).get("additional_pas") or []
                    if str(a.get("start")) <= on.isoformat() <= str(a.get("end"))
                    and (next_meeting is None or on < next_meeting))
    return PlanInForce(person.id, plan.id, agreed.number, plan.agreed_at, plan.interim, dict(agreed.content),
                       plan.current_version, bool(disputes), disputes, running, next_meeting)


def next_meeting_after(svc, person_id: int, agreed_at: datetime | None) -> date | None:
    """The date of the first job planning meeting recorded in a sign-off started after the plan in force was
    agreed (002 7.2.2: additional PAs end there); None while none has been held."""
    if agreed_at is None:
        return None
    data = svc.session.scalars(select(Case.data).where(
        Case.subject_id == person_id, in_workflow(svc.policies, ANNUAL_SIGN_OFF), Case.opened_at > agreed_at))
    held = sorted(date.fromisoformat(d["meeting_date"]) for d in data if d and d.get("meeting_date"))
    return held[0] if held else None


def list_plans(svc, actor: Actor, person_id: int | None = None) -> list[JobPlan]:
    q = select(JobPlan).order_by(JobPlan.id)
    if person_id:
        q = q.where(JobPlan.person_id == person_id)
    return [p for p in svc.session.scalars(q) if can_see_plan(svc, actor, p)]


def get_version(svc, actor: Actor, plan_id: int, number: int) -> JobPlanVersion:
    return version(get_plan(svc, actor, plan_id), number)


def diff_versions(svc, actor: Actor, plan_id: int, from_number: int, to_number: int) -> list[dict]:
    """The changes from one version's content to another's, as a JSON Patch (RFC 6902)."""
    old = get_version(svc, actor, plan_id, from_number)
    new = get_version(svc, actor, plan_id, to_number)
    return jsonpatch.make_patch(old.content or {}, new.content or {}).patch


def _editor_roles(svc) -> set[str]:
    """The roles that draft and edit a plan: the practitioner and their clinical manager (002 7.5)."""
    return {name for p in latest_policies(svc) for name, r in p.roles.items() if r.scope in ("subject", "manager")}


def require_editor(svc, actor: Actor, person) -> None:
    """The practitioner and their clinical manager draft and edit the plan (002 7.5); a token's roles count."""
    if actor.is_system:
        return
    held = access.roles_over_person(svc.session, actor, person, latest_policies(svc))
    if not held & _editor_roles(svc):
        raise PermissionDenied("only the practitioner and their clinical manager may draft or edit the job plan (002 7.5)")


def may_edit(svc, actor: Actor, plan: JobPlan) -> bool:
    """``require_editor``'s rule as a yes or no (for a page deciding whether to offer editing); a team plan is
    agreed by its team, not edited as a person's."""
    if plan.person is None:
        return False
    try:
        require_editor(svc, actor, plan.person)
    except PermissionDenied:
        return False
    return True
