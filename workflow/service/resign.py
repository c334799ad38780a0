"""An edit after signature revokes the signatures and sends the sign-off back to both (002 7.5: both sign
the same version; issue 16 item 12). Signatures stay on the version they were given to; the new version
has none, so a case waiting on the second level or the governance check would otherwise hold a version
nobody signed. The policy names the step that goes back (tag ``signatures_revoked``); a policy without it
(the dental one: its plan is agreed when both sign) keeps the case where it is."""
from __future__ import annotations

from sqlalchemy import select

from workflow.actors import SYSTEM
from workflow.policy.tags import ANNUAL_SIGN_OFF, SIGNATURES_REVOKED
from workflow.service.tagged import in_workflow
from workflow.store.models import Case, JobPlan, JobPlanVersion


def back_to_signatures(svc, plan: JobPlan, version: JobPlanVersion, editor_name: str) -> list[int]:
    """Fire the policy's ``signatures_revoked`` step on every open sign-off of ``plan`` that stands where it
    leaves from; the ids of the cases sent back. Part of the caller's operation."""
    cases = svc.session.scalars(select(Case).where(Case.job_plan_id == plan.id, Case.closed_at.is_(None),
                                                   in_workflow(svc.policies, ANNUAL_SIGN_OFF))).all()
    sent = []
    for case in cases:
        wf = svc.policy_of(case).workflow(case.workflow)
        step = next((t for t in wf.transitions_tagged(SIGNATURES_REVOKED) if case.state in t.sources), None)
        if step is None:
            continue
        locked = svc.lock_case(case.id)
        svc.run_step(locked, step.trigger, SYSTEM,
                     reason=f"version {version.number} was made by {editor_name} after the plan was signed; "
                            "the signatures were on the earlier version, so both sign again")
        sent.append(case.id)
    return sent
