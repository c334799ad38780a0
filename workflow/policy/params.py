"""Parameter schemas of the rule vocabulary a policy may use: each action's parameters, the settings each
condition reads, and the policy's ``settings:`` block. The loader checks a policy against them, so a
typo is refused by ``policy check`` with its path instead of failing in a live step."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

NAME = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be lower_snake_case (letters, digits, _)")


class _Params(Schema):
    class Meta:
        unknown = RAISE


class NoParams(_Params):
    """The action takes no parameters."""


class AutoFireParams(_Params):
    trigger = fields.String(required=True, validate=NAME)   # a trigger of the same workflow
    when = fields.String(required=True, validate=NAME)      # a condition


class StartCaseParams(_Params):
    workflow = fields.String(required=True, validate=NAME)  # a workflow of the same policy
    linked = fields.Boolean(load_default=True)


class FireParentParams(_Params):
    trigger = fields.String(required=True, validate=NAME)   # a trigger of another workflow of the policy
    payload = fields.Dict(keys=fields.String(validate=NAME), values=fields.String(validate=NAME),
                          load_default=None, allow_none=True)
    optional = fields.Boolean(load_default=False)


class AddParticipantParams(_Params):
    role = fields.String(required=True, validate=NAME)      # a participant role of the policy
    field = fields.String(load_default="person", validate=NAME)


class ReplaceParticipantParams(_Params):
    role = fields.String(load_default=None, validate=NAME)  # the seat; none: the step's ``seat`` field names it
    field = fields.String(load_default="person", validate=NAME)
    seat_field = fields.String(load_default="seat", validate=NAME)


class NewPlanVersionParams(_Params):
    note = fields.String(load_default="review")
    drop_additional_pas = fields.Boolean(load_default=False)  # 002 7.2.2: they end at the next meeting


class AdoptDecidedVersionParams(_Params):
    field = fields.String(load_default="plan_version", validate=NAME)
    by = fields.String(load_default="decision")


class ApplyBoardDecisionParams(_Params):
    # 002 7.8.9: a decision to vary the plan carries the varied plan, in this payload field (type plan), which is
    # written as a new version and adopted. Unset (version 1 of the policies), the named version is adopted as is.
    varied_plan_field = fields.String(load_default=None, validate=NAME)
    vary_choice = fields.String(load_default="vary_plan", validate=NAME)  # the decision that varies the plan


ACTION_PARAMS: dict[str, type[Schema]] = {
    "record_signature": NoParams,
    "auto_fire": AutoFireParams,
    "start_case": StartCaseParams,
    "fire_parent": FireParentParams,
    "add_participant": AddParticipantParams,
    "replace_participant": ReplaceParticipantParams,
    "new_plan_version": NewPlanVersionParams,
    "adopt_decided_version": AdoptDecidedVersionParams,
    "mark_plan_agreed": NoParams,
    "allocate_list_member": NoParams,
    "object_to_list_member": NoParams,
    "apply_board_decision": ApplyBoardDecisionParams,
}

# Conditions take no parameters in a policy file; a few read a setting of the policy instead.
CONDITION_SETTINGS: dict[str, tuple[str, ...]] = {
    "both_signed": (),
    "checklist_complete": (),
    "has_job_plan": (),
    "not_signed_in_this_role": (),
    "lodging_window_open": (),
    "mediators_assigned": ("mediation_roles",),
    "no_open_linked_case": (),
    "no_prior_involvement": (),
    "not_legal_representative": (),
    "not_on_panel_already": (),
    "objection_available": (),
    "panel_complete": ("appeal_panel_roles",),
    "plan_complete": (),
    "referral_open_to_this_role": ("manager_may_refer_staff_groups",),
    "seat_vacant": (),
}

# Settings that name roles of the policy (checked against ``roles:``).
ROLE_LIST_SETTINGS = ("mediation_roles", "appeal_panel_roles")


class SettingsSchema(_Params):
    """The policy's ``settings:``; an unknown key is refused (a typo would otherwise be silently ignored)."""

    # While a disagreement or appeal runs the plan agreed last stays in force (002 7.7, 7.8; 001 17, 20). The
    # service always keeps it so; a policy may only say true (false would promise what the service never does).
    last_agreed_plan_in_force_during_dispute = fields.Boolean(
        validate=validate.Equal(True, error="the plan agreed last always stays in force "
                                                                 "until a new one is agreed or decided"))
    # Whether a second level signs after both parties (002 5.3, 7.6.2; 004 "Example sign off hierarchy"; 001
    # has none: both sign, 26.9). Checked against the sign-off: true needs a state tagged second_level, false
    # forbids one.
    second_level_sign_off = fields.Boolean()
    mediation_roles = fields.List(fields.String(validate=NAME), validate=validate.Length(min=1))
    appeal_panel_roles = fields.List(fields.String(validate=NAME), validate=validate.Length(min=1))
    appeal_panel_list_role = fields.String(validate=NAME)  # the trust role assignment holding the approved list
    # 000 2a (Schedule 5 of the SAS terms): for these staff groups the clinical manager, as well as the doctor,
    # may refer a plan that cannot be agreed to mediation and appeal. Read by ``referral_open_to_this_role``.
    manager_may_refer_staff_groups = fields.List(fields.String(validate=NAME))
    # 002 7.8.12: the list is "regularly reviewed"; the policy says how often (a list past it is flagged).
    appeal_panel_list_review_months = fields.Integer(validate=validate.Range(min=1, max=36))
    # "Active" = approved in the past 12 months (004 "Use of Data and Dashboards"); the compliance report counts
    # 12 months for every staff group, so a policy may not say otherwise.
    active_plan_months = fields.Integer(validate=validate.Equal(
        12, error="the compliance report counts 12 months for every staff group (workflow/reports/compliance.py)"))
