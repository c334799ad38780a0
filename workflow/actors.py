"""Who is acting: a person (optionally limited to some roles, as an API token is) or the scheduler."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    person_id: int | None
    label: str = ""
    only_roles: frozenset[str] | None = None  # an API token scoped to roles
    is_system: bool = False

    @classmethod
    def person(cls, person_id: int, label: str = "", only_roles=None) -> "Actor":
        return cls(person_id=person_id, label=label, only_roles=frozenset(only_roles) if only_roles else None)


SYSTEM = Actor(person_id=None, label="scheduler", is_system=True)
