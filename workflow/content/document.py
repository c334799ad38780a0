"""The job plan as a document people read and sign (issue 18, "The plan as a document"): a weekly timetable,
PA totals by category against the contract, the DCC:SPA split, on-call, objectives in words, and the other
sections with plain labels. Pure: it takes the checked content and its totals and returns text only, so
the page and the PDF show the same thing and no ``None``, ``False`` or list text reaches a reader."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from workflow.content.calculations import PlanTotals
from workflow.content.categories import CATEGORIES, CATEGORY_TITLES, DAYS, SECTION_TITLES
from workflow.content.schema import minutes

SESSIONS = (("Morning", 0, 12 * 60), ("Afternoon", 12 * 60, 17 * 60), ("Evening", 17 * 60, 24 * 60))
WEEKS = {"every": "", "alternate": "alternate weeks", "monthly": "monthly"}
OBJECTIVE_KINDS = {"personal": "Personal", "team": "Team", "organisational": "Organisational"}


@dataclass(frozen=True)
class Slot:
    """One activity in the timetable grid."""
    time: str
    activity: str
    category: str
    location: str
    note: str


@dataclass(frozen=True)
class TotalRow:
    code: str
    title: str
    pas: str
    hours: str


@dataclass(frozen=True)
class Section:
    title: str
    items: list[str]


@dataclass(frozen=True)
class SignatureLine:
    version: int
    role: str
    name: str
    signed_at: datetime


@dataclass(frozen=True)
class PlanDocument:
    title: str
    owner: str
    version: int
    days: list[str]
    timetable: list[tuple[str, dict[str, list[Slot]]]]
    totals: list[TotalRow]
    total_pas: str
    contracted_pas: str | None
    balance: str | None  # "0.5 PAs more than the contract" / "matches the contract"
    dcc_spa: str | None  # "7.5 DCC : 2.5 SPA (75% : 25%)"
    on_call: list[str]
    objectives: list[Section]
    sections: list[Section]
    signatures: list[SignatureLine] = field(default_factory=list)


def plan_year(start: date) -> str:
    """The NHS financial year (April to March) a plan starts in: 2026/27."""
    first = start.year if start.month >= 4 else start.year - 1
    return f"{first}/{str(first + 1)[-2:]}"


def number(value: float) -> str:
    """10, 7.5, 0.25: as a person writes a PA count."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value is not None else ""


def long_date(value) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def _plural(n: float, word: str) -> str:
    return f"{number(n)} {word}{'' if n == 1 else 's'}"


def title_for(*, start: date, owner: str, interim: bool = False, team: bool = False) -> str:
    kind = "interim job plan" if interim else ("team job plan" if team else "job plan")
    return f"{plan_year(start)} {kind}, {owner}"


def timetable(content: dict) -> tuple[list[str], list[tuple[str, dict[str, list[Slot]]]]]:
    """Days Monday to Friday (and the weekend only where it has work) by morning, afternoon and evening."""
    rows = content.get("schedule") or []
    days = [d for d in DAYS if d in DAYS[:5] or any(r["day"] == d for r in rows)]
    grid = []
    for label, lo, hi in SESSIONS:
        cells = {d: [] for d in days}
        for r in sorted(rows, key=lambda r: minutes(r["start"])):
            if lo <= minutes(r["start"]) < hi:
                cells[r["day"]].append(Slot(f"{r['start']}–{r['end']}", r["activity"], r["category"],
                                            r.get("location") or "", WEEKS.get(r.get("weeks") or "every", "")))
        if label != "Evening" or any(cells.values()):
            grid.append((label, cells))
    return days, grid


def totals(t: PlanTotals) -> tuple[list[TotalRow], str, str | None, str | None, str | None]:
    rows = [TotalRow(c, CATEGORY_TITLES[c], number(t.pas[c]), number(t.hours[c])) for c in CATEGORIES]
    contracted = balance = None
    if t.contracted_pas is not None:
        contracted = number(t.contracted_pas)
        diff = t.total_pas - t.contracted_pas
        balance = ("matches the contract" if abs(diff) < 0.005 else
                   f"{_plural(abs(diff), 'PA')} {'more' if diff > 0 else 'fewer'} than the contract")
    dcc_spa = None
    if t.hours["SPA"] or t.hours["DCC"]:
        both = t.pas["DCC"] + t.pas["SPA"]
        dcc_spa = (f"{number(t.pas['DCC'])} DCC : {number(t.pas['SPA'])} SPA"
                   + (f" ({round(100 * t.pas['DCC'] / both)}% : {round(100 * t.pas['SPA'] / both)}%)" if both else ""))
    return rows, number(t.total_pas), contracted, balance, dcc_spa


