"""What is waiting on whom: a person's inbox, and who holds the ball on a case."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .. import access
from ..actors import Actor
from ..models import Case, Deadline


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
    out: dict[int, list[Deadline]] = {cid: [] for cid in case_ids}
    if not case_ids:
        return out
    rows = svc.session.scalars(select(Deadline).where(Deadline.case_id.in_(case_ids),
                                                      Deadline.status.in_(("open", "breached", "paused")))
                               .order_by(Deadline.due_at))
    for d in rows:
        out[d.case_id].append(d)
    return out


def inbox(svc, actor: Actor, *, only_waiting: bool = False) -> list[InboxItem]:
    """Open cases the actor may see, those waiting on them first, overdue first, then by due date."""
    now = svc.clock.now()
    cases = svc.list_cases(actor, open_only=True)
    lookup = access.CaseRoles(svc.session, actor, cases)
    clocks = open_deadlines(svc, [c.id for c in cases])
    items = []
    for case in cases:
        policy = svc.policy_of(case)
        wf = policy.workflow(case.workflow)
        state = wf.state(case.state)
        roles = lookup.roles(case, policy)
        waiting = bool(set(state.waiting_on) & roles)
        if only_waiting and not waiting:
            continue
        first = clocks[case.id][0] if clocks[case.id] else None
        spec_label = None
        if first is not None:
            spec_label = next((s.label for s in state.deadlines if s.name == first.name), first.name)
        items.append(InboxItem(case, wf.title, state.title, state.next_step, tuple(sorted(roles)), waiting,
                               first.due_at if first else None, spec_label,
                               bool(first and first.due_at <= now)))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    items.sort(key=lambda i: (not i.waiting_on_me, not i.overdue, i.due_at or far, i.case.id))
    return items


@dataclass(frozen=True)
class BallHolder:
    role: str
    role_title: str
    people: tuple[str, ...]


def who_holds_the_ball(svc, case: Case) -> list[BallHolder]:
    policy = svc.policy_of(case)
    state = policy.workflow(case.workflow).state(case.state)
    return [BallHolder(r, policy.roles[r].title,
                       tuple(p.name for p in access.holders_of(svc.session, case, policy, r)))
            for r in state.waiting_on]
