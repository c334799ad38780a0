"""The names a policy may use: conditions, actions and content rules. The rule vocabulary (``workflow.rules``,
``workflow.content.rules``) registers into these tables when it is imported; the policy check reads them.

So the policy language never imports the vocabulary that is written in terms of it (no import circle), and a
check run before the vocabulary was imported fails loudly instead of calling every name unknown."""
from __future__ import annotations

from typing import Callable

CONDITIONS: dict[str, Callable] = {}
ACTIONS: dict[str, Callable] = {}
CONTENT_RULES: dict = {}


def require_loaded() -> None:
    if not (CONDITIONS and ACTIONS and CONTENT_RULES):
        raise RuntimeError("the rule vocabulary is not loaded: import workflow.rules (and workflow.content.rules) "
                           "before checking a policy")
