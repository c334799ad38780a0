"""Changing a deadline's timetable: extend it, pause it, resume it.

Only where the policy's deadline says ``extendable`` / ``pausable``, only by a role named in its
``extend_roles``, always with a reason, recorded as an audit event. The due date moves and every pending
reminder and escalation follows it (``workflow.timing.deadlines.reschedule``).

An expired lodging window (a ``right``, RULES "Reading deadlines": it closes when missed "unless someone
with authority grants an extension, recorded with a reason") can be re-opened by an extension only while
the case still stands where the window's expiry transition left it and that state is not final (the appeal
at ``window_closed``): the case returns to the window's state, the deadline opens again with its new due
date, and the event records both. Once the case has moved on from there (a later step, or a final state
such as a lapsed disagreement, whose parent has already resumed), the window cannot be re-opened: extend
it before it closes instead.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from workflow import access, limits
from workflow.store import rows
from workflow.timing import deadlines
from workflow.delivery import notifications, reader
from workflow.actors import SYSTEM, Actor
from workflow.store.deadline_rules import CHANGEABLE, NOT_CLOSED, DeadlineStatus
from workflow.errors import ConditionFailed, InvalidPayload, NotFound, PermissionDenied
from workflow.store.models import Case, Deadline
from workflow.timing.calendar import calendar_for
from workflow.store.uow import operation


def extend(svc, actor: Actor, deadline_id: int, *, reason: str, until: date | None = None,
           days: int | None = None) -> Deadline:
    """Move a deadline later: to the end of local day ``until``, or by ``days`` more days (working days when
    the deadline counts working days)."""
    if (until is None) == (days is None):
        raise InvalidPayload("give either the new last day or a number of extra days",
                             fields={"until": ["give one of until or days"]})
    if days is not None and days < 1:
        raise InvalidPayload("an extension adds at least one day", fields={"days": ["must be 1 or more"]})
    with operation(svc.session):
        d, case, policy, spec, role = _load(svc, actor, deadline_id, "extend", reason)
        if not spec.extendable:
            raise ConditionFailed(f"'{spec.label}' cannot be extended under {policy.source_document} {spec.clause}")
        cal = calendar_for(policy)
        now = svc.clock.now()
        old_last = deadlines.last_day(policy, d)
        new_last = until if until is not None else cal.last_day(old_last, days, "days", spec.counting)
        if new_last <= old_last:
            raise InvalidPayload(f"an extension moves the deadline later than {old_last:%d %B %Y}",
                                 fields={"until": ["must be after the current last day"]})
        new_due = cal.end_of_day(new_last)
        if new_due <= now:
            raise InvalidPayload("the new deadline has already passed", fields={"until": ["must be in the future"]})
        from_state = to_state = case.state
        reopened = False
        if d.status == DeadlineStatus.EXPIRED:
            reopened = True
            to_state = _reopen_window(svc, case, policy, d, spec, now)
        elif d.status not in NOT_CLOSED:
            raise ConditionFailed(f"'{spec.label}' is {d.status}; only a running, missed or paused deadline, or "
                                  f"an expired lodging window, can be extended")
        old_due, paused_at = d.due_at, (d.paused_at if d.status == DeadlineStatus.PAUSED else None)
        deadlines.reschedule(spec, d, new_due, now)
        if paused_at is not None:  # extending a paused clock moves its date; it stays paused until resumed
            d.status, d.paused_at, d.next_check_at = DeadlineStatus.PAUSED.value, paused_at, None
        d.extensions += 1
        rows.save_deadline(svc.session, d)
        ctx = svc.step_context(case, policy, None, actor, role, {}, reason)
        ctx.event = svc.record_event(case, now, "deadline_extended", actor, role, None, from_state, to_state,
                                      {"deadline": d.name, "deadline_id": d.id, "from_due_at": old_due.isoformat(),
                                       "due_at": new_due.isoformat(), "reopened": reopened}, reason.strip())
        svc.session.flush()
        _tell(ctx, d, spec, f"Deadline extended: {spec.label} — now due by the end of "
                            f"{notifications.format_day(new_last)}" + (" (the window is open again)" if reopened else ""))
    return d


def pause(svc, actor: Actor, deadline_id: int, *, reason: str) -> Deadline:
    """Stop a running clock; nothing is reminded or escalated while it is paused."""
    with operation(svc.session):
        d, case, policy, spec, role = _load(svc, actor, deadline_id, "pause", reason)
        if not spec.pausable:
            raise ConditionFailed(f"'{spec.label}' cannot be paused under {policy.source_document} {spec.clause}")
        now = svc.clock.now()
        if d.is_overdue(now):  # whether or not the sweep has marked it yet
            raise ConditionFailed(f"'{spec.label}' is already overdue; only a running deadline can be paused "
                                  f"(extend it instead)")
        if d.status != DeadlineStatus.OPEN:
            raise ConditionFailed(f"'{spec.label}' is {d.status}; only a running deadline can be paused")
        d.status, d.paused_at, d.next_check_at = DeadlineStatus.PAUSED.value, now, None
        rows.save_deadline(svc.session, d)
        svc.record_event(case, now, "deadline_paused", actor, role, None, case.state, case.state,
                          {"deadline": d.name, "deadline_id": d.id, "due_at": d.due_at.isoformat()}, reason.strip())
    return d


def resume(svc, actor: Actor, deadline_id: int, *, reason: str) -> Deadline:
    """Restart a paused clock. The due date moves on by the local calendar days it stood still (paused and
    resumed on the same day moves nothing), so it still falls at the end of a local day."""
    with operation(svc.session):
        d, case, policy, spec, role = _load(svc, actor, deadline_id, "resume", reason)
        if d.status != DeadlineStatus.PAUSED:
            raise ConditionFailed(f"'{spec.label}' is not paused")
        cal = calendar_for(policy)
        now = svc.clock.now()
        stood = (cal.local_date(now) - cal.local_date(d.paused_at)).days
        old_due = d.due_at
        new_last = deadlines.last_day(policy, d) + timedelta(days=stood)
        deadlines.reschedule(spec, d, cal.end_of_day(new_last), now)
        rows.save_deadline(svc.session, d)
        ctx = svc.step_context(case, policy, None, actor, role, {}, reason)
        ctx.event = svc.record_event(case, now, "deadline_resumed", actor, role, None, case.state, case.state,
                                      {"deadline": d.name, "deadline_id": d.id, "paused_days": stood,
                                       "from_due_at": old_due.isoformat(), "due_at": d.due_at.isoformat()},
                                      reason.strip())
        svc.session.flush()
        _tell(ctx, d, spec, f"Deadline running again: {spec.label} — now due by the end of "
                            f"{notifications.format_day(new_last)}")
    return d


def changeable(svc, actor: Actor, case: Case) -> set[int]:
    """The ids of this case's deadlines the actor may extend, pause or resume now (the same rule as
    ``_load``: the deadline's ``extend_roles``), for pages and API to offer the change."""
    policy = svc.policy_of(case)
    roles = access.roles_on_case(svc.session, actor, case, policy)
    out = set()
    for d in svc.session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                        Deadline.status.in_(CHANGEABLE))):
        spec = deadlines.spec_for(policy, case.workflow, d)
        if (spec.extendable or spec.pausable) and roles & set(spec.extend_roles):
            out.add(d.id)
    return out


