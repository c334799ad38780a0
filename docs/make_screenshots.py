"""Make the README's screenshots from the running app, not by hand: the plan page, the first page of the plan's
PDF and the dashboard, as PNG files in docs/screenshots/.

    .venv/bin/python docs/make_screenshots.py

It serves the demo trust from a throw-away SQLite database on a free port (``jobplan serve --demo``), signs in
with demo accounts in Chromium (``JOBPLAN_CHROMIUM``, default /usr/bin/chromium), and renders the PDF's first
page with ``pdftoppm`` (Debian's poppler-utils). Nothing leaves the machine."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("JOBPLAN_CHROMIUM", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the app did not answer at {url} within {seconds:.0f} s")


def email_of(db: Path, staff_number: str) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT email FROM person WHERE staff_number = ?", (staff_number,)).fetchone()[0]


def plan_of(db: Path, staff_number: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT job_plan.id FROM job_plan JOIN person ON person.id = job_plan.person_id "
                            "WHERE person.staff_number = ? ORDER BY job_plan.id DESC", (staff_number,)).fetchone()[0]


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", "demo")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(lambda url: "/login" not in url)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.db"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "JOBPLAN_MAIL_DIR": str(Path(tmp) / "mail"),
               "JOBPLAN_BASE_URL": base}
        server = subprocess.Popen([str(Path(sys.executable).parent / "jobplan"), "serve", "--demo", "--port",
                                   str(port)], cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for(f"{base}/healthz")
            doctor, lead = email_of(db, "2001"), email_of(db, "1003")
            plan_id = plan_of(db, "2001")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update"])
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                sign_in(page, base, doctor)
                page.goto(f"{base}/plans/{plan_id}")
                page.screenshot(path=str(OUT / "plan-page.png"), full_page=True)
                pdf = page.request.get(f"{base}/plans/{plan_id}/pdf")
                assert pdf.ok and pdf.body().startswith(b"%PDF-"), pdf.status
                (Path(tmp) / "plan.pdf").write_bytes(pdf.body())
                context.close()
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                sign_in(page, base, lead)
                page.goto(f"{base}/dashboard")
                page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
                browser.close()
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                            str(Path(tmp) / "plan.pdf"), str(OUT / "plan-pdf-page-1")], check=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name in ("plan-page.png", "plan-pdf-page-1.png", "dashboard.png"):
        print(OUT / name)


if __name__ == "__main__":
    main()
