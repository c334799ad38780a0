"""What is waiting on whom: a person's inbox, and who holds the ball on a case. The inbox is one query:
the cases the actor may see (``access.CasePredicate``), each with its earliest open clock and the actor's
roles on it, ordered in the database (waiting on them first, overdue first, then by due date)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case as when, exists, false, func, or_, select, union
from sqlalchemy.orm import joinedload

from workflow import access
from workflow.actors import Actor
from workflow.store.models import Case, Deadline, Person
from workflow.store.deadline_rules import is_overdue
from workflow.store.models import DEADLINE_OPEN_STATUSES as OPEN
from workflow.policy.tags import ANNUAL_SIGN_OFF, PLAN_AGREED
from workflow.service import signing
from workflow.service.cases import earliest_first, first_open_deadlines, predicate
from workflow.service.keyset import COUNT_CAP  # the home page says "more than 1,000" rather than count every case


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


def _waiting_states(svc, pred: access.CasePredicate) -> list[tuple[str, str, int, str, str, bool]]:
    """(role, policy id, version, workflow, state, resting) for each state that waits on a role the actor may
    hold; ``resting``: the state is the agreed plan's (tag plan_agreed), which waits for its next review."""
    out = []
    for role in pred.roles():
        for policy in svc.policies.all():
            for wf_name, wf in policy.workflows.items():
                rests = ANNUAL_SIGN_OFF in wf.tags
                out += [(role, policy.id, policy.version, wf_name, st.name, rests and PLAN_AGREED in st.tags)
                        for st in wf.states if role in st.waiting_on]
    return sorted(out)


def review_near(now: datetime, on=None):
    """A plan agreed and in force waits on its manager for the next review (002 7.7.1), but not yet: only once
    the review clock's first reminder is due, or it is late. Until then it is not "waiting on you". ``on``: the
    columns of a CTE of cases to test instead of ``Case``'s."""
    c = Case if on is None else on
    return exists(select(Deadline.id).where(Deadline.case_id == c.id, Deadline.status.in_(OPEN), or_(
        Deadline.reminders_sent > 0, Deadline.next_check_at <= now, Deadline.due_at <= now)))


def _in_waiting_state(p, v, w, st, rests: bool, now: datetime | None, on=None):
    c = Case if on is None else on
    at = and_(c.policy_id == p, c.policy_version == v, c.workflow == w, c.state == st)
    return and_(at, review_near(now, on)) if rests and now is not None else at


def waiting_clause(svc, pred: access.CasePredicate, now: datetime | None = None, on=None):
    """True on the open cases whose current state waits on a role the actor holds there (with ``now``: and whose
    wait has begun, ``review_near``). ``on``: the columns of ``CasePredicate.own_cases`` to test instead of
    ``Case``'s (an actor who holds no role broadly)."""
    terms = [and_(_in_waiting_state(p, v, w, st, rests, now, on), pred.holds(role, None if on is None else on.id))
             for role, p, v, w, st, rests in _waiting_states(svc, pred)]
    return or_(*terms) if terms else false()


def waiting_first(svc, pred: access.CasePredicate, k: int, now: datetime | None = None):
    """The ids of the first ``k`` open cases waiting on the actor, earliest open clock first: for each state
    that waits on one of their roles, the first ``k`` of that state read from ``ix_case_state_next_due`` (a
    state, then the date: no scan of a trust's cases, however many), then the first ``k`` of those."""
    parts = []
    for role, p, v, w, st, rests in _waiting_states(svc, pred):
        at = and_(_in_waiting_state(p, v, w, st, rests, now), Case.closed_at.is_(None))
        broad, narrow = pred.held_broadly(role), pred.held_narrowly(role)
        if broad is not None:  # the state's cases, earliest first, from the index: the first k
            q = earliest_first(select(Case.id.label("id"), Case.next_due_at.label("next_due_at"))
                               .where(at, broad)).limit(k).subquery()
            parts.append(select(q.c.id, q.c.next_due_at))
        if narrow is not None:  # the actor's own few cases: found from their rows, not by walking the state
            parts.append(select(Case.id.label("id"), Case.next_due_at.label("next_due_at")).where(at, narrow))
    if not parts:
        return None
    every = union(*parts).subquery("waiting") if len(parts) > 1 else parts[0].subquery("waiting")
    return select(every.c.id).order_by(every.c.next_due_at.asc().nulls_last(), every.c.id).limit(k)


