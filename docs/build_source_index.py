"""Rebuilds workflow/policy/source_clauses.json, the index of each source document's clause numbers and
section headings, from the seeds (`python docs/build_source_index.py [SEEDS_DIR]`, default ../shared/seeds).

The seeds live outside the repository, so the index is committed as data: `jobplan policy check` reads it
to refuse a clause reference that is not in the source (workflow/policy/clause_refs.py), and
tests/unit/test_source_index.py rebuilds it when the seeds are present to prove it still matches them.

What counts as a clause:
- a number at the start of a line, in a heading or a list item: ``7.8.10 ...``, ``- 2.1. ...``, ``## 10. ...``
  (a bare number needs its dot, ``1.``, so a table cell such as ``360 Audit`` is not one);
- a numbered item indented under a numbered paragraph is that paragraph's sub-clause (001 26's nine
  sections are 26.1-26.9); a lettered heading under a numbered one is its part (000 ``a.`` under 2 is 2a);
- every heading (``#`` lines, and short stand-alone labels such as 004's "Example sign off hierarchy"),
  cited by name: "Stage 3", "Managers check-list".
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "workflow" / "policy" / "source_clauses.json"
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"

_NUMBER = re.compile(r"^(\s*)(?:[#*\-]+\s*)*(\d+(?:\.\d+)+|\d+(?=\.))\.?(?=[\s*]|$)")
_LETTER = re.compile(r"^#+\s*(?:\*\*)?([a-z])\.\s")
_LABEL = re.compile(r"^[A-Z][A-Za-z0-9 ,/&()'’:-]{2,60}$")


def heading_text(line: str) -> str:
    """A heading as the index keeps it: no markdown, lower case, single spaces."""
    text = re.sub(r"[#*]", " ", line)
    return " ".join(text.split()).strip(" .:").lower()


def index_of(text: str) -> dict[str, list[str]]:
    numbers: list[str] = []
    headings: list[str] = []
    parent = None
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _NUMBER.match(line)
        if m:
            indent, number = m.group(1), m.group(2)
            if indent and "." not in number and parent:
                number = f"{parent}.{number}"
            elif not indent:
                parent = number
            numbers.append(number)
        letter = _LETTER.match(line)
        if letter and parent:
            numbers.append(f"{parent.split('.')[0]}{letter.group(1)}")
        if line.lstrip().startswith("#") or (_LABEL.match(line.strip()) and not line.strip().endswith(".")):
            h = heading_text(line)
            if h:
                headings.append(h)
    return {"numbers": sorted(set(numbers), key=_order), "headings": sorted(set(headings))}


def _order(number: str):
    return [int(p) if p.isdigit() else p for p in re.findall(r"\d+|[a-z]", number)]


def build(seeds: Path) -> dict[str, dict[str, list[str]]]:
    return {p.name: index_of(p.read_text(encoding="utf-8")) for p in sorted(seeds.glob("0*.txt"))}


def render(index: dict) -> str:
    return json.dumps(index, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    seeds = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SEEDS
    OUT.write_text(render(build(seeds)), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} from {seeds}")
