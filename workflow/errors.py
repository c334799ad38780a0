"""Typed errors of the domain. Each carries a message a person can act on.

Entry points map them to their own vocabulary (HTTP status, CLI exit code); the domain never does.
"""
from __future__ import annotations


class WorkflowError(Exception):
    """Base of every refusal the service layer makes. Nothing has been written when one is raised."""

    code = "workflow_error"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(WorkflowError):
    """The thing does not exist, or the caller may not know that it does."""

    code = "not_found"


class UnknownTrigger(WorkflowError):
    code = "unknown_trigger"


class TriggerNotAllowedInState(WorkflowError):
    code = "trigger_not_allowed_in_state"


class PermissionDenied(WorkflowError):
    """Wrong role, or the right role outside its scope."""

    code = "permission_denied"


class InvalidPayload(WorkflowError):
    """The payload is missing fields or has bad values; ``details['fields']`` maps field → messages."""

    code = "invalid_payload"


class ConditionFailed(WorkflowError):
    """A named condition of the policy refused the trigger (e.g. the lodging window is closed)."""

    code = "condition_failed"


class StaleVersion(WorkflowError):
    """Someone else changed the case or plan first; reload and try again."""

    code = "stale_version"


class PolicyError(WorkflowError):
    """A policy file is invalid. ``problems`` lists (file, path, message)."""

    code = "policy_error"

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        text = "\n".join(f"{f}: {p}: {m}" for f, p, m in problems)
        super().__init__(text, problems=[{"file": f, "path": p, "message": m} for f, p, m in problems])
