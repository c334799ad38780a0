"""Comparing any two versions of a person's plans (issue 18 item 6): two versions of one plan, or this year's plan
against last year's. Both plans must be visible to the actor and belong to the same person (or team); the
changes are worded as the editor words them (``workflow.content.changes``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from workflow.actors import Actor
from workflow.content.changes import Change, changes
from workflow.errors import InvalidPayload
from workflow.service.plan_document import title_of
from workflow.service.plans import can_see_plan, get_plan, version
from workflow.store.models import JobPlan


@dataclass(frozen=True)
class VersionChoice:
    plan_id: int
    number: int
    created_at: datetime
    agreed: bool

    @property
    def key(self) -> str:
        return f"{self.plan_id}-{self.number}"


@dataclass(frozen=True)
class PlanChoices:
    plan_id: int
    title: str
    versions: list[VersionChoice]  # newest first


@dataclass(frozen=True)
class Comparison:
    old: VersionChoice
    new: VersionChoice
    old_title: str
    new_title: str
    changes: list[Change]


def _same_owner(a: JobPlan, b: JobPlan) -> bool:
    return (a.kind, a.person_id, a.team_id) == (b.kind, b.person_id, b.team_id)


def choices(svc, actor: Actor, plan_id: int) -> list[PlanChoices]:
    """Every plan of the same person (or team) the actor may see, newest first, each with its versions."""
    plan = get_plan(svc, actor, plan_id)
    owner = JobPlan.person_id == plan.person_id if plan.kind == "individual" else JobPlan.team_id == plan.team_id
    plans = svc.session.scalars(select(JobPlan).where(JobPlan.kind == plan.kind, owner)
                                .order_by(JobPlan.created_at.desc(), JobPlan.id.desc())).all()
    return [PlanChoices(p.id, title_of(svc, p), [_choice(p, v.number) for v in reversed(p.versions)])
            for p in plans if p.id == plan.id or can_see_plan(svc, actor, p)]


def _choice(plan: JobPlan, number: int) -> VersionChoice:
    v = version(plan, number)
    return VersionChoice(plan.id, number, v.created_at, plan.agreed_version == number)


def parse_key(raw: str | None, field: str) -> tuple[int, int]:
    """"12-3" (plan 12, version 3), as the pickers send it; a 422 naming the field otherwise."""
    parts = (raw or "").split("-")
    if len(parts) != 2 or not all(p.isdigit() and 0 < len(p) < 10 for p in parts):
        raise InvalidPayload(f"choose a version to compare ({field})", fields={field: ["choose a version from the list"]})
    return int(parts[0]), int(parts[1])


def compare(svc, actor: Actor, old: tuple[int, int], new: tuple[int, int]) -> Comparison:
    """The changes from ``old`` (plan id, version number) to ``new``. A plan the actor may not see is not found;
    plans of two different people are refused."""
    old_plan, new_plan = get_plan(svc, actor, old[0]), get_plan(svc, actor, new[0])
    if not _same_owner(old_plan, new_plan):
        raise InvalidPayload("only versions of the same person's plans can be compared",
                             fields={"from": ["choose a version of the same person's plans"]})
    a, b = version(old_plan, old[1]), version(new_plan, new[1])
    return Comparison(_choice(old_plan, a.number), _choice(new_plan, b.number), title_of(svc, old_plan),
                      title_of(svc, new_plan), changes(a.content or {}, b.content or {}))