def _text(*parts) -> str:
    return ", ".join(str(p) for p in parts if p not in (None, "", [], False))


def objectives(content: dict) -> list[Section]:
    out = []
    for o in content.get("objectives") or []:
        items = [o["text"]]
        for key, label in (("specific", "Specific"), ("measurable", "Measured by"), ("achievable", "Achievable"),
                           ("realistic", "Realistic")):
            if o.get(key):
                items.append(f"{label}: {o[key]}")
        if o.get("time_bound"):
            items.append(f"By {long_date(o['time_bound'])}")
        if o.get("linked_activities"):
            items.append("Linked to: " + ", ".join(o["linked_activities"]))
        out.append(Section(f"{OBJECTIVE_KINDS.get(o['kind'], o['kind'])} objective", items))
    return out


def sections(content: dict) -> list[Section]:
    """Every other section, in the form's order, each as plain lines; an empty one shows its justification."""
    out = []
    post = content.get("post") or {}
    post_lines = [f"{label}: {v}" for label, v in (
        ("Job title", post.get("job_title")), ("Band", post.get("band")), ("Specialty", post.get("specialty")),
        ("Contracted PAs", number(post["contracted_pas"]) if post.get("contracted_pas") is not None else None),
        ("Contracted hours", number(post["contracted_hours"]) if post.get("contracted_hours") is not None else None),
        ("Start date", long_date(post["start_date"]) if post.get("start_date") else None)) if v]
    if post_lines:
        out.append(Section(SECTION_TITLES["post"], post_lines))
    lines = {
        "annualised": [f"{a['activity']} ({a['category']}): {number(a['hours_per_year'])} hours a year"
                       + (f", {a['location']}" if a.get("location") else "") for a in content.get("annualised") or []],
        "supporting_resources": [_text(x["item"], x.get("comments")) for x in content.get("supporting_resources") or []],
        "accommodation": [_text(x["item"], x.get("comments")) for x in content.get("accommodation") or []],
        "equipment": [_text(x["item"], x.get("comments")) for x in content.get("equipment") or []],
        "external_duties": [f"{x['organisation']}: {x['details']}" for x in content.get("external_duties") or []],
        "private_practice": _private_practice(content.get("private_practice")),
        "managerial_responsibilities": list(content.get("managerial_responsibilities") or []),
        "accountability": ([f"Professional: {content['accountability']['professional']}",
                            f"Managerial: {content['accountability']['managerial']}"]
                           if content.get("accountability") else []),
        "other_comments": [content["other_comments"]] if content.get("other_comments") else [],
        "additional_pas": [f"{_plural(a['pas'], 'additional PA')} from {long_date(a['start'])} to "
                           f"{long_date(a['end'])}: {a['reason']}"
                           + (" (agreed by the Associate Medical Director)" if a.get("agreed_by_amd") else "")
                           for a in content.get("additional_pas") or []],
    }
    why = content.get("justifications") or {}
    for key, items in lines.items():
        if items:
            out.append(Section(SECTION_TITLES[key], items))
        elif why.get(key):
            out.append(Section(SECTION_TITLES[key], [f"Not applicable: {why[key]}"]))
    return out


def _private_practice(pp: dict | None) -> list[str]:
    if not pp:
        return []
    kinds = [label for key, label in (("other_nhs_work", "other NHS work"), ("non_nhs_work", "professional non-NHS work"),
                                      ("other_paid_employment", "other paid employment")) if pp.get(key)]
    if not kinds:
        return ["No other NHS work, professional non-NHS work or other paid employment declared"]
    line = "Declared: " + ", ".join(kinds)
    if pp.get("sessions") is not None:
        line += f"; {_plural(pp['sessions'], 'session')} a week"
    if pp.get("times"):
        line += f" ({pp['times']})"
    return [line] + ([pp["details"]] if pp.get("details") else [])


def on_call(content: dict) -> list[str]:
    return [f"{o['rota']}: {o['frequency']}, category {o['on_call_category']}"
            + (f", {_plural(o['pas'], 'PA')} ({o.get('category') or 'DCC'})" if o.get("pas") else "")
            for o in content.get("on_call") or []]


def build(content: dict, t: PlanTotals, *, title: str, owner: str, version: int,
          signatures: list[SignatureLine] = ()) -> PlanDocument:
    days, grid = timetable(content)
    rows, total, contracted, balance, dcc_spa = totals(t)
    return PlanDocument(title=title, owner=owner, version=version, days=days, timetable=grid, totals=rows,
                        total_pas=total, contracted_pas=contracted, balance=balance, dcc_spa=dcc_spa,
                        on_call=on_call(content), objectives=objectives(content), sections=sections(content),
                        signatures=list(signatures))
