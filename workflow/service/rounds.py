"""The annual round (issue 17 item 5; 002 7.5, 7.7.1): this year's sign-off for everyone in a team, a care group
or the whole trust, started in one action by the job planning lead or by the care group's AMD.

Each person gets this year's plan, copied forward from the one in force, and its sign-off case (the team
page's ``open_sign_off``, the same path); someone with a sign-off under way, or already started in another
round of the same year, is skipped and the round says why. The round runs in batches of people in id order,
each batch one transaction; its ``cursor`` is the last person handled, so a run that stopped resumes where it
left off, and running it again when it has finished adds nothing."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select, tuple_
from sqlalchemy.orm import aliased

from workflow import access
from workflow.actors import Actor
from workflow.errors import ConditionFailed, NotFound, WorkflowError
from workflow.policy.tags import ANNUAL_SIGN_OFF, DISPUTE, GOVERNANCE_QUEUE, SECOND_LEVEL
from workflow.service import trust_log
from workflow.service.starts import lock_person
from workflow.service.tagged import in_state
from workflow.service.team import open_sign_off
from workflow.store.deadline_rules import overdue_clause
from workflow.store.models import Case, Deadline, JobPlan, JobPlanRound, OrgUnit, Person, RoundMember
from workflow.store.uow import operation, savepoint
from workflow.timing.calendar import calendar_for

CAPABILITY = "run_round"
ROUND_ROLE = "annual_round"  # the actor_role of a case the round opened: decided by ``run_round``, not a case role
BATCH = 25
MAX_BATCH = 200
STATUSES = ("not_started", "meeting_held", "signed", "approved", "disputed", "overdue", "skipped")


def _year(svc) -> int:
    policy = svc.policies.latest(svc.policies.ids()[0])
    return calendar_for(policy).local_date(svc.clock.now()).year


def _unit(svc, unit_id: int) -> OrgUnit:
    unit = svc.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound(f"organisation unit {unit_id} was not found")
    return unit


def _team_ids(svc, unit: OrgUnit) -> list[int]:
    """The teams under a unit (itself, when it is a team), by walking down the tree."""
    units = svc.session.execute(select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.kind)).all()
    children: dict[int | None, list] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    out, todo = [], [(unit.id, unit.kind)]
    while todo:
        uid, kind = todo.pop()
        if kind == "team":
            out.append(uid)
        todo.extend((c.id, c.kind) for c in children.get(uid, []))
    return out


def _people_query(svc, unit: OrgUnit):
    """The practitioners a round over ``unit`` covers: active, with a staff group, in one of its teams."""
    return select(Person.id).where(Person.active.is_(True), Person.staff_group.is_not(None),
                                   Person.team_id.in_(_team_ids(svc, unit)))


def _require(svc, actor: Actor, unit: OrgUnit) -> None:
    access.require(svc.session, actor, CAPABILITY, team=unit)


def start_round(svc, actor: Actor, unit_id: int) -> JobPlanRound:
    """This year's round over the unit, new or (when it was started already) the same one, to resume."""
    with operation(svc.session):
        unit = _unit(svc, unit_id)
        _require(svc, actor, unit)
        year = _year(svc)
        existing = svc.session.scalar(select(JobPlanRound).where(JobPlanRound.org_unit_id == unit.id,
                                                                 JobPlanRound.year == year))
        if existing is not None:
            return existing
        total = svc.session.scalar(select(func.count()).select_from(_people_query(svc, unit).subquery()))
        rnd = JobPlanRound(org_unit_id=unit.id, year=year, started_by_id=actor.person_id, started_at=svc.clock.now(),
                           cursor=0, total=total)
        svc.session.add(rnd)
        svc.session.flush()
        trust_log.record(svc, "round_started", trust_log.subject_of("job_plan_round", rnd.id), actor=actor,
                         role=trust_log.role_of(actor),
                         payload={"org_unit_id": unit.id, "org_unit": unit.name, "year": year, "people": total})
    return rnd


def get_round(svc, actor: Actor, round_id: int) -> JobPlanRound:
    """The round, if the actor may run rounds over its unit; otherwise NotFound (its existence not disclosed)."""
    rnd = svc.session.get(JobPlanRound, round_id)
    if rnd is None or not access.may(svc.session, actor, CAPABILITY, team=rnd.org_unit):
        raise NotFound(f"round {round_id} was not found")
    return rnd


def list_rounds(svc, actor: Actor) -> list[JobPlanRound]:
    rounds = svc.session.scalars(select(JobPlanRound).order_by(JobPlanRound.id.desc())).all()
    return [r for r in rounds if access.may(svc.session, actor, CAPABILITY, team=r.org_unit)]


def run_batch(svc, actor: Actor, round_id: int, size: int = BATCH) -> JobPlanRound:
    """The next ``size`` people of the round (one transaction): each gets their sign-off, or is skipped with
    the reason. The round row is locked first, so two runs at once take turns and never handle a person twice."""
    size = max(1, min(int(size), MAX_BATCH))
    with operation(svc.session):
        rnd = svc.session.get(JobPlanRound, round_id, with_for_update=True, populate_existing=True)
        if rnd is None or not access.may(svc.session, actor, CAPABILITY, team=rnd.org_unit):
            raise NotFound(f"round {round_id} was not found")
        if rnd.finished_at is not None:
            return rnd
        people = svc.session.scalars(_people_query(svc, rnd.org_unit).where(Person.id > rnd.cursor)
                                     .order_by(Person.id).limit(size)).all()
        for person_id in people:
            _handle(svc, actor, rnd, person_id)
            rnd.cursor = person_id
        if len(people) < size:
            rnd.finished_at = svc.clock.now()
            trust_log.record(svc, "round_finished", trust_log.subject_of("job_plan_round", rnd.id), actor=actor,
                             role=trust_log.role_of(actor), payload=dict(Counter(m.outcome for m in rnd.members)))
        svc.session.flush()
    return rnd


