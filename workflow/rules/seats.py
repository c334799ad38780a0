"""Who may be named to a seat on a case: a mediator, a panel member, anyone a step's ``person`` field puts
there (issue 13 item 1: every person a client names is authorised by the service, not taken on trust).

Whatever the policy says, the person is on record and still with the trust, and is neither the
practitioner nor their clinical manager: the parties cannot mediate or judge their own dispute (002 7.8.4,
7.8.10; 004 stages 2-3). A policy narrows a seat further with ``roles.<seat>.appointed_from``: the role
assignments its holder must have (004 stage 2: "a member of the HR team and job planning team")."""
from __future__ import annotations

from sqlalchemy import select

from workflow.errors import ConditionFailed, InvalidPayload
from workflow.access.capabilities import in_force
from workflow.access.cover import covered_managers, covers
from workflow.actors import Actor
from workflow.store.models import Case, Person, RoleAssignment


def eligible_for_seat(session, case: Case, policy, seat: str, person_id, field: str = "person") -> Person:
    """The person named to ``seat``, or InvalidPayload naming the field and saying why they may not sit."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        raise InvalidPayload(f"no person with id {person_id}", fields={field: ["unknown person"]})
    title = policy.roles[seat].title if seat in policy.roles else seat

    def refuse(why: str):
        raise InvalidPayload(f"{person.name} cannot be named {title}: {why}", fields={field: [why]})

    if not person.active:
        refuse("they are no longer active in the trust's record")
    subject = case.subject
    if person.id == subject.id:
        refuse("they are the practitioner whose plan is in dispute")
    if person.id in {case.manager_id, subject.manager_id}:
        refuse("they are the practitioner's clinical manager")
    if covers(case, person.id, covered_managers(session, Actor.person(person.id))):
        refuse("they cover for the practitioner's clinical manager as deputy")  # issue 17 item 7: a party's stand-in
    wanted = policy.roles[seat].appointed_from if seat in policy.roles else ()
    if wanted:
        held = session.scalar(select(RoleAssignment.id).where(RoleAssignment.person_id == person.id,
                                                              RoleAssignment.role.in_(wanted),
                                                              in_force(session)).limit(1))
        if held is None:
            names = " or ".join(policy.roles[r].title if r in policy.roles else r.replace("_", " ") for r in wanted)
            refuse(f"this seat is filled from: {names}, and the trust's record does not show them there"
                   f"{f' ({policy.roles[seat].clause})' if policy.roles[seat].clause else ''}")
    return person


REPLACED = "replaced"


def seat_of(spec) -> str | None:
    """The seat a nominating step fills: the role of its ``add_participant`` action."""
    return next((params.get("role") for name, params in (spec.actions if spec else ()) if name == "add_participant"),
                None)


def seat_holder(participants, seat: str):
    return next((p for p in participants if p.role == seat and p.status == "active"), None)


def refuse_filled_seat(policy, seat: str, holder) -> None:
    """One holder a seat (002 7.8.4, 7.8.10; 004 stages 2-3): a second nomination is refused, naming who sits
    and the way forward (replace them, with a reason, if they cannot sit)."""
    role = policy.roles.get(seat)
    title = role.title if role else seat.replace("_", " ")
    clause = f" ({policy.source_document} {role.clause})" if role and role.clause else ""
    raise ConditionFailed(f"the seat of {title} is already filled by {holder.name}; it has one holder{clause}. "
                          "If they cannot sit, replace them, giving the reason")


def nominators(workflow, state: str, seat: str) -> tuple[str, ...]:
    """The roles that name someone to ``seat`` from ``state``: the roles of the nominating step."""
    return tuple(r for t in workflow.transitions if state in t.sources and seat_of(t) == seat for r in t.roles)

