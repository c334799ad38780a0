"""Care groups and teams (issue 17): a care group sits under the trust, a team under a care group (002 5.3:
the Associate Medical Director's care group; 004: teams and services)."""
from __future__ import annotations

from sqlalchemy import select

from workflow.actors import Actor
from workflow.service.admin.common import acting_role, audit, bump, diff, locked, refuse, the_trust
from workflow.store.models import OrgUnit
from workflow.store.uow import operation

PARENT_KIND = {"care_group": "trust", "team": "care_group"}
NAME_MAX = 200


def _check(svc, kind: str, name: str, parent_id: int | None, unit_id: int | None = None) -> tuple[str, OrgUnit]:
    name = " ".join((name or "").split())
    if not name:
        refuse("name", "Enter the name of the care group or team")
    if len(name) > NAME_MAX:
        refuse("name", f"The name is longer than {NAME_MAX} characters")
    if kind == "care_group":
        parent = the_trust(svc) if parent_id is None else svc.session.get(OrgUnit, parent_id)
    else:
        if parent_id is None:
            refuse("parent_id", "A team belongs to a care group: choose its care group")
        parent = svc.session.get(OrgUnit, parent_id)
    if parent is None or parent.kind != PARENT_KIND[kind]:
        refuse("parent_id", f"A {kind.replace('_', ' ')} sits under a {PARENT_KIND[kind].replace('_', ' ')}: "
                            f"unit {parent_id} is not one")
    same = svc.session.scalar(select(OrgUnit.id).where(OrgUnit.kind == kind, OrgUnit.name == name,
                                                       OrgUnit.parent_id == parent.id, OrgUnit.id != (unit_id or 0)))
    if same is not None:
        refuse("name", f"{parent.name} already has a {kind.replace('_', ' ')} called {name} (unit {same})")
    return name, parent


def create_unit(svc, actor: Actor, kind: str, name: str, parent_id: int | None = None) -> OrgUnit:
    if kind not in PARENT_KIND:
        refuse("kind", "Choose care_group or team (the trust itself is made by `jobplan trust init`)")
    with operation(svc.session):
        role = acting_role(svc, actor, "administer_organisation")
        name, parent = _check(svc, kind, name, parent_id)
        unit = OrgUnit(kind=kind, name=name, parent_id=parent.id, row_version=1)
        svc.session.add(unit)
        svc.session.flush()
        audit(svc, actor, role, "org_unit_created", f"org_unit:{unit.id}",
              {"kind": kind, "name": name, "parent_id": parent.id})
    return unit


def edit_unit(svc, actor: Actor, unit_id: int, *, name: str | None = None, parent_id: int | None = None,
              expected_version: int | None = None) -> OrgUnit:
    """Rename a unit or move it (a team to another care group); the trust is renamed, never moved."""
    with operation(svc.session):
        role = acting_role(svc, actor, "administer_organisation")
        unit = locked(svc, OrgUnit, unit_id, "organisation unit", expected_version)
        before = {"name": unit.name, "parent_id": unit.parent_id}
        if unit.kind == "trust":
            if parent_id is not None:
                refuse("parent_id", "The trust sits under nothing")
            new_name = " ".join((name or unit.name).split())
            if not new_name or len(new_name) > NAME_MAX:
                refuse("name", "Enter the trust's name")
            unit.name = new_name
        else:
            unit.name, parent = _check(svc, unit.kind, name if name is not None else unit.name,
                                       parent_id if parent_id is not None else unit.parent_id, unit.id)
            unit.parent_id = parent.id
        changed = diff(before, {"name": unit.name, "parent_id": unit.parent_id})
        if changed:
            bump(unit)
            audit(svc, actor, role, "org_unit_changed", f"org_unit:{unit.id}", {"changed": changed})
    return unit


def get_unit(svc, actor: Actor, unit_id: int) -> OrgUnit:
    unit = svc.session.get(OrgUnit, unit_id)
    if unit is None:
        from workflow.errors import NotFound

        raise NotFound(f"organisation unit {unit_id} was not found")
    return unit
