"""Arithmetic of a job plan: hours and PAs by category, against the contract, DCC:SPA, WTE, the change
from the previous agreed plan, and a team's capacity. Pure functions over checked content (as stored).

- 1 PA = ``pa_hours`` hours (002 7.1 via the policy's ``pa_hours``, 4 by default); full time is
  ``full_time_pas`` PAs (002 7.1: 10) or ``full_time_hours`` hours (Agenda for Change: 37.5).
- A schedule row counts its PAs, else its hours, else its end minus its start; alternate weeks count
  half, monthly rows 12/52. Annualised hours are spread over ``weeks_per_year`` working weeks.
  On-call PAs count in their category (DCC unless the plan says otherwise).
- "All contracted time accounted for" (004 checklist): planned hours minus contracted hours, where the
  contract includes additional PAs in force (002 7.2.2)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from workflow.content.categories import ANR, CATEGORIES, DCC, ED, SPA
from workflow.content.schema import minutes

WEEK_FACTOR = {"every": 1.0, "alternate": 0.5, "monthly": 12 / 52}
DEFAULT_WEEKS_PER_YEAR = 42.0


def row_hours(row: dict, pa_hours: float) -> float:
    """Weekly hours of one schedule row."""
    if row.get("pas") is not None:
        h = row["pas"] * pa_hours
    elif row.get("hours") is not None:
        h = row["hours"]
    else:
        h = (minutes(row["end"]) - minutes(row["start"])) / 60
    return h * WEEK_FACTOR[row.get("weeks") or "every"]


@dataclass(frozen=True)
class PlanTotals:
    pa_hours: float
    hours: dict[str, float]  # weekly hours by category
    direct_contact_hours: float
    contracted_hours: float | None
    additional_pas: float
    full_time_hours: float
    wte: float | None

    @property
    def total_hours(self) -> float:
        return sum(self.hours.values())

    @property
    def pas(self) -> dict[str, float]:
        return {c: h / self.pa_hours for c, h in self.hours.items()}

    @property
    def total_pas(self) -> float:
        return self.total_hours / self.pa_hours

    @property
    def contracted_pas(self) -> float | None:
        return None if self.contracted_hours is None else self.contracted_hours / self.pa_hours

    @property
    def difference_hours(self) -> float | None:
        """Planned minus contracted: 0 means all contracted time is accounted for."""
        return None if self.contracted_hours is None else self.total_hours - self.contracted_hours

    @property
    def other_hours(self) -> float:
        return self.hours[ANR] + self.hours[ED]

    @property
    def dcc_spa_ratio(self) -> float | None:
        """DCC hours per SPA hour (7.5 PA DCC : 2.5 PA SPA = 3.0); None without SPA."""
        return self.hours[DCC] / self.hours[SPA] if self.hours[SPA] else None

    def share(self, category: str) -> float:
        return self.hours[category] / self.total_hours if self.total_hours else 0.0

    def split(self) -> dict[str, float]:
        """Shares of planned time: DCC, SPA and other (ANR + ED), as compared by the consistency panel (004)."""
        return {"DCC": self.share(DCC), "SPA": self.share(SPA), "other": self.share(ANR) + self.share(ED)}

    def wte_by_category(self) -> dict[str, float]:
        w = self.wte or 0.0
        return {c: w * self.share(c) for c in CATEGORIES}


def additional_pas_in_force(content: dict, on: date | None) -> float:
    total = 0.0
    for a in content.get("additional_pas") or []:
        start, end = _d(a["start"]), _d(a["end"])
        if on is None or start <= on <= end:
            total += a["pas"]
    return total


def plan_totals(content: dict, *, pa_hours: float = 4.0, contracted_pas: float | None = None,
                contracted_hours: float | None = None, full_time_pas: float = 10.0,
                full_time_hours: float | None = None, weeks_per_year: float = DEFAULT_WEEKS_PER_YEAR,
                on: date | None = None) -> PlanTotals:
    """Totals of one plan. The contract is taken from the arguments, else from the plan's ``post``."""
    post = content.get("post") or {}
    if contracted_hours is None and contracted_pas is None:
        contracted_hours, contracted_pas = post.get("contracted_hours"), post.get("contracted_pas")
    hours = {c: 0.0 for c in CATEGORIES}
    direct = 0.0
    for row in content.get("schedule") or []:
        h = row_hours(row, pa_hours)
        hours[row["category"]] += h
        if row.get("direct_contact"):
            direct += h
    for a in content.get("annualised") or []:
        hours[a["category"]] += a["hours_per_year"] / weeks_per_year
    for oc in content.get("on_call") or []:
        hours[oc.get("category") or DCC] += (oc.get("pas") or 0.0) * pa_hours
    extra = additional_pas_in_force(content, on)
    base = contracted_hours if contracted_hours is not None else (
        contracted_pas * pa_hours if contracted_pas is not None else None)
    contracted = None if base is None else base + extra * pa_hours
    ft_hours = full_time_hours if full_time_hours is not None else full_time_pas * pa_hours
    wte = None if base is None else base / ft_hours
    return PlanTotals(pa_hours=pa_hours, hours=hours, direct_contact_hours=direct, contracted_hours=contracted,
                      additional_pas=extra, full_time_hours=ft_hours, wte=wte)


def compare_totals(current: PlanTotals, previous: PlanTotals | None) -> list[dict]:
    """Per category: previous and current weekly hours and PAs and the change (the previous agreed plan)."""
    rows = []
    for c in (*CATEGORIES, "total"):
        cur = current.total_hours if c == "total" else current.hours[c]
        prev = None if previous is None else (previous.total_hours if c == "total" else previous.hours[c])
        rows.append({
            "category": c,
            "previous_hours": prev, "current_hours": cur,
            "change_hours": None if prev is None else cur - prev,
            "previous_pas": None if prev is None else prev / previous.pa_hours,
            "current_pas": cur / current.pa_hours,
            "change_pas": None if prev is None else cur / current.pa_hours - prev / previous.pa_hours,
        })
    return rows


@dataclass
class Capacity:
    """A team's capacity (003): staff count, WTE, and WTE by category."""

    staff: int = 0
    wte: float = 0.0
    wte_by_category: dict[str, float] = field(default_factory=lambda: {c: 0.0 for c in CATEGORIES})
    without_plan: list = field(default_factory=list)

    @property
    def clinical_wte(self) -> float:
        return self.wte_by_category[DCC]

    @property
    def non_clinical_wte(self) -> float:
        return self.wte - self.clinical_wte


def team_capacity(members: list[PlanTotals], *, wte_without_plan: list[float] | None = None) -> Capacity:
    """Roll up members' plans. A member without a plan counts in staff and WTE but in no category."""
    cap = Capacity()
    for t in members:
        cap.staff += 1
        cap.wte += t.wte or 0.0
        for c, w in t.wte_by_category().items():
            cap.wte_by_category[c] += w
    for w in wte_without_plan or []:
        cap.staff += 1
        cap.wte += w
        cap.without_plan.append(w)
    return cap


def _d(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
