"""A report as people read it on a page: a sentence saying what each report is for, cells in words (20%, not
0.20; 1 March 2027, not 2027-03-01; "Specialty doctor", not ``specialty_doctor``; stage and step titles, not
their codes), and rows sorted by a column named in the query string (``?sort=share&dir=desc``), so a table
sorts without JavaScript. The figures are the service's (``workflow.service.reports``); only their wording
and order are decided here."""
from __future__ import annotations

import re
from datetime import date, datetime

from web.charts import percent
from web.filters import long_date, long_datetime

DESCRIPTIONS = {
    "master_log": "Every step taken on every job plan and case, person by person, for checking who did what "
                  "and when.",
    "master_log_summary": "One line per practitioner: their latest plan, when it was last approved and whether "
                          "that was within the last 12 months.",
    "compliance": "How many staff have a job plan approved in the last 12 months, by care group, team and staff "
                  "group, against the target of more than 90%.",
    "compliance_trend": "The share of staff with a plan approved in the 12 months before, at the end of each "
                        "of the last 12 months.",
    "quarterly_completion": "For each quarter of the financial year, how many plans were approved and how many "
                            "staff were up to date at the quarter's end.",
    "audit_sample": "The plans drawn at random for this year's audit of one in ten agreed plans.",
    "consistency": "Whether each agreed plan's split between direct clinical care, supporting activities and "
                   "other work is within 5% of the split agreed for the role and band.",
    "risks": "Risks raised about job planning, scored by likelihood and impact; those scoring 12 or more go "
             "to the Medical Directorate.",
    "capacity": "Each team's planned time in whole-time equivalents, by category, and who has no plan.",
    "stage_times": "How long cases stay in each stage of each process, and how many are in it now.",
}

# Columns holding a share (0 to 1), shown as a percentage.
PERCENT = {"share", "target", "dcc_ratio", "dcc_share", "spa_share", "other_share", "agreed_dcc", "agreed_spa",
           "agreed_other", "largest_deviation"}
# Columns that hold a code from a policy or the staff record, shown by its title.
CODED = {"staff_group", "workflow", "from_state", "to_state", "sign_off_state", "role", "activity", "status",
         "dimension", "detail"}


def titles(policies) -> dict[str, str]:
    """Every code the loaded policies name (workflows, states, steps, roles, staff groups), with its title.
    A code two policies title differently takes the newest policy's title."""
    out: dict[str, str] = {}
    for p in policies.all():
        for g in p.staff_groups:
            out[g] = _words(g)
        for role, spec in p.roles.items():
            out[role] = spec.title
        for wf in p.workflows.values():
            out[wf.name] = wf.title
            for st in wf.states:
                out[st.name] = st.title
            for t in wf.transitions:
                out[t.trigger] = t.title
    return out


ACRONYMS = {"ahp": "AHP", "sas": "SAS", "nhs": "NHS", "dcc": "DCC", "spa": "SPA", "pa": "PA", "pas": "PAs"}


def _words(code: str) -> str:
    """A code in words: "specialty_doctor" -> "Specialty doctor", "ahp" -> "AHP"."""
    words = [ACRONYMS.get(w, w) for w in code.replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def register(app) -> None:
    app.add_template_filter(_words, "code_words")


def cell(key: str, value, names: dict[str, str]) -> str:
    """One value as the page shows it."""
    if value is None or value == "":
        return "–"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if key in PERCENT and isinstance(value, (int, float)):
        return percent(value)
    if isinstance(value, datetime):
        return long_datetime(value)
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, str) and (key in CODED or re.fullmatch(r"[a-z][a-z0-9_]*", value)):
        if value in names:
            return names[value]
        if key in CODED and re.fullmatch(r"[a-z][a-z0-9_]*", value):
            return _words(value)
    return str(value)


def _sort_key(value):
    """Blanks last; numbers, dates and text each in their own order."""
    if value is None or value == "":
        return (2, 0, "")
    if isinstance(value, bool):
        return (0, 0, int(value))
    if isinstance(value, (int, float)):
        return (0, 0, value)
    if isinstance(value, datetime):
        return (0, 1, value.timestamp())
    if isinstance(value, date):
        return (0, 1, value.toordinal())
    return (1, 0, str(value).casefold())


def sort_rows(rows: list[dict], key: str | None, descending: bool) -> list[dict]:
    """The rows by one column, blanks last either way; stable, so equal values keep the report's order."""
    if not key:
        return rows
    filled = [r for r in rows if r.get(key) not in (None, "")]
    blank = [r for r in rows if r.get(key) in (None, "")]
    return sorted(filled, key=lambda r: _sort_key(r.get(key)), reverse=descending) + blank


def header_label(label: str) -> str:
    """Times are shown in the trust's time zone, whatever a download says."""
    return label.replace(" (UTC)", "")
