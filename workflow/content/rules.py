"""Content rules: what a policy requires of a plan before it may be signed off, per staff group.

A policy's ``content_rules`` names rules registered here (``@content_rule``), each with a severity
(``warning`` or ``blocker``), the clause it comes from and its parameters; the loader refuses unknown
names and bad parameters. A rule looks at ``PlanFacts`` and returns (section, message) pairs; each
becomes a ``Finding``. A blocker stops sign-off (condition ``plan_complete``); a warning is shown."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from marshmallow import RAISE, Schema, fields, validate

from workflow.timing.calendar import add_months
from workflow.content.calculations import PlanTotals, _d
from workflow.content.categories import SECTION_TITLES, SECTIONS, SPA

SEVERITIES = ("warning", "blocker")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    section: str
    message: str
    clause: str

    def text(self) -> str:
        return f"{SECTION_TITLES.get(self.section, self.section)}: {self.message} [{self.rule}, {self.clause}]"

    def as_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "section": self.section, "message": self.message,
                "clause": self.clause}


@dataclass(frozen=True)
class PlanFacts:
    """What the rules look at: the stored content, its totals, the contract and the team plan."""

    content: dict
    totals: PlanTotals
    full_time_pas: float
    on: date
    team_plan_agreed: bool | None = None  # None: the practitioner has no team


@dataclass(frozen=True)
class RuleDef:
    name: str
    fn: Callable
    params: type[Schema]
    title: str


from workflow.policy.vocabulary import CONTENT_RULES  # noqa: E402  (the table this module fills)


class _Params(Schema):
    class Meta:
        unknown = RAISE


class NoParams(_Params):
    pass


def content_rule(params: type[Schema] = NoParams):
    def register(fn: Callable) -> Callable:
        CONTENT_RULES[fn.__name__] = RuleDef(fn.__name__, fn, params, (fn.__doc__ or fn.__name__).strip().split("\n")[0])
        return fn
    return register


def _fmt(x: float) -> str:
    return f"{x:g}" if abs(x - round(x, 2)) < 1e-9 else f"{x:.2f}"


# ---- the rules --------------------------------------------------------------------------------------

class ToleranceParams(_Params):
    tolerance_hours = fields.Float(load_default=0.0, validate=validate.Range(min=0))


@content_rule(ToleranceParams)
def contracted_time_accounted(f: PlanFacts, tolerance_hours: float = 0.0):
    """All contracted time is accounted for: full time 10 PAs or pro rata (002 7.1; 004 checklist)."""
    t = f.totals
    if t.contracted_hours is None:
        return [("post", "the contracted PAs or hours are not recorded, so the plan cannot be checked against them")]
    diff = t.difference_hours
    if abs(diff) > tolerance_hours + 1e-9:
        word = "more" if diff > 0 else "fewer"
        return [("schedule", f"the plan has {_fmt(t.total_pas)} PAs ({_fmt(t.total_hours)} h) a week, "
                             f"{_fmt(abs(diff) / t.pa_hours)} PAs {word} than the {_fmt(t.contracted_pas)} contracted "
                             f"(including {_fmt(t.additional_pas)} additional PAs)")]
    return []


class PasParams(_Params):
    pas = fields.Float(required=True, validate=validate.Range(min=0))


class ExpectedSpaParams(PasParams):
    pro_rata = fields.Boolean(load_default=True)


@content_rule(PasParams)
def spa_minimum(f: PlanFacts, pas: float):
    """At least the minimum SPA for revalidation (002 7.2.1: 1.5)."""
    spa = f.totals.pas[SPA]
    if spa + 1e-9 < pas:
        return [("schedule", f"{_fmt(spa)} SPA is below the minimum of {_fmt(pas)} needed for revalidation")]
    return []


@content_rule(ExpectedSpaParams)
def spa_expected(f: PlanFacts, pas: float, pro_rata: bool = True):
    """The normal SPA expectation (002 7.2.1: 2.5 for a 10-PA consultant, 1.5 for other doctors), pro rata."""
    t = f.totals
    expected = pas
    if pro_rata and t.contracted_pas:
        expected = pas * min(1.0, (t.contracted_pas - t.additional_pas) / f.full_time_pas)
    spa = t.pas[SPA]
    if spa + 1e-9 < expected:
        return [("schedule", f"{_fmt(spa)} SPA is below the normal expectation of {_fmt(expected)}")]
    return []


@content_rule(PasParams)
def max_pas(f: PlanFacts, pas: float):
    """More than the flagged number of PAs a week (the issue's 12)."""
    total = f.totals.total_pas
    if total > pas + 1e-9:
        return [("schedule", f"the plan has {_fmt(total)} PAs a week, more than {_fmt(pas)}")]
    return []


class MonthsParams(_Params):
    months = fields.Integer(load_default=12, validate=validate.Range(min=1))


@content_rule(MonthsParams)
def additional_pas_time_limited(f: PlanFacts, months: int = 12):
    """Additional PAs end no later than 12 months after they start (002 7.2.2)."""
    out = []
    for i, a in enumerate(f.content.get("additional_pas") or []):
        latest = add_months(_d(a["start"]), months)
        if _d(a["end"]) > latest:
            out.append(("additional_pas", f"entry {i + 1} ({_fmt(a['pas'])} PAs) ends on {a['end']}, later than "
                                          f"{months} months after its start ({latest.isoformat()})"))
    return out


@content_rule()
def additional_pas_agreed(f: PlanFacts):
    """Additional PAs have the associate medical director's agreement (002 7.2.2)."""
    return [("additional_pas", f"entry {i + 1} ({_fmt(a['pas'])} PAs) is not recorded as agreed by the "
                               "Associate Medical Director")
            for i, a in enumerate(f.content.get("additional_pas") or []) if not a.get("agreed_by_amd")]


class ObjectivesParams(_Params):
    kinds = fields.List(fields.String(validate=validate.OneOf(("personal", "team", "organisational"))),
                        load_default=list)


@content_rule(ObjectivesParams)
def objectives_present(f: PlanFacts, kinds: list | None = None):
    """The plan sets objectives (002 7.1; 001 ¶9), of each kind the policy names."""
    objectives = f.content.get("objectives") or []
    if not objectives:
        return [("objectives", "the plan has no objectives")]
    have = {o["kind"] for o in objectives}
    missing = [k for k in (kinds or []) if k not in have]
    return [("objectives", f"the plan has no {k} objective") for k in missing]


SMART = ("specific", "measurable", "achievable", "realistic", "time_bound")


@content_rule()
def objectives_smart(f: PlanFacts):
    """Every objective is SMART: specific, measurable, attainable, realistic, time based (002 7.1)."""
    out = []
    for i, o in enumerate(f.content.get("objectives") or []):
        missing = [k.replace("_", "-") for k in SMART if not o.get(k)]
        if missing:
            out.append(("objectives", f"objective {i + 1} ('{o['text'][:60]}') does not say how it is "
                                      f"{', '.join(missing)}"))
    return out


@content_rule()
def objectives_linked(f: PlanFacts):
    """Objectives are linked to planned activities (004 managers' checklist)."""
    c = f.content
    activities = {r["activity"] for r in c.get("schedule") or []} | {a["activity"] for a in c.get("annualised") or []}
    out = []
    for i, o in enumerate(c.get("objectives") or []):
        links = o.get("linked_activities") or []
        if not links:
            out.append(("objectives", f"objective {i + 1} is not linked to any planned activity"))
        for name in links:
            if name not in activities:
                out.append(("objectives", f"objective {i + 1} is linked to {name!r}, which is not in the plan"))
    return out


class SectionsParams(_Params):
    sections = fields.List(fields.String(validate=validate.OneOf(SECTIONS)), load_default=lambda: list(SECTIONS))


def section_empty(content: dict, section: str) -> bool:
    value = content.get(section)
    if isinstance(value, str):
        return not value.strip()
    return not value


@content_rule(SectionsParams)
def sections_justified(f: PlanFacts, sections: list | None = None):
    """No section is left empty without a justification (002 7.6.5)."""
    just = f.content.get("justifications") or {}
    return [(s, "is empty and has no justification") for s in (sections or SECTIONS)
            if section_empty(f.content, s) and not (just.get(s) or "").strip()]


@content_rule(SectionsParams)
def sections_present(f: PlanFacts, sections: list | None = None):
    """Sections a plan must fill, with no justification instead (001 26: the form's sections; 004 minimum
    standards: the schedule, objectives and supporting resources)."""
    return [(s, "is empty; this section must be filled in") for s in (sections or SECTIONS)
            if section_empty(f.content, s)]


POST_FIELDS = ("job_title", "band", "specialty")


class PostParams(_Params):
    details = fields.List(fields.String(validate=validate.OneOf(POST_FIELDS)), required=True,
                         validate=validate.Length(min=1))


@content_rule(PostParams)
def post_recorded(f: PlanFacts, details: list):
    """The post is recorded: job title, band, specialty or service line (004 minimum standards)."""
    post = f.content.get("post") or {}
    return [("post", f"the {name.replace('_', ' ')} is not recorded") for name in details
            if not (post.get(name) or "").strip()]


@content_rule()
def private_practice_declared(f: PlanFacts):
    """Private practice and other paid work are declared, yes or no (002 7.1; 001 form "Additional")."""
    if not f.content.get("private_practice"):
        return [("private_practice", "the declaration of other NHS, non-NHS and other paid work is not made")]
    return []


@content_rule()
def team_plan_first(f: PlanFacts):
    """The team job plan is agreed before the individual plans of its members (002 7.4)."""
    if f.team_plan_agreed is False:
        return [("schedule", "the practitioner's team has no agreed team job plan in force")]
    return []


# ---- evaluating -------------------------------------------------------------------------------------

def evaluate(rules, facts: PlanFacts) -> list[Finding]:
    """Run a staff group's rules (``StaffGroupRules.rules``) over the facts; blockers first."""
    out = []
    for r in rules:
        d = CONTENT_RULES[r.rule]
        for section, message in d.fn(facts, **d.params().load(r.params)):
            out.append(Finding(r.rule, r.severity, section, message, r.clause))
    return sorted(out, key=lambda x: (x.severity != "blocker", SECTIONS.index(x.section)
                                      if x.section in SECTIONS else -1))


def blockers(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "blocker"]
