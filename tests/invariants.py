"""What must hold of the stored records of every case, whatever happened to it: checked after crashes,
after random runs of every policy, and after mail was queued.

Each check reads the database only (never the service's own answers) and returns the problems it
found as sentences, so a failing test says which case broke which rule."""
from __future__ import annotations

import re
from collections import defaultdict

from sqlalchemy import select

from workflow import access
from workflow.store.models import DEADLINE_OPEN_STATUSES as OPEN_STATUSES
from workflow.store.models import Case, Deadline, Event, OutboxMessage, Person


def case_problems(session, policies, case: Case) -> list[str]:
    """The case, its events and its deadlines agree with each other and with its pinned policy."""
    out: list[str] = []
    policy = policies.get(case.policy_id, case.policy_version)
    wf = policy.workflow(case.workflow)
    names = {s.name for s in wf.states}
    if case.state not in names:
        return [f"case {case.id} is at {case.state!r}, not a state of {policy.id} v{policy.version} {wf.name}"]
    events = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq)).all()
    if [e.seq for e in events] != list(range(1, len(events) + 1)):
        out.append(f"case {case.id}: event seqs {[e.seq for e in events]} are not 1..n")
    if not events or events[0].kind != "opened" or events[0].to_state != wf.initial:
        out.append(f"case {case.id}: the log does not start with its opening at {wf.initial!r}")
    # The log replays to the stored state: the events are exactly the transitions that happened.
    current = wf.initial
    for e in events[1:]:
        if e.kind == "transition":
            spec = wf.transition(e.trigger, e.from_state) if e.from_state == current else None
            if spec is None or e.to_state != spec.dest:
                out.append(f"case {case.id}: event {e.seq} {e.trigger} {e.from_state}->{e.to_state} does not follow "
                           f"from {current!r} in the policy")
                break
            current = e.to_state
        elif e.from_state != current or e.to_state != current:
            out.append(f"case {case.id}: {e.kind} event {e.seq} records {e.from_state}->{e.to_state} at {current!r}")
    if current != case.state:
        out.append(f"case {case.id}: the log replays to {current!r} but the case is at {case.state!r}")
    # Time never runs backwards in the log.
    for a, b in zip(events, events[1:]):
        if b.at < a.at:
            out.append(f"case {case.id}: event {b.seq} at {b.at} is earlier than event {a.seq} at {a.at}")
    if events and events[0].at < case.opened_at:
        out.append(f"case {case.id}: an event is older than the case")
    # Deadlines: open ones belong to the current state, and the current state has each one it defines.
    state = wf.state(case.state)
    open_rows = session.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.closed_at.is_(None))).all()
    for d in open_rows:
        if d.status not in OPEN_STATUSES:
            out.append(f"case {case.id}: deadline {d.name} is {d.status} but has no closing time")
    for d in open_rows:
        if d.state != case.state:
            out.append(f"case {case.id}: deadline {d.name} of {d.state!r} is still {d.status} at {case.state!r}")
    for spec in state.deadlines:
        n = sum(1 for d in open_rows if d.name == spec.name and d.state == case.state)
        if n != 1:
            out.append(f"case {case.id} at {case.state!r} has {n} open {spec.name!r} deadlines ({spec.clause}); "
                       "it must have exactly one")
    if state.final and case.closed_at is None:
        out.append(f"case {case.id} is at the final state {case.state!r} but not closed")
    if not state.final and case.closed_at is not None:
        out.append(f"case {case.id} is closed at the non-final state {case.state!r}")
    return out


def outbox_problems(session, policies) -> list[str]:
    """Every queued message is explained by an event on its case: the database is never the only copy
    of a decision that left by email, and no email leaves for something the log does not record."""
    out: list[str] = []
    events = {e.id: e for e in session.scalars(select(Event))}
    by_deadline: dict[tuple[str, int], list[Event]] = defaultdict(list)
    for e in events.values():
        if e.kind in ("reminder", "escalation") and isinstance(e.payload, dict):
            by_deadline[(e.kind, e.payload.get("deadline_id"))].append(e)
    for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
        parts = m.dedupe_key.split(":")
        if parts[0] == "event" and len(parts) == 4 and parts[2] == "to":
            e = events.get(int(parts[1]))
            if e is None or e.case_id != m.case_id:
                out.append(f"outbox {m.dedupe_key}: no event {parts[1]} on case {m.case_id}")
            elif str(m.recipient_id) != parts[3]:
                out.append(f"outbox {m.dedupe_key}: sent to person {m.recipient_id}, not {parts[3]}")
        elif parts[0] == "deadline" and len(parts) == 8 and parts[2] == "due" and parts[4] in ("reminder", "escalation"):
            # deadline:<id>:due:<timestamp>:<step>:<index>:to:<person> (workflow.timing.deadlines.step_key)
            d = session.get(Deadline, int(parts[1]))
            kind, k = parts[4], int(parts[5])
            if d is None or d.case_id != m.case_id:
                out.append(f"outbox {m.dedupe_key}: no deadline {parts[1]} on case {m.case_id}")
                continue
            matching = [e for e in by_deadline[(kind, d.id)] if e.case_id == m.case_id]
            if kind == "escalation":
                matching = [e for e in matching if e.payload.get("step") == k]
            else:
                case = session.get(Case, d.case_id)
                spec = next(s for s in policies.get(case.policy_id, case.policy_version).workflow(case.workflow)
                            .state(d.state).deadlines if s.name == d.name)
                matching = [e for e in matching if e.payload.get("days_before") == spec.reminders[k]]
            if len(matching) != 1:
                out.append(f"outbox {m.dedupe_key}: {len(matching)} {kind} events record it, not 1")
        else:
            out.append(f"outbox {m.dedupe_key}: a kind of message these checks do not know; say here which "
                       "event explains it")
    return out


def notified_problems(session, policies) -> list[str]:
    """Every transition that names people to notify queued a message to each of them (bar the actor).
    Participant roles are left out: whoever holds them now may have been named after the event."""
    out: list[str] = []
    keys = set(session.scalars(select(OutboxMessage.dedupe_key)))
    for e in session.scalars(select(Event).where(Event.kind == "transition").order_by(Event.id)):
        case = session.get(Case, e.case_id)
        policy = policies.get(case.policy_id, case.policy_version)
        spec = policy.workflow(case.workflow).transition(e.trigger, e.from_state)
        for role in spec.notify:
            if policy.roles[role].scope == "participant":
                continue
            for person in access.holders_of(session, case, policy, role):
                if person.id != e.actor_id and f"event:{e.id}:to:{person.id}" not in keys:
                    out.append(f"event {e.id} ({e.trigger} on case {case.id}) queued nothing to "
                               f"{session.get(Person, person.id).name} as {role}")
    return out


SUBJECT_JARGON = re.compile(r"\bcase \d+|\b[a-z]+_[a-z_]+\b|\bNone\b", re.IGNORECASE)


def subject_problems(session) -> list[str]:
    """Every subject is written for its reader (issue 18 item 14): no case number, no code, no ``None``."""
    return [f"outbox {key}: subject {subject!r} names a case number or a code"
            for key, subject in session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.subject))
            if SUBJECT_JARGON.search(subject)]


def all_problems(session, policies) -> list[str]:
    problems = []
    for case in session.scalars(select(Case).order_by(Case.id)):
        problems += case_problems(session, policies, case)
    return (problems + outbox_problems(session, policies) + notified_problems(session, policies)
            + subject_problems(session))