def _load(svc, actor: Actor, deadline_id: int, verb: str, reason: str):
    d = svc.session.get(Deadline, deadline_id, with_for_update=True, populate_existing=True)
    case = svc.session.get(Case, d.case_id, with_for_update=True, populate_existing=True) if d else None
    if case is None:
        raise NotFound(f"deadline {deadline_id} was not found")
    policy = svc.policy_of(case)
    if not access.can_see_case(svc.session, actor, case, policy):
        raise NotFound(f"deadline {deadline_id} was not found")
    spec = deadlines.spec_for(policy, case.workflow, d)
    roles = access.roles_on_case(svc.session, actor, case, policy) & set(spec.extend_roles)
    if not roles:
        allowed = ", ".join(policy.roles[r].title for r in spec.extend_roles) or "nobody"
        done = {"extend": "extended", "pause": "paused", "resume": "resumed"}.get(verb, f"{verb}d")
        raise PermissionDenied(f"'{spec.label}' on case {case.id} may be {done} only by: {allowed} "
                               f"(Policy {spec.clause})")
    if actor.person_id is not None and actor.person_id in {case.subject_id, case.manager_id}:
        # issue 16 item 17: a party to the plan never changes its timetable alone, whatever else they hold
        raise PermissionDenied(f"'{spec.label}' on case {case.id} binds you as a party to the plan; a party "
                               f"cannot {verb} it alone. Ask: {', '.join(policy.roles[r].title for r in spec.extend_roles)}")
    limits.check_text("reason", reason, limits.REASON_CHARS)
    if not (reason and reason.strip()):
        raise InvalidPayload(f"to {verb} '{spec.label}' needs a reason, recorded in the audit log",
                             fields={"reason": ["a reason is required"]})
    return d, case, policy, spec, next(r for r in spec.extend_roles if r in roles)


