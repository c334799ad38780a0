"""The one place a job plan gets a version: the first draft, an edit by the practitioner or the manager, a
team plan's edit, a review's copy and a decided form adopted by a step (``actions``). A version is never
changed afterwards; signatures stay on the version they were given to, so after a new one both parties
sign again (002 7.5)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from workflow.store.models import JobPlan, JobPlanVersion


def add_version(session: Session, plan: JobPlan, content: dict | None, *, at: datetime, by_id: int | None,
                note: str | None) -> JobPlanVersion:
    """The plan's next version (its number is the plan's ``current_version``), flushed so it has an id."""
    plan.current_version = (plan.current_version or 0) + 1
    version = JobPlanVersion(number=plan.current_version, content=dict(content or {}), created_at=at,
                             created_by_id=by_id, note=note)
    if plan.id is None:
        version.job_plan = plan  # a new plan: the plan and its first version in one flush
    else:
        version.job_plan_id = plan.id
    session.add(version)
    session.flush()
    return version
