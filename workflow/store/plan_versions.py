"""The one place a job plan gets a version: the first draft, an edit by the practitioner or the manager, a
team plan's edit, a review's copy and a decided form adopted by a step (``actions``). Signatures stay on the
version they were given to, so after a new one both parties sign again (002 7.5).

A sitting of edits is one version (issue 18 item 5). The editor's first save makes a new version and opens a
*sitting* on it; their further saves amend that version, until the sitting ends. It ends when the editor
presses "Finish editing", when anyone signs the version, when someone else edits (their edit is a new
version), when a step adds a version, and by itself after ``SITTING_IDLE`` without a change (the same idle
time after which a sign-in ends). Once its sitting has ended a version is never changed again. While a
sitting is open nobody else may sign the version: they would sign content still being typed."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.store.models import JobPlan, JobPlanVersion, Signature

SITTING_IDLE = timedelta(minutes=30)


def add_version(session: Session, plan: JobPlan, content: dict | None, *, at: datetime, by_id: int | None,
                note: str | None, sitting: bool = False) -> JobPlanVersion:
    """The plan's next version (its number is the plan's ``current_version``), flushed so it has an id.
    ``sitting``: the editor's sitting opens on it (else any open sitting ends: the version it held is no
    longer the latest)."""
    plan.current_version = (plan.current_version or 0) + 1
    version = JobPlanVersion(number=plan.current_version, content=dict(content or {}), created_at=at,
                             created_by_id=by_id, note=note)
    if plan.id is None:
        version.job_plan = plan  # a new plan: the plan and its first version in one flush
    else:
        version.job_plan_id = plan.id
    _set_sitting(plan, plan.current_version if sitting and by_id else None, by_id if sitting else None,
                 at if sitting else None)
    session.add(version)
    session.flush()
    return version


def sitting_open(plan: JobPlan, at: datetime) -> bool:
    """Is a sitting open on the plan's latest version at ``at`` (whoever holds it)? Signatures are not
    looked at here: a signature ends the sitting when it is recorded (``end_sitting``)."""
    return (plan.sitting_version is not None and plan.sitting_version == plan.current_version
            and plan.sitting_by_id is not None and plan.sitting_touched_at is not None
            and at - plan.sitting_touched_at < SITTING_IDLE)


def sitting_ends_at(plan: JobPlan) -> datetime | None:
    return plan.sitting_touched_at + SITTING_IDLE if plan.sitting_touched_at else None


def amendable_version(session: Session, plan: JobPlan, by_id: int | None, at: datetime) -> JobPlanVersion | None:
    """The version ``by_id``'s open sitting may still amend, locked (FOR UPDATE on PostgreSQL, so a signature
    being recorded on it waits, or is seen); None when their next save must be a new version. ``plan`` must
    be locked by the caller."""
    if by_id is None or plan.sitting_by_id != by_id or not sitting_open(plan, at):
        return None
    if plan.agreed_version == plan.current_version:
        return None
    version = session.scalar(select(JobPlanVersion).where(JobPlanVersion.job_plan_id == plan.id,
                                                          JobPlanVersion.number == plan.current_version)
                             .with_for_update())
    signed = session.scalar(select(Signature.id).where(Signature.version_id == version.id).limit(1))
    return None if signed is not None else version


def amend_version(session: Session, plan: JobPlan, version: JobPlanVersion, content: dict | None, *, at: datetime,
                  note: str | None, note_limit: int) -> JobPlanVersion:
    """The open sitting's version takes the new content; its note lists what the sitting changed. Touching
    the plan moves its row version, so a page loaded before this save is stale."""
    version.content = dict(content or {})
    notes = [n for n in (version.note, note) if n]
    joined = "; ".join(notes)
    version.note = joined if len(joined) <= note_limit else joined[:note_limit - 1] + "…"
    plan.sitting_touched_at = at
    session.flush()
    return version


def end_sitting(plan: JobPlan) -> bool:
    """End any sitting on the plan; True when one was open (or merely not yet timed out)."""
    was = plan.sitting_version is not None
    if was:
        _set_sitting(plan, None, None, None)
    return was


def _set_sitting(plan: JobPlan, number: int | None, by_id: int | None, at: datetime | None) -> None:
    if (plan.sitting_version, plan.sitting_by_id, plan.sitting_touched_at) != (number, by_id, at):
        plan.sitting_version, plan.sitting_by_id, plan.sitting_touched_at = number, by_id, at
