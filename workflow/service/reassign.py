"""The AMD reassigns a clinical manager's open cases to another manager (issue 17 item 7; 002 5.3: the AMD
over their care group), e.g. while the manager is away. Each case records the change in its own audit log,
so the case shows who its manager is now and who decided it."""
from __future__ import annotations

from sqlalchemy import select

from workflow import access, limits
from workflow.actors import Actor
from workflow.errors import ConditionFailed, InvalidPayload, NotFound, PermissionDenied
from workflow.store import rows
from workflow.store.models import Case, Person
from workflow.store.uow import operation

CAPABILITY = "reassign_cases"


def reassign_cases(svc, actor: Actor, from_manager_id: int, to_manager_id: int, reason: str) -> list[int]:
    """Every open case managed by ``from_manager_id`` whose practitioner the actor covers goes to
    ``to_manager_id``; the ids of the cases moved. Nothing moves when any of them is outside the actor's reach."""
    limits.check_text("reason", reason, limits.REASON_CHARS)
    if not (reason and reason.strip()):
        raise InvalidPayload("a reason is required: it is kept in each case's audit log",
                             fields={"reason": ["a reason is required"]})
    if from_manager_id == to_manager_id:
        raise ConditionFailed("the cases already sit with that manager")
    with operation(svc.session):
        source = svc.session.get(Person, from_manager_id)
        target = svc.session.get(Person, to_manager_id)
        if source is None or target is None:
            raise NotFound("the manager to move cases from, or to, was not found")
        if not target.active:
            raise ConditionFailed(f"{target.name} is not active; choose a manager who is")
        access.require(svc.session, actor, CAPABILITY)
        ids = svc.session.scalars(select(Case.id).where(Case.manager_id == source.id, Case.closed_at.is_(None))
                                  .order_by(Case.id)).all()
        moved = []
        for case_id in ids:
            case = svc.lock_case(case_id)
            if not access.may(svc.session, actor, CAPABILITY, person=case.subject):
                raise PermissionDenied(f"case {case.id} ({case.subject.name}) is outside your care group: "
                                       + access.CAPABILITIES[CAPABILITY].refusal)
            conn = svc.session.connection()
            rows.save_case(svc.session, case, conn, manager_id=target.id, updated_at=svc.clock.now())
            svc.record_event(case, svc.clock.now(), "manager_reassigned", actor, "associate_medical_director", None,
                             case.state, case.state, {"from_manager_id": source.id, "from_manager": source.name,
                                                      "to_manager_id": target.id, "to_manager": target.name},
                             reason.strip(), conn=conn)
            moved.append(case.id)
    return moved
