"""Who holds which seat on a case (issue 17 item 9): the practitioner and the clinical manager of record, and
everyone named on it (mediator, panel chair and members, nominee, representative), with each one's status
(an objected-to panel member stays listed, marked). ``data.person`` only ever held the last person named."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workflow import access
from workflow.actors import Actor
from workflow.store.models import Case, CaseParticipant


@dataclass(frozen=True)
class Seat:
    role: str
    role_title: str
    person_id: int | None
    name: str | None
    status: str
    added_at: datetime | None


def case_participants(svc, actor: Actor, case_id: int) -> list[Seat]:
    case = svc.get_case(actor, case_id)  # NotFound for a case the actor may not see
    policy = svc.policy_of(case)
    title = {name: r.title for name, r in policy.roles.items()}
    seats = []
    for name, role in policy.roles.items():
        if role.scope == "subject":
            seats.append(Seat(name, role.title, case.subject_id, case.subject.name, "active", case.opened_at))
        elif role.scope == "manager" and case.manager is not None:
            seats.append(Seat(name, role.title, case.manager_id, case.manager.name, "active", case.opened_at))
    named = svc.session.scalars(select(CaseParticipant).options(joinedload(CaseParticipant.person))
                                .where(CaseParticipant.case_id == case.id).order_by(CaseParticipant.id)).all()
    seats += [Seat(p.role, title.get(p.role, p.role.replace("_", " ")), p.person_id,
                   p.person.name if p.person is not None else p.name, p.status, p.added_at) for p in named]
    return seats


def linked_cases(svc, actor: Actor, case: Case) -> tuple[int | None, list[int]]:
    """The parent (when the actor may see it) and the child cases the actor may see, by id."""
    parent = None
    if case.parent_id is not None:
        p = svc.session.get(Case, case.parent_id)
        parent = p.id if p is not None and access.can_see_case(svc.session, actor, p, svc.policy_of(p)) else None
    children = svc.session.scalars(select(Case).where(Case.parent_id == case.id).order_by(Case.id)).all()
    return parent, [c.id for c in children if access.can_see_case(svc.session, actor, c, svc.policy_of(c))]
