"""Policy files: their model, their loading and validation, and the registry of loaded versions."""
from workflow.policy.model import Policy, Workflow, StateSpec, TransitionSpec, DeadlineSpec, EscalationStep, FieldSpec, RoleSpec
from workflow.policy.loader import load_policy_file, load_policy_text
from workflow.policy.registry import PolicyRegistry

__all__ = [
    "Policy", "Workflow", "StateSpec", "TransitionSpec", "DeadlineSpec", "EscalationStep", "FieldSpec",
    "RoleSpec", "load_policy_file", "load_policy_text", "PolicyRegistry",
]
