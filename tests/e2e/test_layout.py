"""Issue 18 item 8: every page each role can reach fits a phone (375 px) and a desktop (1280 px) with no
sideways scroll, and no page asks another host for anything (Playwright intercepts every request);
the design system's scripts start (header menu, error-summary focus); there is a favicon."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest

from tests.e2e.browser import Visitor

pytestmark = pytest.mark.browser

ROLES = ("doctor", "manager", "amd", "md", "ceo", "directorate", "chair", "hr")
SKIP = re.compile(r"^/(api|static|assets|healthz|favicon)|\.[a-z]+$|/pdf$")  # not pages: API, files, downloads


def _pattern(path: str) -> str:
    """One visit per kind of page: /cases/12 and /cases/13 are the same page, and so are the plan
    editor's sections other than the weekly schedule (its widest)."""
    return re.sub(r"/edit/(?!schedule)[a-z_]+", "/edit/SECTION", re.sub(r"\d+", "N", path))


def _visitor(browser, base, name, width):
    v = Visitor.__new__(Visitor)
    v.context = browser.new_context(base_url=base, viewport={"width": width, "height": 900},
                                    is_mobile=width < 500, has_touch=width < 500)
    v.page, v.name, v.shots = v.context.new_page(), name, 0
    v.page.set_default_timeout(15000)
    return v


def _block_other_hosts(v, base) -> list[str]:
    """Every request to another host is recorded and refused."""
    host = urlparse(base).netloc
    foreign: list[str] = []

    def route(r):
        if urlparse(r.request.url).netloc == host:
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()
    v.context.route("**/*", route)
    return foreign


CUT_OFF = """(width) => {
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= width + 1) continue;
    let box = el.parentElement;
    while (box && box !== document.body && !["auto", "scroll"].includes(getComputedStyle(box).overflowX)) {
      box = box.parentElement;  // <html> scrolls (overflow-y: scroll makes its overflow-x auto): that is the page
    }
    if (box === document.body) box = null;
    if (!box) out.push(el.tagName.toLowerCase() + (el.classList.length ? "." + el.classList[0] : ""));
  }
  return [...new Set(out)].slice(0, 5);
}"""


def _overflow(page) -> int:
    """Against the width asked for: a phone-sized Chromium widens its layout to fit a too-wide page,
    so window.innerWidth grows with the overflow and would hide it."""
    return page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]


def _too_wide(page) -> list[str]:
    """What makes the page scroll sideways, or sticks out past its edge and is cut off (the stylesheet
    clips some overflow, so the page's scroll width alone misses a table cut in half)."""
    return (["the page"] if _overflow(page) > 0 else []) + page.evaluate(CUT_OFF, page.viewport_size["width"])


def test_item_8_no_page_of_any_role_scrolls_sideways_or_calls_another_host(browser, live_server, passwords,
                                                                            trust, dispute):
    too_wide, statuses, foreign, visited, seen = [], [], [], 0, set()
    for role in ROLES:
        v = _visitor(browser, live_server, f"fit-{role}", 375)
        foreign_here = _block_other_hosts(v, live_server)
        v.sign_in(getattr(trust, role))
        queue, here = ["/"], set()  # each role's inbox and header; beyond, each kind of page once
        while queue:
            path = queue.pop(0)
            if path in here or (_pattern(path) in seen and path != "/"):
                continue
            here.add(path)
            seen.add(_pattern(path))
            response = v.page.goto(path)
            visited += 1
            if response.status != 200:
                statuses.append((role, path, response.status))
                continue
            v.page.wait_for_load_state("load")
            if v.page.locator(".app-diagram").count():
                v.page.wait_for_selector(".app-diagram:not(.app-diagram--drawing) svg", state="attached")
            for width in (375, 1280):
                v.page.set_viewport_size({"width": width, "height": 900})
                if extra := _too_wide(v.page):
                    too_wide.append((role, path, width, extra))
                    v.shot(f"too-wide-{width}")
            v.page.set_viewport_size({"width": 375, "height": 900})
            for href in v.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                url = urlparse(urljoin(live_server + path, href))
                if url.netloc == urlparse(live_server).netloc and not SKIP.search(url.path):
                    queue.append(url.path + (f"?{url.query}" if url.query else ""))
        foreign += [(role, url) for url in foreign_here]
        v.close()
    assert statuses == []
    assert foreign == []
    assert visited > 30  # the crawl reached the pages, not just the inboxes
    assert too_wide == []


def test_item_8_the_header_menu_starts_and_gathers_the_overflowing_links_at_375(browser, live_server, passwords,
                                                                               trust):
    v = _visitor(browser, live_server, "header-menu", 375).sign_in(trust.directorate)
    v.page.goto("/")
    assert v.page.get_attribute(".nhsuk-header", "data-nhsuk-header-init") is not None
    more = v.page.locator(".nhsuk-header__menu-toggle")
    assert more.is_visible()
    more.click()
    assert v.page.locator(".nhsuk-header__menu-list .nhsuk-header__navigation-item").count() >= 1
    assert v.page.locator(".nhsuk-header__menu-list").is_visible()
    assert _too_wide(v.page) == []
    v.shot("menu-open")
    v.close()


def test_item_8_a_refused_form_moves_focus_to_the_error_summary(browser, live_server, passwords, trust, sign_off):
    v = Visitor(browser, live_server, "focus").sign_in(trust.doctor)
    v.page.goto(f"/cases/{sign_off.case.id}/do/record_failure_to_agree")
    v.page.click("form#main-form button.nhsuk-button")
    v.page.wait_for_selector(".nhsuk-error-summary")
    # A function, not an expression: Playwright evaluates an expression with eval, which the page's CSP refuses.
    v.page.wait_for_function("() => document.activeElement.classList.contains('nhsuk-error-summary')")
    v.close()


def test_item_8_the_pages_carry_a_favicon_the_app_serves(app, trust, passwords):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    icons = re.findall(r'<link rel="(?:icon|apple-touch-icon|mask-icon)" href="([^"]+)"', html)
    assert "/assets/images/favicon.ico" in icons and "/assets/images/favicon.svg" in icons
    for href in icons + ["/favicon.ico", "/assets/manifest.json"]:
        r = client.get(href)
        assert r.status_code == 200 and r.data, href
        r.close()
