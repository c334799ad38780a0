"""What changed between two plans' contents, in the editor's words (issue 18 item 6): sections by their titles,
rows numbered from 1 as the editor numbers them, fields by their labels, values as people write them.

Rows are matched as a reader would match them (``difflib`` over whole rows): a row removed from the middle is
one removal, not a change to every row after it. Pure: content in, changes out."""
from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import SequenceMatcher

from workflow.content.categories import SECTION_TITLES, SECTIONS, field_label

ORDER = ("post",) + SECTIONS + ("justifications",)
TITLES = {**SECTION_TITLES, "justifications": "Why a section is left empty"}
# The fields that name a row, in the order they are tried, for "row 3 removed (Monday 09:00–13:00, Clinic)".
NAMING = ("activity", "text", "item", "organisation", "rota", "reason")


@dataclass(frozen=True)
class Change:
    section: str   # the section's title
    where: str     # "row 7 › Location", "row 3", "Contracted PAs", or "" for the whole section
    change: str    # Added, Removed, Changed
    before: str
    after: str

    @property
    def place(self) -> str:
        return " › ".join(p for p in (self.section, self.where) if p)


def shown(value) -> str:
    """A stored value as people read it."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "; ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {shown(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    return str(value)


def row_name(section: str, row: dict) -> str:
    """A short name for a row: the schedule's day and times, else the field that names it, with its category."""
    if section == "schedule" and {"day", "start", "end"} <= row.keys():
        head = f"{row['day']} {row['start']}–{row['end']}"
        what = row.get("activity")
        return f"{head}, {what} ({row.get('category')})" if what else head
    name = next((str(row[k]) for k in NAMING if row.get(k)), None)
    return name or shown(row)


def changes(old: dict, new: dict) -> list[Change]:
    out: list[Change] = []
    for section in ORDER:
        a, b = (old or {}).get(section), (new or {}).get(section)
        if a == b or (not a and not b):
            continue
        title = TITLES.get(section, field_label(section))
        if isinstance(a or b, list) and all(isinstance(r, dict) for r in (a or []) + (b or [])):
            out += _rows(title, section, a or [], b or [])
        elif isinstance(a or b, list):
            out += _lines(title, a or [], b or [])
        elif isinstance(a or b, dict):
            out += _fields(title, "", a or {}, b or {}, section)
        else:
            out.append(Change(title, "", "Changed" if a and b else ("Added" if b else "Removed"), shown(a), shown(b)))
    return out


def _key(row) -> str:
    return json.dumps(row, sort_keys=True)


def _rows(title: str, section: str, a: list[dict], b: list[dict]) -> list[Change]:
    out = []
    matcher = SequenceMatcher(a=[_key(r) for r in a], b=[_key(r) for r in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):  # a row changed in place: field by field
            old_no, new_no = i1 + k + 1, j1 + k + 1
            where = f"row {new_no}" + (f" (row {old_no} before)" if old_no != new_no else "")
            out += _fields(title, where, a[i1 + k], b[j1 + k], section)
        for k in range(i1 + paired, i2):
            out.append(Change(title, f"row {k + 1}", "Removed", row_name(section, a[k]), "–"))
        for k in range(j1 + paired, j2):
            out.append(Change(title, f"row {k + 1}", "Added", "–", row_name(section, b[k])))
    return out


def _lines(title: str, a: list, b: list) -> list[Change]:
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            out += [Change(title, f"line {j1 + k + 1}", "Changed", shown(a[i1 + k]), shown(b[j1 + k]))
                    for k in range(i2 - i1)]
            continue
        out += [Change(title, f"line {k + 1}", "Removed", shown(a[k]), "–") for k in range(i1, i2)]
        out += [Change(title, f"line {k + 1}", "Added", "–", shown(b[k])) for k in range(j1, j2)]
    return out


def _fields(title: str, where: str, a: dict, b: dict, section: str) -> list[Change]:
    out = []
    for name in list(a) + [k for k in b if k not in a]:
        before, after = a.get(name), b.get(name)
        if before == after or (before in (None, "", [], {}) and after in (None, "", [], {})):
            continue
        label = TITLES.get(name, field_label(name)) if section == "justifications" else field_label(name)
        place = " › ".join(p for p in (where, label) if p)
        kind = "Changed" if before not in (None, "", []) and after not in (None, "", []) else (
            "Added" if after not in (None, "", []) else "Removed")
        out.append(Change(title, place, kind, shown(before), shown(after)))
    return out
