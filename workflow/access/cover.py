"""Deputy cover in the one access decision (issue 17 item 7). While a cover is in force (``DeputyCover``: from its
first to its last day, local dates of the trust, both included, and not ended early) its deputy holds the
manager-scoped roles of the manager who named them, on the cases where the manager holds them, never on a case
that is the deputy's own: a deputy is nobody's clinical manager for their own plan (002 7.5). ``roles`` and
``predicate`` ask here, so a case page, a step, a list, the inbox and the counts agree.

The cover is not passed on: a deputy's deputy gets nothing of the first manager's cases (the service refuses a
deputy who is away, and a manager away while they cover for someone)."""
from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.actors import Actor
from workflow.access.capabilities import cover_in_force_on, covered_managers, today  # noqa: F401  (re-exported)
from workflow.store.models import Case, DeputyCover, Person


in_force_on = cover_in_force_on  # SQL: the cover is held on this local day


def in_force(session: Session):
    """SQL: the cover is held today (the trust's today by the service's clock)."""
    return in_force_on(today(session))


def managers_of(case: Case) -> set[int]:
    """Who holds a manager-scoped role on the case: the manager recorded on it and the practitioner's manager on
    record (``roles._roles``)."""
    return {m for m in (case.manager_id, case.subject.manager_id if case.subject else None) if m}


def covers(case: Case, actor_id: int | None, covered: frozenset[int]) -> bool:
    """The deputy of one of the case's managers, and not its practitioner."""
    return actor_id is not None and actor_id != case.subject_id and bool(managers_of(case) & covered)


def acting_for(session: Session, actor: Actor, case: Case) -> DeputyCover | None:
    """The cover under which the actor holds the manager's role on this case today, if that is how they hold it
    (not as a manager themselves): what the audit log records as "on behalf of"."""
    if actor.person_id is None or actor.person_id == case.subject_id or actor.person_id in managers_of(case):
        return None
    return session.scalars(select(DeputyCover).where(DeputyCover.deputy_id == actor.person_id,
                                                     DeputyCover.manager_id.in_(sorted(managers_of(case))),
                                                     in_force(session)).order_by(DeputyCover.id).limit(1)).first()


def acting_for_person(session: Session, actor: Actor, person: Person) -> DeputyCover | None:
    """The cover under which the actor holds the manager's role over ``person`` in general (a plan edit), if that is
    how they hold it: not the person, not their manager on record."""
    if actor.person_id is None or person.manager_id is None or actor.person_id in (person.id, person.manager_id):
        return None
    return session.scalars(select(DeputyCover).where(DeputyCover.deputy_id == actor.person_id,
                                                     DeputyCover.manager_id == person.manager_id,
                                                     in_force(session)).order_by(DeputyCover.id).limit(1)).first()


def deputies_of(session: Session, manager: Person | None, subject_id: int | None = None) -> list[Person]:
    """The active deputies covering for ``manager`` today, but the practitioner ``subject_id``: who also hears what
    the manager hears. Asks nothing unless the manager has a cover arranged (``Person.covered_until``)."""
    if manager is None or manager.covered_until is None or manager.covered_until < today(session):
        return []
    rows = session.scalars(select(DeputyCover).where(DeputyCover.manager_id == manager.id, in_force(session))
                           .order_by(DeputyCover.id)).all()
    return [c.deputy for c in rows if c.deputy.active and c.deputy_id != subject_id]


def active_covers(session: Session, case: Case) -> list[DeputyCover]:
    """The covers in force for the case's managers, for the case page: "Dr A is covering for Dr B until …"."""
    managers = sorted(managers_of(case))
    if not managers:
        return []
    return [c for c in session.scalars(select(DeputyCover).where(DeputyCover.manager_id.in_(managers),
                                                                  in_force(session)).order_by(DeputyCover.id))
            if c.deputy_id != case.subject_id]
