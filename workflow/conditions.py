"""Named conditions a policy may put on a transition. Each refuses with ``ConditionFailed`` and a
message that says what is missing and where the rule comes from; the policy loader refuses a file
that names a condition not registered here."""
from __future__ import annotations

from typing import Callable

from .errors import ConditionFailed

CONDITIONS: dict[str, Callable] = {}


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
    """002 7.5: the practitioner and the clinical manager both sign the same version."""
    missing = {"practitioner", "clinical_manager"} - signed_roles(ctx)
    if missing:
        names = " and ".join(ctx.policy.roles[r].title for r in sorted(missing) if r in ctx.policy.roles)
        raise ConditionFailed(f"the current version of the plan still needs the signature of {names} (002 7.5)")


@condition
def has_job_plan(ctx) -> None:
    if ctx.case.job_plan_id is None and ctx.case.job_plan is None:  # the id first: no load when it is set
        raise ConditionFailed("this case has no job plan attached; attach the plan first")


@condition
def no_prior_involvement(ctx) -> None:
    """002 7.8.4 / 7.8.10, 004 stages 2-3: whoever was involved in the dispute may not mediate or sit."""
    from .access import involved_people

    person_id = ctx.values.get("person")
    if person_id is not None and person_id in involved_people(ctx.session, ctx.case):
        raise ConditionFailed("this person has been involved in the dispute and may not mediate it or sit on "
                              "its panel (002 7.8.4, 7.8.10; 004 mediation stages 2 and 3)")


@condition
def not_legal_representative(ctx) -> None:
    """002 7.8.13: a colleague, trade union or professional body representative; no lawyer acting as such."""
    if ctx.values.get("representative_type") == "legal":
        raise ConditionFailed("a legal representative acting in a professional capacity may not represent the "
                              "practitioner (002 7.8.13); name a colleague, a trade union or a professional "
                              "organisation representative")
