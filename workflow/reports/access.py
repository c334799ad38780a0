"""Who may read governance reports and record governance facts: the trust-wide offices (Medical
Director, Medical Directorate, HR, Chief Executive's office) see the whole trust; an Associate Medical
Director sees their care group (002 5.3, 5.6, 7.6.8)."""
from __future__ import annotations

from sqlalchemy import select

from ..actors import Actor
from ..errors import PermissionDenied
from ..models import OrgUnit, Person, RoleAssignment

TRUST_WIDE = ("medical_director", "medical_directorate", "hr", "chief_executive_office")
CARE_GROUP = ("associate_medical_director",)


def report_scope(session, actor: Actor) -> set[int] | None:
    """None: the whole trust; otherwise the care group ids the actor may see. Refuses anyone else."""
    if actor.is_system:
        return None
    rows = session.scalars(select(RoleAssignment).where(RoleAssignment.person_id == actor.person_id)).all()
    if actor.only_roles is not None:
        rows = [r for r in rows if r.role in actor.only_roles]
    if any(r.role in TRUST_WIDE for r in rows):
        return None
    groups = set()
    for r in rows:
        if r.role in CARE_GROUP:
            unit = r.org_unit
            if unit is None or unit.kind == "trust":
                return None
            groups.add(unit.id)
    if not groups:
        raise PermissionDenied("job planning reports are for the Medical Directorate, the Medical Director, HR, "
                               "the Chief Executive's office and Associate Medical Directors (002 5.2-5.7, 7.6.8)")
    return groups


def care_group_of(person: Person) -> OrgUnit | None:
    return person.team.ancestor("care_group") if person.team else None


def in_scope(scope: set[int] | None, person: Person) -> bool:
    if scope is None:
        return True
    group = care_group_of(person)
    return group is not None and group.id in scope
