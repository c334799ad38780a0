"""Who may read governance reports and record governance facts: the trust-wide offices (Medical
Director, Medical Directorate, HR, Chief Executive's office) see the whole trust; an Associate Medical
Director sees their care group (002 5.3, 5.6, 7.6.8)."""
from __future__ import annotations

from workflow import access
from workflow.actors import Actor
from workflow.store.models import OrgUnit, Person

def report_scope(session, actor: Actor) -> set[int] | None:
    """None: the whole trust; otherwise the care group ids the actor may see. Refuses anyone else
    (``workflow.access`` capability ``read_reports``)."""
    return access.require(session, actor, "read_reports").care_group_scope()


def care_group_of(person: Person) -> OrgUnit | None:
    return person.team.ancestor("care_group") if person.team else None


def in_scope(scope: set[int] | None, person: Person) -> bool:
    if scope is None:
        return True
    group = care_group_of(person)
    return group is not None and group.id in scope


def case_in_scope(scope: set[int] | None):
    """``in_scope`` for a case's practitioner, as SQL over ``Case`` (None: the whole trust)."""
    from sqlalchemy import select, true

    from workflow.access.predicate import _units_under
    from workflow.store.models import Case

    if scope is None:
        return true()
    if not scope:
        from sqlalchemy import false

        return false()
    units = _units_under(scope, "report_unit")
    return Case.subject_id.in_(select(Person.id).where(Person.team_id.in_(select(units.c.id))))
