"""What is waiting on whom: a person's inbox, and who holds the ball on a case. The inbox is one query:
the cases the actor may see (``access.CasePredicate``), each with its earliest open clock and the actor's
roles on it, ordered in the database (waiting on them first, overdue first, then by due date)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case as when, exists, false, func, or_, select
from sqlalchemy.orm import joinedload

from workflow import access
from workflow.actors import Actor
from workflow.store.models import Case, Deadline, Person
from workflow.timing.overdue import OPEN, is_overdue, overdue_clause
from workflow.policy.tags import ANNUAL_SIGN_OFF, PLAN_AGREED
from workflow.service import signing
from workflow.service.tagged import in_state
from workflow.service.cases import first_deadline, predicate


@dataclass(frozen=True)
class InboxItem:
    case: Case
    workflow_title: str
    state_title: str
    next_step: str | None
    my_roles: tuple[str, ...]
    waiting_on_me: bool
    due_at: datetime | None
    deadline_label: str | None
    overdue: bool


def open_deadlines(svc, case_ids: list[int]) -> dict[int, list[Deadline]]:
    """The open clocks of a few cases (one case's page), soonest first."""
    out: dict[int, list[Deadline]] = {cid: [] for cid in case_ids}
    if not case_ids:
        return out
    rows = svc.session.scalars(select(Deadline).where(Deadline.case_id.in_(case_ids), Deadline.status.in_(OPEN))
                               .order_by(Deadline.due_at))
    for d in rows:
        out[d.case_id].append(d)
    return out


def resting_clause(svc, now: datetime):
    """A plan agreed and in force waits on its manager for the next review (002 7.7.1), but not yet: only
    once the review clock's first reminder is due, or it is late. Until then it is not "waiting on you"."""
    near = exists(select(Deadline.id).where(Deadline.case_id == Case.id, Deadline.status.in_(OPEN), or_(
        Deadline.reminders_sent > 0, Deadline.next_check_at <= now, Deadline.due_at <= now)))
    return and_(in_state(svc.policies, ANNUAL_SIGN_OFF, PLAN_AGREED), ~near)


def waiting_clause(svc, pred: access.CasePredicate, now: datetime | None = None):
    """True on the open cases whose current state waits on a role the actor holds there (with ``now``: and
    whose wait has begun, see ``resting_clause``)."""
    if now is not None:
        return and_(waiting_clause(svc, pred), ~resting_clause(svc, now))
    terms = []
    for role in pred.roles():
        states: dict[tuple, list[str]] = defaultdict(list)
        for policy in svc.policies.all():
            for wf_name, wf in policy.workflows.items():
                for st in wf.states:
                    if role in st.waiting_on:
                        states[(policy.id, policy.version, wf_name)].append(st.name)
        at = [and_(Case.policy_id == p, Case.policy_version == v, Case.workflow == w, Case.state.in_(names))
              for (p, v, w), names in sorted(states.items())]
        if at:
            terms.append(and_(or_(*at), pred.holds(role)))
    return or_(*terms) if terms else false()


def inbox(svc, actor: Actor, *, only_waiting: bool = False, waiting: bool | None = None,
          limit: int | None = None) -> list[InboxItem]:
    """Open cases the actor may see, those waiting on them first, overdue first, then by due date.
    ``waiting``: only those waiting (True) or not (False) on the actor; ``limit``: the first so many."""
    now = svc.clock.now()
    pred = predicate(svc, actor)
    is_waiting = waiting_clause(svc, pred, now)
    d, cond = first_deadline()
    late = overdue_clause(now, d)
    q = (select(Case, d).where(pred.visible(), Case.closed_at.is_(None))
         .outerjoin(d, cond).options(joinedload(Case.subject).joinedload(Person.team))
         .order_by(when((is_waiting, 0), else_=1), when((late, 0), else_=1), d.due_at.is_(None), d.due_at, Case.id))
    if only_waiting or waiting is True:
        q = q.where(is_waiting)
    elif waiting is False:
        q = q.where(~is_waiting)
    if limit is not None:
        q = q.limit(limit)
    items = []
    rows = svc.session.execute(q).all()
    participations = pred.participations(svc.session) if rows else {}
    for case, first in rows:
        policy = svc.policy_of(case)
        wf = policy.workflow(case.workflow)
        state = wf.state(case.state)
        mine = access.roles_on_listed_case(svc.session, actor, case, policy, pred.assigned, participations)
        spec_label = None
        if first is not None:
            spec_label = next((s.label for s in state.deadlines if s.name == first.name), first.name)
        items.append(InboxItem(case, wf.title, state.title, state.next_step, tuple(sorted(mine)),
                               bool(set(state.waiting_on) & mine), first.due_at if first else None, spec_label,
                               bool(first is not None and is_overdue(first, now))))
    return items


def inbox_counts(svc, actor: Actor) -> dict[str, int]:
    """How many open cases wait on the actor and how many more they can see (one aggregate)."""
    pred = predicate(svc, actor)
    is_waiting = waiting_clause(svc, pred, svc.clock.now())
    row = svc.session.execute(select(func.count(), func.count(when((is_waiting, 1))))
                              .select_from(Case).where(pred.visible(), Case.closed_at.is_(None))).one()
    return {"waiting": row[1], "watching": row[0] - row[1]}


@dataclass(frozen=True)
class BallHolder:
    role: str
    role_title: str
    people: tuple[str, ...]


def who_holds_the_ball(svc, case: Case) -> list[BallHolder]:
    """Whom the case waits on now: the state's ``waiting_on``, less whoever has already signed the version
    being signed (workflow.service.signing)."""
    policy = svc.policy_of(case)
    state = policy.workflow(case.workflow).state(case.state)
    done = signing.done_roles(svc, case)
    return [BallHolder(r, policy.roles[r].title,
                       tuple(p.name for p in access.holders_of(svc.session, case, policy, r)))
            for r in state.waiting_on if r not in done]
