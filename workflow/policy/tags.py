"""The tags a policy puts on its workflows, states, transitions and deadlines, so the code can find "the
annual sign-off" or "the state where the plan is agreed" without knowing what a trust calls them.

A policy names its states and workflows as its source document does; the team page, the queues, the
reports and the letters need a few of them by meaning. Each tag here says where it may stand and how many
of it a policy must have; ``policy check`` refuses a policy that lacks one the code relies on, or names a
tag nobody knows (a typo would otherwise silently empty a queue)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TagRule:
    on: str                # "workflow", "state", "transition" or "deadline"
    required: bool         # every policy must carry it
    single: bool           # at most one per policy (per tagged workflow, for states)
    within: str | None     # states/transitions/deadlines: only inside the workflow with this tag
    needed_by: str         # what relies on it, for the refusal message


# Workflow tags
ANNUAL_SIGN_OFF = "annual_sign_off"
DISPUTE = "dispute"                    # a disagreement or appeal: the last agreed plan stays in force meanwhile
MEDIATION = "mediation"                # the disagreement referred for mediation (the Medical Director's list)
APPEAL = "appeal_route"                # the appeal (the appeals register)
INTERIM_PLAN = "interim_plan"          # a new starter's interim plan (002 7.4.3); optional

# State tags (in the annual sign-off)
PLAN_AGREED = "plan_agreed"            # agreed and in force, waiting for its review
GOVERNANCE_QUEUE = "governance_queue"  # the governance check queue (002 7.6.5); optional
SECOND_LEVEL = "second_level"          # second-level sign-off (002 5.3, 7.6.2; 004); optional

# Transition and deadline tags
DECISION_LETTER = "decision_letter"    # the Medical Director's decision after mediation (002 7.8.5); optional
APPEAL_WINDOW = "appeal_window"        # the window to lodge an appeal (002 7.8.8); optional
SIGNATURES_REVOKED = "signatures_revoked"  # an edit after signature sends the case back to both (002 7.5); optional
SUPERSEDED_BY_NEXT = "superseded_by_next"  # the step that closes the agreed cycle when the next sign-off starts; optional
BOARD_DECISION = "board_decision"      # the board's decision on an appeal (002 7.8.9): its letter; optional
PANEL_ALLOCATION = "panel_allocation"  # a panel member allocated from a list, open to objection (7.8.12); optional

TAGS: dict[str, TagRule] = {
    ANNUAL_SIGN_OFF: TagRule("workflow", True, True, None, "the team page, the sign-off start and the reports"),
    DISPUTE: TagRule("workflow", True, False, None, "the plan in force while a dispute runs"),
    MEDIATION: TagRule("workflow", True, True, None, "the mediations list and the dashboard"),
    APPEAL: TagRule("workflow", True, True, None, "the appeals register, the dashboard and the decision letter"),
    INTERIM_PLAN: TagRule("workflow", False, True, None, "a new starter's interim plan on the team page"),
    PLAN_AGREED: TagRule("state", True, True, ANNUAL_SIGN_OFF, "the team page and the sign-off start"),
    GOVERNANCE_QUEUE: TagRule("state", False, True, ANNUAL_SIGN_OFF, "the governance check queue"),
    SECOND_LEVEL: TagRule("state", False, True, ANNUAL_SIGN_OFF, "the second-level sign-off queue"),
    DECISION_LETTER: TagRule("transition", False, True, MEDIATION, "the decision letter"),
    SUPERSEDED_BY_NEXT: TagRule("transition", False, True, ANNUAL_SIGN_OFF,
                                "closing the agreed cycle's review clock when the next sign-off starts"),
    APPEAL_WINDOW: TagRule("deadline", False, True, APPEAL, "the decision letter's appeal date"),
    SIGNATURES_REVOKED: TagRule("transition", False, True, ANNUAL_SIGN_OFF, "an edit of a signed plan"),
    BOARD_DECISION: TagRule("transition", False, True, APPEAL, "the board decision letter"),
    PANEL_ALLOCATION: TagRule("transition", False, False, APPEAL, "the allocation email: who, and the last day to object"),
}


def tag_names(d: dict) -> dict[str, tuple[str, ...]]:
    return {tag: (names,) if isinstance(names, str) else tuple(names) for tag, names in d.get("tags", {}).items()}
