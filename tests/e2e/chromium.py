"""Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
The test setup installs it with apt-get when it is missing and we are root, as .ci/run does."""
from __future__ import annotations

import os
import shutil
import subprocess

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-quic", "--no-first-run", "--disable-sync"]


def ensure() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-liberation"], check=True, env=env)
        return CHROMIUM
    raise RuntimeError("the browser tests need Debian's Chromium at /usr/bin/chromium: "
                       "run `sudo apt-get install chromium` once")
