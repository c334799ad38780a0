"""Issue 14 items 1 and 8, read from the source: no code outside ``JobPlanning`` calls its private methods
(composition goes through its public operations), and a job plan's version is written in one place."""
from __future__ import annotations

import ast
from pathlib import Path

from workflow.service.core import JobPlanning

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("workflow", "web") for p in (ROOT / d).rglob("*.py")]
PRIVATE = {name for name in vars(JobPlanning) if name.startswith("_") and not name.startswith("__")}


def test_no_code_outside_jobplanning_calls_its_private_methods_issue_14_item_1():
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in PRIVATE
                    and not (isinstance(node.value, ast.Name) and node.value.id == "self")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}")
    assert found == []


def test_a_plan_version_is_made_in_one_place_issue_14_item_8():
    makers = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "JobPlanVersion":
                makers.append(str(path.relative_to(ROOT)))
    assert makers == ["workflow/store/plan_versions.py"]
