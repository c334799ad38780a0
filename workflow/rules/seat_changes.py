"""Keeping a panel's and a mediation's seats to one holder each, and replacing a holder who cannot sit
(issue 16 items 1-2; 002 7.8.4, 7.8.10; 004 stages 2-3)."""
from __future__ import annotations

from workflow.errors import ConditionFailed, InvalidPayload
from workflow.rules.actions import action
from workflow.rules.conditions import condition
from workflow.rules.seats import REPLACED, eligible_for_seat, nominators, refuse_filled_seat, seat_holder, seat_of
from workflow.store.models import CaseParticipant


@condition
def seat_vacant(ctx) -> None:
    """The seat this step fills is empty: a panel has one chair, one nominee, one list member (002 7.8.10),
    one of each of 004 stage 3's three, one mediator of each kind (002 7.8.4; 004 stage 2)."""
    seat = seat_of(ctx.spec)
    holder = seat_holder(ctx.facts.participants(), seat) if seat else None
    if holder is not None:
        refuse_filled_seat(ctx.policy, seat, holder)


@action
def replace_participant(ctx, role: str | None = None, field: str = "person", seat_field: str = "seat") -> None:
    """Replace the holder of a seat who cannot sit (issue 16 item 2): only the side that names the seat may
    replace its holder, always with a reason (the step's ``reason_required``); the replaced holder keeps a
    record of why, and the step's ``notify`` tells the other side."""
    seat = role or ctx.values.get(seat_field)
    title = ctx.policy.roles[seat].title if seat in ctx.policy.roles else str(seat)
    allowed = nominators(ctx.workflow, ctx.case.state, seat)
    if ctx.role not in allowed:
        names = " or ".join(ctx.policy.roles[r].title for r in allowed if r in ctx.policy.roles) or "nobody"
        # the step is theirs (the policy's roles); the seat chosen is not: a refusal of the value, not of the person
        raise InvalidPayload(f"the {title} is named by {names}, who alone may replace them",
                             fields={seat_field: [f"you may not replace the {title}"]})
    participants = ctx.facts.participants()
    current = seat_holder(participants, seat)
    if current is None:
        raise ConditionFailed(f"nobody holds the seat of {title} yet; name someone to it instead")
    person = eligible_for_seat(ctx.session, ctx.case, ctx.policy, seat, ctx.values.get(field), field)
    if any(p.person_id == person.id and p.status == "active" for p in participants):
        raise InvalidPayload(f"{person.name} already has a seat on this case", fields={field: ["already seated"]})
    current.status = REPLACED
    current.data = {**(current.data or {}), "replaced_by": person.id, "replaced_at": ctx.now.isoformat(),
                    "replaced_because": ctx.reason, "replaced_by_role": ctx.role}
    ctx.session.add(CaseParticipant(case_id=ctx.case.id, person_id=person.id, role=seat, status="active",
                                    name=person.name, data={"replaces": current.person_id}, added_at=ctx.now))
    ctx.session.flush()