def run_to_end(svc, actor: Actor, round_id: int, size: int = BATCH, progress=None) -> JobPlanRound:
    """Every remaining batch, each its own transaction when called outside a unit of work (the CLI)."""
    while True:
        rnd = run_batch(svc, actor, round_id, size)
        if progress is not None:
            progress(rnd)
        if rnd.finished_at is not None:
            return rnd


def _handle(svc, actor: Actor, rnd: JobPlanRound, person_id: int) -> None:
    if svc.session.scalar(select(RoundMember.id).where(RoundMember.round_id == rnd.id,
                                                       RoundMember.person_id == person_id)) is not None:
        return
    earlier = svc.session.execute(
        select(RoundMember.case_id, JobPlanRound.id).join(JobPlanRound, JobPlanRound.id == RoundMember.round_id)
        .where(RoundMember.person_id == person_id, RoundMember.outcome == "started", JobPlanRound.year == rnd.year)
    ).first()
    if earlier is not None:
        svc.session.add(RoundMember(round_id=rnd.id, person_id=person_id, outcome="skipped",
                                    reason=f"already started in round {earlier[1]} of {rnd.year} (case {earlier[0]})"))
        return
    try:
        with savepoint(svc.session):
            person = lock_person(svc.session, person_id)
            if person.manager_id is None:
                raise ConditionFailed(f"{person.name} has no clinical manager recorded; HR names one first (002 5.4)")
            case = open_sign_off(svc, actor, person, granted_as=ROUND_ROLE)
    except WorkflowError as exc:  # a sign-off under way, a staff group no policy covers: said, not hidden
        svc.session.add(RoundMember(round_id=rnd.id, person_id=person_id, outcome="skipped", reason=exc.message))
        return
    svc.session.add(RoundMember(round_id=rnd.id, person_id=person_id, outcome="started", case_id=case.id))


# ---- progress --------------------------------------------------------------------------------------------------

@dataclass
class TeamProgress:
    team: OrgUnit
    counts: Counter = field(default_factory=Counter)
    people: int = 0


@dataclass
class RoundProgress:
    round: JobPlanRound
    handled: int
    skipped: list[RoundMember]
    teams: list[TeamProgress]
    totals: Counter


def progress(svc, actor: Actor, round_id: int) -> RoundProgress:
    """How far the round's sign-offs have gone, by team: not started (no meeting yet), meeting held, signed
    (waiting on second-level or governance), approved (the plan agreed), disputed (a disagreement or appeal
    open), and, beside those, overdue (a clock past its due moment, the one definition) and skipped."""
    rnd = get_round(svc, actor, round_id)
    now = svc.clock.now()
    child = aliased(Case)
    disputed = exists().where(child.parent_id == Case.id, child.closed_at.is_(None),
                              tuple_(child.policy_id, child.policy_version, child.workflow).in_(
                                  svc.policies.workflow_keys(DISPUTE)))
    overdue = exists().where(Deadline.case_id == Case.id, overdue_clause(now, Deadline))
    signed = in_state(svc.policies, ANNUAL_SIGN_OFF, SECOND_LEVEL) | in_state(svc.policies, ANNUAL_SIGN_OFF,
                                                                              GOVERNANCE_QUEUE)
    rows = svc.session.execute(
        select(RoundMember, Person.team_id, Case, JobPlan.agreed_version, disputed.label("disputed"),
               overdue.label("overdue"), signed.label("signed"))
        .join(Person, Person.id == RoundMember.person_id)
        .outerjoin(Case, Case.id == RoundMember.case_id)
        .outerjoin(JobPlan, JobPlan.id == Case.job_plan_id)
        .where(RoundMember.round_id == rnd.id).order_by(RoundMember.person_id)).all()
    teams: dict[int, TeamProgress] = {}
    totals: Counter = Counter()
    skipped = []
    for member, team_id, case, agreed_version, is_disputed, is_overdue, is_signed in rows:
        tp = teams.get(team_id)
        if tp is None:
            tp = teams[team_id] = TeamProgress(svc.session.get(OrgUnit, team_id))
        tp.people += 1
        if member.outcome == "skipped":
            status = "skipped"
            skipped.append(member)
        elif agreed_version is not None:
            status = "approved"
        elif is_disputed:
            status = "disputed"
        elif is_signed:
            status = "signed"
        elif case.state == svc.policy_of(case).workflow(case.workflow).initial:
            status = "not_started"
        else:
            status = "meeting_held"
        tp.counts[status] += 1
        totals[status] += 1
        if is_overdue and member.outcome == "started":
            tp.counts["overdue"] += 1
            totals["overdue"] += 1
    return RoundProgress(rnd, len(rows), skipped, sorted(teams.values(), key=lambda t: t.team.name), totals)



def units_for(svc, actor: Actor) -> list[OrgUnit]:
    """The units the actor may start a round over (what the round page offers): the trust, care groups, teams."""
    order = {"trust": 0, "care_group": 1, "team": 2}
    units = svc.session.scalars(select(OrgUnit)).all()
    return sorted((u for u in units if u.kind in order and access.may(svc.session, actor, CAPABILITY, team=u)),
                  key=lambda u: (order[u.kind], u.name))
