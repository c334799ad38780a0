"""Cases found by what their policy tags them (workflow.policy.tags), not by workflow or state names: each
case is matched against the names its own policy version gives the tagged workflow or state."""
from __future__ import annotations

from sqlalchemy import tuple_

from workflow.store.models import Case


def in_workflow(policies, tag: str):
    """SQL: the case's workflow carries ``tag`` in its policy version."""
    return tuple_(Case.policy_id, Case.policy_version, Case.workflow).in_(policies.workflow_keys(tag))


def in_state(policies, workflow_tag: str, state_tag: str):
    """SQL: the case stands in a state tagged ``state_tag`` of a workflow tagged ``workflow_tag``."""
    return tuple_(Case.policy_id, Case.policy_version, Case.workflow, Case.state).in_(
        policies.state_keys(workflow_tag, state_tag))


def case_is(policy, case: Case, tag: str) -> bool:
    """The loaded case's workflow carries ``tag`` in ``policy`` (the case's own policy version)."""
    return policy.has_workflow_tagged(case.workflow, tag)


def case_in_state(policy, case: Case, state_tag: str) -> bool:
    """The loaded case stands in a state its workflow tags ``state_tag``."""
    wf = policy.workflows.get(case.workflow)
    return wf is not None and case.state in wf.state_names_tagged(state_tag)
