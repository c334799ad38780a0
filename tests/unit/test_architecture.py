"""Issue 14: the layers hold (import-linter's contracts in pyproject.toml: workflow/ never imports the web, the
API and the pages never import each other, no import circles, workflow/ in layers) and ruff finds nothing."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    return str(found) if found.exists() else shutil.which(name) or name


def test_the_import_contracts_hold_issue_14():
    r = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "4 kept, 0 broken" in r.stdout


def test_ruff_finds_nothing_issue_14():
    r = subprocess.run([_tool("ruff"), "check", "--no-cache", "workflow", "web", "tests", "bench", "docs"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
