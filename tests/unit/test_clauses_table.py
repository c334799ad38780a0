"""docs/clauses.md maps each clause to policy lines and tests; this keeps it true."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = (ROOT / "docs" / "clauses.md").read_text()
ROWS = [line for line in TABLE.splitlines() if line.startswith("| ") and not line.startswith("| clause")
        and not line.startswith("| ---")]
DEFINED = {m for f in (ROOT / "tests").rglob("test_*.py")
           for m in re.findall(r"^def (test_\w+)", f.read_text(), re.M)}


def test_every_policy_reference_points_at_the_line_holding_that_name():
    refs = re.findall(r"`([\w.-]+\.yaml):(\d+):(\w+)`", TABLE)
    assert len(refs) > 60
    for file, line, name in refs:
        text = (ROOT / "policies" / file).read_text().splitlines()[int(line) - 1]
        assert re.search(rf"\b{name}\b", text), f"{file}:{line} no longer holds {name!r}: {text.strip()!r}"


def test_every_named_test_exists():
    named = set(re.findall(r"`(test_\w+)`", TABLE))
    assert len(named) > 50
    assert named <= DEFINED, f"named in docs/clauses.md but not defined: {sorted(named - DEFINED)}"


def test_no_clause_of_002_7_5_and_7_8_to_7_9_is_missing():
    start, end = TABLE.index("## 002"), TABLE.index("## 001")
    clauses = " ".join(row.split("|")[1] for row in ROWS if start <= TABLE.index(row) < end)
    wanted = ["7.5 (1)", "7.5 (2)"] + [f"7.8.{n}" for n in range(1, 14)] + ["7.8.14–7.8.18"]
    missing = [c for c in wanted if not re.search(rf"(?<![\d.]){re.escape(c)}(?![\d])", clauses)]
    assert not missing, f"clauses missing from docs/clauses.md: {missing}"


def test_every_scenario_test_of_a_policy_is_in_the_table():
    """A scenario test nobody maps to a clause is either unneeded or a gap in the table."""
    named = set(re.findall(r"`(test_\w+)`", TABLE))
    scenario = {m for name in ("test_policy_cpft_medical.py", "test_policy_dental.py", "test_policy_non_medical.py")
                for m in re.findall(r"^def (test_\w+)", (ROOT / "tests" / "integration" / name).read_text(), re.M)}
    assert not scenario - named, f"scenario tests not in docs/clauses.md: {sorted(scenario - named)}"