def _reopen_window(svc, case: Case, policy, d: Deadline, spec, now) -> str:
    wf = policy.workflow(case.workflow)
    closed_into = wf.transition(spec.expiry_trigger, d.state).dest
    if case.state != closed_into or wf.state(closed_into).final:
        raise ConditionFailed(f"'{spec.label}' closed and case {case.id} has moved on to "
                              f"'{wf.state(case.state).title}'; a lodging window can be re-opened only while the "
                              f"case still waits at '{wf.state(closed_into).title}'")
    ctx = svc.step_context(case, policy, None, SYSTEM, "system", {}, None)
    ctx.now = now
    deadlines.close_for_state(ctx, case.state)
    rows.save_case(svc.session, case, state=d.state, updated_at=now, closed_at=None)
    return d.state


def _tell(ctx, d: Deadline, spec, headline: str) -> None:
    """Tell whoever the deadline waits on, and the subject, that the timetable changed."""
    roles = list(ctx.workflow.state(d.state).waiting_on) + [ctx.policy.role_with_scope("subject")]
    seen = set()
    for role in roles:
        if role not in ctx.policy.roles:
            continue
        for person in access.holders_of(ctx.session, ctx.case, ctx.policy, role):
            if person.id in seen or person.id == ctx.actor.person_id:
                continue
            seen.add(person.id)
            lines = [headline, f"Decided by {ctx.actor_name} as {ctx.policy.roles[ctx.role].title}.",
                     f"Reason: {ctx.reason}"] + notifications.case_summary_lines(ctx)
            notifications.queue(ctx, person, f"event:{ctx.event.id}:to:{person.id}",
                                _changed_subject(ctx, d, spec, person, role), lines)


def _changed_subject(ctx, d: Deadline, spec, person, role: str) -> str:
    """What the reader must now do by the new last day; or, when it waits on others, the new day to note
    (issue 18 item 14: no case number, the reader's side)."""
    day = reader.short_day(ctx.policy, d.due_at)
    ask = reader.ask_for(ctx, person, {role}, [d]) if ctx.case.state == d.state else None
    if ask is not None:
        return f"New last day: {reader.lower_first(ask.action)} by {day}"
    whose = reader.whose_plan(person, ctx.case.subject)
    paused = " (the clock is paused)" if d.status == DeadlineStatus.PAUSED else ""
    return f"For information: {reader.lower_first(spec.label)} on {whose} now ends {day}{paused}"