def _own_listed(svc, pred: access.CasePredicate, now: datetime, waiting: bool):
    """For someone who sees only their own few cases (``CasePredicate.own_cases``): those of them that are open
    and (not) waiting on them, as a select of (id, next_due_at) over a CTE read from their own rows, the
    waiting test made on its columns: no join with the trust's cases. None for someone who holds a role broadly.
    Without it, "not waiting on me" ordered by date lets the database walk the date index over every open
    case of the trust, testing each against the person's few."""
    own = pred.own_cases(Case.id, Case.policy_id, Case.policy_version, Case.workflow, Case.state,
                         Case.closed_at, Case.next_due_at)
    if own is None:
        return None
    is_waiting = waiting_clause(svc, pred, now, on=own.c)
    return (select(own.c.id.label("id"), own.c.next_due_at.label("next_due_at"))
            .where(own.c.closed_at.is_(None), is_waiting if waiting else ~is_waiting).subquery("listed"))


def _first_of(listed, limit: int | None):
    """The ids of a ``_own_listed`` CTE, earliest open clock first (the first ``limit``)."""
    q = select(listed.c.id).order_by(listed.c.next_due_at.asc().nulls_last(), listed.c.id)
    return q.limit(limit) if limit is not None else q


def inbox(svc, actor: Actor, *, only_waiting: bool = False, waiting: bool | None = None,
          limit: int | None = None) -> list[InboxItem]:
    """Open cases the actor may see, those waiting on them first, then earliest open clock first (so the
    overdue come first), read from the index on ``Case.next_due_at``. ``waiting``: only those waiting (True)
    or not (False) on the actor; ``limit``: the first so many."""
    now = svc.clock.now()
    pred = predicate(svc, actor)
    is_waiting = waiting_clause(svc, pred, now)
    q = select(Case).where(pred.visible(), Case.closed_at.is_(None))
    want = False if waiting is False else True if (only_waiting or waiting is True) else None
    listed = _own_listed(svc, pred, now, waiting=want) if want is not None else None
    if listed is not None:  # (not) waiting on someone who sees only their own cases: from those cases
        q = earliest_first(select(Case).where(Case.id.in_(_first_of(listed, limit).scalar_subquery())))
    elif (only_waiting or waiting is True) and limit is not None:
        first = waiting_first(svc, pred, limit, now)
        if first is None:
            return []
        q = earliest_first(select(Case).where(Case.id.in_(first.scalar_subquery())))
    elif only_waiting or waiting is True:
        q = earliest_first(q.where(is_waiting))
    elif waiting is False:
        q = earliest_first(q.where(~is_waiting))
    else:
        q = q.order_by(when((is_waiting, 0), else_=1), Case.next_due_at.asc().nulls_last(), Case.id)
    q = q.options(joinedload(Case.subject).joinedload(Person.team))
    if limit is not None:
        q = q.limit(limit)
    cases = list(svc.session.scalars(q))
    firsts = first_open_deadlines(svc, cases)
    participations = pred.participations(svc.session) if cases else {}
    items = []
    for case in cases:
        first = firsts.get(case.id)
        policy = svc.policy_of(case)
        wf = policy.workflow(case.workflow)
        state = wf.state(case.state)
        mine = access.roles_on_listed_case(svc.session, actor, case, policy, pred.assigned, participations,
                                           pred.covered)
        spec_label = None
        if first is not None:
            spec_label = next((s.label for s in state.deadlines if s.name == first.name), first.name)
        items.append(InboxItem(case, wf.title, state.title, state.next_step, tuple(sorted(mine)),
                               bool(set(state.waiting_on) & mine), first.due_at if first else None, spec_label,
                               bool(first is not None and is_overdue(first, now))))
    return items




def inbox_counts(svc, actor: Actor) -> dict[str, int]:
    """How many open cases wait on the actor and how many more they can see, each counted up to
    ``COUNT_CAP`` + 1 (a count that stops, so the home page costs the same in a trust of any size)."""
    pred = predicate(svc, actor)
    now = svc.clock.now()

    def capped(q) -> int:
        return svc.session.scalar(select(func.count()).select_from(q.limit(COUNT_CAP + 1).subquery())) or 0

    mine_waiting = _own_listed(svc, pred, now, waiting=True)
    if mine_waiting is not None:  # someone who sees only their own cases: both counts from those cases
        watching = _own_listed(svc, pred, now, waiting=False)
        return {"waiting": capped(select(mine_waiting.c.id)), "watching": capped(select(watching.c.id)),
                "cap": COUNT_CAP}
    seen = select(Case.id).where(pred.visible(), Case.closed_at.is_(None))
    is_waiting = waiting_clause(svc, pred, now)
    first = waiting_first(svc, pred, COUNT_CAP + 1, now)
    waiting = svc.session.scalar(select(func.count()).select_from(first.subquery())) if first is not None else 0
    return {"waiting": waiting, "watching": capped(seen.where(~is_waiting)), "cap": COUNT_CAP}


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
