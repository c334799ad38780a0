"""A real browser against the real app: the app served on loopback by werkzeug in a thread, driven by
Playwright through Debian's Chromium. Screenshots go to test-artifacts/screenshots/, and every page a
test visits can be checked with axe-core (from the npm registry, installed by `jobplan assets --dev`)."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from web.assets import AXE
from workflow.service.passwords import hash_password

from .chromium import LAUNCH_ARGS, ensure

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=ensure(), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def passwords(svc, trust):
    """Every person in the test trust can sign in with PASSWORD."""
    from sqlalchemy import select

    from workflow.store.models import Person

    digest = hash_password(PASSWORD)
    for p in svc.session.scalars(select(Person)):
        p.password_hash = digest
    svc.session.commit()
    return PASSWORD


# Runs before any page script (Playwright injects it outside the page's CSP) and records every refusal.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
    {directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber,
     sample: e.sample}));
"""


class Visitor:
    """One person's browser session."""

    def __init__(self, browser, base: str, name: str):
        self.context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.name = name
        self.shots = 0
        self.page.set_default_timeout(15000)
        self.csp_violations: list[dict] = []
        self.context.add_init_script(CSP_LISTENER)
        self.page.on("console", self._console)

    def _console(self, message):
        """Chromium reports each Content-Security-Policy refusal as a console error."""
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append({"url": self.page.url, "console": message.text})

    def csp_reports(self) -> list[dict]:
        """The securitypolicyviolation events the current page has seen (what was refused, by which rule)."""
        return self.page.evaluate("window.__cspViolations || []")

    def sign_in(self, person):
        page = self.page
        page.goto("/login")
        page.fill("#email", person.email)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(lambda url: "/login" not in url)
        return self

    def shot(self, label: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-{label}.png"), full_page=True)

    def axe(self) -> list[dict]:
        """Serious and critical WCAG 2.x A/AA violations on the current page."""
        if not AXE.is_file():
            raise RuntimeError("axe-core is not installed: run `jobplan assets --dev` (npm, once)")
        # Loaded from this site's origin (the Content-Security-Policy refuses inline script, the test's included);
        # Playwright answers that one URL with the test-only file from node_modules: the app never serves it.
        self.page.route("**/__test__/axe.min.js", lambda route: route.fulfill(path=str(AXE),
                                                                              content_type="text/javascript"))
        self.page.add_script_tag(url="/__test__/axe.min.js")
        result = self.page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})")
        return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                 "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"] if v["impact"] in ("serious", "critical")]

    def close(self):
        self.context.close()


def describe(violations) -> str:
    return json.dumps(violations, indent=1)
