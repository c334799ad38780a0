"""Who may read governance reports and record governance facts: the trust-wide offices (Medical
Director, Medical Directorate, HR, Chief Executive's office) see the whole trust; an Associate Medical
Director sees their care group (002 5.3, 5.6, 7.6.8)."""
from __future__ import annotations

from .. import access
from ..actors import Actor
from ..models import OrgUnit, Person

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
