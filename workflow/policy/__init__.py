"""Policy files: their model, their loading and validation, and the registry of loaded versions."""
from .model import Policy, Workflow, StateSpec, TransitionSpec, DeadlineSpec, EscalationStep, FieldSpec, RoleSpec
from .loader import load_policy_file, load_policy_text
from .registry import PolicyRegistry

__all__ = [
    "Policy", "Workflow", "StateSpec", "TransitionSpec", "DeadlineSpec", "EscalationStep", "FieldSpec",
    "RoleSpec", "load_policy_file", "load_policy_text", "PolicyRegistry",
]
