"""Named conditions a policy may put on a transition. Each refuses with ``ConditionFailed`` and a
message that says what is missing and where the rule comes from; the policy loader refuses a file
that names a condition not registered here. A condition reads the case, the policy, the step's values and
``ctx.facts`` (``workflow.rules.facts``), never the database session, so each can be tested without one."""
from __future__ import annotations

from typing import Callable

from workflow.errors import ConditionFailed

from workflow.policy.vocabulary import CONDITIONS  # noqa: E402  (the table this module fills)


def condition(fn: Callable) -> Callable:
    CONDITIONS[fn.__name__] = fn
    return fn


def signed_roles(ctx) -> set[str]:
    plan = ctx.case.job_plan
    if plan is None:
        return set()
    version = next((v for v in plan.versions if v.number == plan.current_version), None)
    return {s.role for s in version.signatures} if version else set()


@condition
def both_signed(ctx) -> None:
    """002 7.5: the practitioner and the clinical manager (the policy's two parties) both sign the same version."""
    missing = set(ctx.policy.parties) - signed_roles(ctx)
    if missing:
        names = " and ".join(ctx.policy.roles[r].title for r in sorted(missing) if r in ctx.policy.roles)
        raise ConditionFailed(f"the current version of the plan still needs the signature of {names} (002 7.5)")


@condition
def not_signed_in_this_role(ctx) -> None:
    """A signature stands on the version it was given to, so one who has signed the current version is not
    offered "sign" again (issue 16 item 11). A plan returned unchanged keeps both signatures; what the return
    asks for is an edit, which makes a new version that both sign afresh."""
    if ctx.role in signed_roles(ctx):
        plan = ctx.case.job_plan
        raise ConditionFailed(f"you have signed version {plan.current_version} as "
                              f"{ctx.policy.roles[ctx.role].title} and your signature stands; if the plan was "
                              "returned, edit it as the return asks: both then sign the new version")


@condition
def referral_open_to_this_role(ctx) -> None:
    """Who may refer a plan that cannot be agreed to the Medical Director: the practitioner always (002 7.8.3);
    the clinical manager too where the practitioner's staff group is in ``settings.manager_may_refer_staff_groups``
    (000 2a: for SAS doctors "the doctor and clinical manager may refer", Schedule 5 of their terms)."""
    if ctx.policy.roles[ctx.role].scope == "subject":  # the practitioner themselves
        return
    subject = ctx.case.subject
    group = subject.staff_group if subject is not None else None
    if group not in ctx.policy.settings.manager_may_refer_staff_groups:
        raise ConditionFailed(f"only the practitioner raises a formal disagreement about a {group or 'practitioner'}'s "
                              f"plan (002 7.8.3); the {ctx.policy.roles[ctx.role].title} may refer only an SAS "
                              "doctor's plan (000 2a, Schedule 5)")


@condition
def has_job_plan(ctx) -> None:
    if ctx.case.job_plan_id is None and ctx.case.job_plan is None:  # the id first: no load when it is set
        raise ConditionFailed("this case has no job plan attached; attach the plan first")


@condition
def no_prior_involvement(ctx) -> None:
    """002 7.8.4 / 7.8.10, 004 stages 2-3: whoever was involved in the dispute may not mediate or sit."""
    person_id = ctx.values.get("person")
    if person_id is not None and person_id in ctx.facts.involved_people():
        raise ConditionFailed("this person has been involved in the dispute and may not mediate it or sit on "
                              "its panel (002 7.8.4, 7.8.10; 004 mediation stages 2 and 3)")


@condition
def not_legal_representative(ctx) -> None:
    """002 7.8.13: a colleague, trade union or professional body representative; no lawyer acting as such."""
    if ctx.values.get("representative_type") == "legal":
        raise ConditionFailed("a legal representative acting in a professional capacity may not represent the "
                              "practitioner (002 7.8.13); name a colleague, a trade union or a professional "
                              "organisation representative")


@condition
def plan_complete(ctx) -> None:
    """The policy's content rules for the practitioner's staff group find no blocker in the current
    version (002 7.1-7.2, 7.4, 7.6.5). The message names each section and rule that blocks."""
    from workflow.timing.calendar import calendar_for

    plan = ctx.case.job_plan
    if plan is None:
        raise ConditionFailed("this case has no job plan attached; attach the plan first")
    result = ctx.facts.assess_plan(plan, calendar_for(ctx.policy).local_date(ctx.now))
    if result.blockers:
        raise ConditionFailed("the job plan is not complete enough to sign off: "
                              + "; ".join(f.text() for f in result.blockers),
                              findings=[f.as_dict() for f in result.blockers])


@condition
def lodging_window_open(ctx) -> None:
    """A practitioner's lodging window (002 7.8.3, 7.8.8) closes at its deadline even before the sweep has
    fired the closing step; after that only an extension or an accepted late lodging opens the way."""
    from workflow.timing.wording import format_due

    closed_at = ctx.facts.closed_lodging_window(ctx.now)
    if closed_at is not None:
        raise ConditionFailed(f"the time limit for this closed at the end of "
                              f"{format_due(ctx.policy, closed_at)}; a late lodging needs "
                              "to be accepted, with a reason, by whoever the policy names")


@condition
def mediators_assigned(ctx) -> None:
    """004 stage 2: a member of HR and of the job planning team are assigned before mediation starts.
    The roles required are the policy's ``settings.mediation_roles``."""
    require_participants(ctx, ctx.policy.settings.mediation_roles, "mediation")


@condition
def checklist_complete(ctx) -> None:
    """004 "Managers check-list": every question of the second-level review is answered yes; a plan
    that fails one is returned with reasons instead."""
    failed = [f.label or f.name for f in ctx.spec.payload if f.type == "bool" and ctx.values.get(f.name) is not True]
    if failed:
        raise ConditionFailed("the managers' checklist is not satisfied (004 Managers check-list): "
                              + "; ".join(failed) + ". Return the plan with reasons instead")


def require_participants(ctx, roles, what: str) -> None:
    missing = [ctx.policy.roles[r].title for r in roles if not ctx.facts.has_holder(r)]
    if missing:
        raise ConditionFailed(f"the {what} is not complete: still to be named: {', '.join(missing)}")


@condition
def no_open_linked_case(ctx) -> None:
    """One follow-on case at a time: refused while a case this one started is still open."""
    child = ctx.facts.open_child()
    if child is not None:
        raise ConditionFailed(f"case {child.id} ({child.workflow.replace('_', ' ')}) started from this one is still open")
