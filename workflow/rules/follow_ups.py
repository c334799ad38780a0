"""The follow-up commands a step's actions leave for the service to run after it, in the same unit of work
(Cosmic Python's commands): typed records, not tuples tagged with strings. The service's loop
(``JobPlanning._fire``) runs them depth-first, each follow-up's own follow-ups before the next one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class FireSelf:
    """Fire ``trigger`` on the same case, as the system (``auto_fire``)."""

    trigger: str
    payload: dict | None = None


@dataclass(frozen=True)
class FireParent:
    """Fire ``trigger`` on the parent case, as the system, with facts carried up (``fire_parent``)."""

    trigger: str
    payload: dict | None = None


@dataclass(frozen=True)
class StartChild:
    """Open a linked case of ``workflow`` on the same policy version (``start_case``)."""

    workflow: str


@dataclass(frozen=True)
class StartCycle:
    """Open a case of ``workflow`` standing on its own, on the newest policy version (``start_case`` with
    ``linked: false``: a review's new sign-off)."""

    workflow: str


FollowUp = Union[FireSelf, FireParent, StartChild, StartCycle]
