"""Issue 18 item 9: no internal jargon on any page. Every page each demo role can reach (each kind of page once,
as tests/e2e/test_layout.py crawls them), read as the browser shows it, has no raw code (``second_level_review``,
``specialty_doctor``), no seed file name or hash, no ``None``/``True``/``False``, no share written as a fraction
(0.20 where 20% is meant), and dates in the one format of the pages (1 March 2027), never 2027-03-01."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest

from tests.e2e.test_layout import ROLES, SKIP, _pattern, _visitor

pytestmark = pytest.mark.browser

CHECKS = {
    "a raw code": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
    "a seed file name": re.compile(r"\b\d{3}_[0-9a-f]{8,}(?:\.txt)?\b"),
    "a hash": re.compile(r"\b[0-9a-f]{32,}\b"),
    # Python's None, True or False where a value belongs ("None agreed" is English)
    "None, True or False": re.compile(r"\b(?:None|True|False)\b(?! [a-z])"),
    # a share written as a fraction in a sentence ("a share of 0.2"); tables are checked column by column
    "a fraction for a percentage": re.compile(r"\b(?:share|target|ratio|split|deviation)\b[^.\n\t]{0,20}?(?<![\d.])0\.\d+\b",
                                              re.IGNORECASE),
    "Python's list text": re.compile(r"\[\]|\['|\[\d+(?:, \d+)*\]|\w+\.\w+\(\d*\)"),
    # a clause is "Policy 7.5", not the source document's number ("002 7.5")
    "a source document's number": re.compile(r"\(\s*00\d\b|\b00\d,? (?:section |clause )?\d"),
    "a date not written out": re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
}


SHARE_COLUMN = re.compile(r"share|%|ratio|target|deviation|percent", re.IGNORECASE)
FRACTION = re.compile(r"^(?:0?\.\d+|1\.0+)$")
TABLES = """() => [...document.querySelectorAll("main table")].map(t => ({
  heads: [...t.querySelectorAll("thead th")].map(th => th.innerText.trim()),
  rows: [...t.querySelectorAll("tbody tr")].map(tr => [...tr.children].map(td => td.innerText.trim()))}))"""


def fractions_in_tables(tables) -> list[tuple[str, str]]:
    """A cell under a share's heading (Share, DCC %, Target, ratio) written as a fraction: 0.2, not 20%."""
    out = []
    for t in tables:
        for row in t["rows"]:
            for head, cell in zip(t["heads"], row):
                if SHARE_COLUMN.search(head) and FRACTION.match(cell):
                    out.append(("a fraction for a percentage", f"{head}: {cell}"))
    return out


def _kind(path: str) -> str:
    """A page once, whichever column its table is sorted by."""
    return _pattern(re.sub(r"[?&](?:sort|dir)=[^&]*", "", path))


def jargon(text: str) -> list[tuple[str, str]]:
    """Each check that fails on ``text``, with the words around the first match."""
    out = []
    for name, rx in CHECKS.items():
        if m := rx.search(text):
            out.append((name, text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ⏎ ")))
    return out


def test_item_9_the_checks_catch_what_the_issue_names():
    assert [n for n, _ in jargon("Stage: second_level_review")] == ["a raw code"]
    assert [n for n, _ in jargon("Band None")] == ["None, True or False"]
    assert [n for n, _ in jargon("Other nhs work False")] == ["None, True or False"]
    assert [n for n, _ in jargon("a share of 0.20")] == ["a fraction for a percentage"]
    assert fractions_in_tables([{"heads": ["Team", "DCC %", "WTE"], "rows": [["Adult", "0.75", "0.75"]]}]) == [
        ("a fraction for a percentage", "DCC %: 0.75")]
    assert fractions_in_tables([{"heads": ["Share"], "rows": [["75%"]]}]) == []
    assert [n for n, _ in jargon("from 002_bfbf4f63a3f89374.txt")] == ["a seed file name"]
    assert [n for n, _ in jargon("sha256 " + "ab12" * 16)] == ["a hash"]
    assert [n for n, _ in jargon("Agreed 2027-03-01")] == ["a date not written out"]
    assert [n for n, _ in jargon("both sign again (002 7.5).")] == ["a source document's number"]
    assert [n for n, _ in jargon("linked activities: ['Outpatient clinic']")] == ["Python's list text"]
    assert [n for n, _ in jargon("Drawn with random.Random(1) over plan ids [3, 4]")] == ["Python's list text"]
    assert jargon("0.5 PA of SPA; 1.25 WTE; share 20%; agreed 1 March 2027; None agreed; jane.doe@example.org") == []


def test_item_9_no_page_of_any_role_shows_codes_hashes_none_or_fractions(browser, live_server, passwords, trust,
                                                                        dispute, svc):
    from tests.conftest import actor
    from workflow.service.reports import audit

    sample = audit.draw_audit_sample(svc, actor(trust.directorate), 2026, seed=1)  # a page only a form reaches
    svc.session.commit()
    found, visited, seen = [], 0, set()
    for role in ROLES:
        v = _visitor(browser, live_server, f"jargon-{role}", 1280)
        v.sign_in(getattr(trust, role))
        queue, here = ["/", f"/reports/audit_sample?sample_id={sample.id}"], set()
        while queue:
            path = queue.pop(0)
            if path in here or (_kind(path) in seen and path != "/"):
                continue
            here.add(path)
            response = v.page.goto(path)
            visited += 1
            if response.status != 200:
                continue  # refused to this role: another role may read it
            seen.add(_kind(path))
            text = v.page.inner_text("main") if v.page.locator("main").count() else v.page.inner_text("body")
            for name, context in jargon(text) + fractions_in_tables(v.page.evaluate(TABLES)):
                found.append(f"{role} {path}: {name}: …{context}…")
            for href in v.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                url = urlparse(urljoin(live_server + path, href))
                if url.netloc == urlparse(live_server).netloc and not SKIP.search(url.path):
                    queue.append(url.path + (f"?{url.query}" if url.query else ""))
        v.close()
    assert visited > 30
    assert found == [], "\n".join(found)
