"""Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
The test setup installs it with apt-get when it is missing and we are root, as .ci/run does;
anywhere else the error says how to get it, how to use another Chromium, or how to skip these tests."""
from __future__ import annotations

import os
import shutil
import subprocess

CHROMIUM = os.environ.get("JOBPLAN_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-quic", "--no-first-run", "--disable-sync"]

HOW_TO_GET_IT = (
    "The browser tests need a Chromium at {path}, and it could not be installed automatically{why}.\n"
    "Get one of these, then run the tests again:\n"
    "  - Debian or Ubuntu: sudo apt-get install chromium fonts-liberation\n"
    "  - any other Chromium or Chrome already installed: JOBPLAN_CHROMIUM=/path/to/chromium python -m pytest\n"
    "  - where downloads are allowed: .venv/bin/playwright install chromium, then set JOBPLAN_CHROMIUM to the\n"
    "    chrome it prints (under ~/.cache/ms-playwright/)\n"
    "Or leave the browser tests out: python -m pytest -m 'not browser'")


def ensure() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    why = ""
    if CHROMIUM == "/usr/bin/chromium" and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-liberation"], check=True, env=env)
            return CHROMIUM
        except subprocess.CalledProcessError as exc:
            why = f" (apt-get failed: {exc})"
    elif os.geteuid() != 0:
        why = " (installing it needs root)"
    raise RuntimeError(HOW_TO_GET_IT.format(path=CHROMIUM, why=why))
