"""Issue 18 item 13: the dashboard draws the compliance trend by month, quarterly completion, the backlog by
stage and the time in each stage as SVG on the server, each an image named by its <title> and described by the
data table beside it; shares read as percentages; each report says what it is for; report tables sort on the
server by a link in the column header (no JavaScript), with aria-sort on the sorted column."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import actor
from tests.e2e.test_sign_in import login, with_password
from tests.factories import complete_plan
from web import charts, report_view


def _signed_in(client, svc, person):
    assert login(client, person.email, with_password(svc, person)).status_code == 302
    return client


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(html)
    return p.tags


def test_item_13_a_chart_is_an_image_named_by_its_title_and_described_by_its_table():
    svg = str(charts.bar_chart([("Awaiting both signatures", 3), ("Draft <meeting>", 0)], chart_id="c1",
                               title="Open cases & stages", table_id="t1"))
    [(tag, attrs), *_] = _tags(svg)
    assert tag == "svg" and attrs["role"] == "img" and attrs["aria-describedby"] == "t1"
    assert attrs["aria-labelledby"] == "c1-title"
    assert '<title id="c1-title">Open cases &amp; stages</title>' in svg
    assert "Draft &lt;meeting&gt;" in svg and "<meeting>" not in svg  # labels are escaped
    assert "style=" not in svg and "<script" not in svg  # the CSP refuses inline styles


def test_item_13_bars_are_in_proportion_and_a_target_colours_them_by_more_than():
    svg = str(charts.bar_chart([("A", 0.95), ("B", 0.9), ("C", None)], chart_id="c", title="t", table_id="t",
                               fmt=charts.percent, top=1.0, target=0.9))
    bars = re.findall(r'<rect x="0" y="[\d.]+" width="([\d.]+)" height="20" fill="(#[0-9a-f]+)"/>', svg)
    assert bars[1] == ("532.0", charts.GOOD)  # 95% of 560, above the target
    assert bars[3] == ("504.0", charts.SHORT)  # exactly 90% is not "more than 90%"
    assert float(bars[5][0]) == 0  # no figure: no bar, and a dash for its value
    assert ">95%<" in svg and ">90%<" in svg and ">–<" in svg


def test_item_13_columns_in_order_with_values_above_and_a_dashed_target_line():
    svg = str(charts.column_chart([("Q1", 2), ("Q2", 4)], chart_id="q", title="Quarters", table_id="tq"))
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights[1] == pytest.approx(2 * heights[0])
    assert svg.index(">Q1<") < svg.index(">Q2<")
    assert "stroke-dasharray" in str(charts.column_chart([("a", 0.5)], chart_id="x", title="t", table_id="y",
                                                         top=1, target=0.9))


def test_item_13_9_shares_show_as_percentages_and_codes_as_words():
    names = {"second_level_review": "Second-level sign-off"}
    assert report_view.cell("share", 0.2, names) == "20%"
    assert report_view.cell("dcc_share", 0.755, names) == "76%"
    assert report_view.cell("wte", 1.25, names) == "1.25"
    assert report_view.cell("to_state", "second_level_review", names) == "Second-level sign-off"
    assert report_view.cell("staff_group", "specialty_doctor", names) == "Specialty doctor"
    assert report_view.cell("staff_group", "ahp", names) == "AHP"
    assert report_view.cell("compliant", False, names) == "No"
    assert report_view.cell("agreed_at", None, names) == "–"
    from datetime import date
    assert report_view.cell("from", date(2027, 3, 1), names) == "1 March 2027"


def test_item_13_sorting_keeps_blanks_last_both_ways_and_is_stable():
    rows = [{"k": 2, "n": "a"}, {"k": None, "n": "b"}, {"k": 1, "n": "c"}, {"k": 2, "n": "d"}]
    assert [r["n"] for r in report_view.sort_rows(rows, "k", False)] == ["c", "a", "d", "b"]
    assert [r["n"] for r in report_view.sort_rows(rows, "k", True)] == ["a", "d", "c", "b"]
    assert report_view.sort_rows(rows, None, False) is rows


@pytest.fixture
def cases(svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id).id
    svc.fire(actor(trust.manager), case, "record_meeting", {"meeting_date": "2027-02-25"})
    svc.session.commit()
    return case


def test_item_13_the_dashboard_draws_four_charts_each_described_by_a_table_on_the_page(client, svc, trust, cases):
    html = _signed_in(client, svc, trust.directorate).get("/dashboard").get_data(as_text=True)
    tags = _tags(html)
    svgs = [a for t, a in tags if t == "svg" and a.get("class") == "app-chart"]
    table_ids = {a.get("id") for t, a in tags if t == "table"}
    assert {a["id"] for a in svgs} == {"chart-trend", "chart-quarters", "chart-backlog", "chart-stage-times"}
    for a in svgs:
        assert a["role"] == "img" and a["aria-describedby"] in table_ids, a["id"]
        assert f'<title id="{a["id"]}-title">' in html
    assert "Compliance by month" in html and "Quarterly completion" in html and "Backlog by stage" in html
    assert "0%" in html and not re.search(r">\s*0\.\d+\s*<", html)  # shares as percentages, never 0.20


def test_item_13_the_dashboard_refuses_a_practitioner(client, svc, trust, cases):
    assert _signed_in(client, svc, trust.doctor).get("/dashboard").status_code == 403


def test_item_13_every_report_says_what_it_is_for(client, svc, trust):
    from workflow.service.reports.catalogue import REPORTS

    assert set(report_view.DESCRIPTIONS) == set(REPORTS)
    html = _signed_in(client, svc, trust.directorate).get("/reports").get_data(as_text=True)
    for text in report_view.DESCRIPTIONS.values():
        assert text.replace("'", "&#39;") in html


def test_item_13_a_report_sorts_by_a_header_link_with_aria_sort_and_reverses(client, svc, trust, cases):
    _signed_in(client, svc, trust.directorate)
    html = client.get("/reports/compliance").get_data(as_text=True)
    assert "aria-sort" not in html
    assert 'href="/reports/compliance?sort=share&amp;dir=asc"' in html
    html = client.get("/reports/compliance?sort=group&dir=desc").get_data(as_text=True)
    assert re.search(r'<th scope="col" class="nhsuk-table__header" aria-sort="descending"><a class="app-sort" '
                     r'href="/reports/compliance\?sort=group&amp;dir=asc">Group', html)
    groups = re.findall(r'<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">[^<]*</td>'
                        r'<td class="nhsuk-table__cell">([^<]*)</td>', html)
    assert groups == sorted(groups, key=str.casefold, reverse=True) and len(groups) > 2
    assert client.get("/reports/compliance?sort=password_hash").status_code == 400
    assert client.get("/reports/compliance?sort=share&dir=sideways").status_code == 400
    assert client.get("/reports/master_log?sort=at").status_code == 400  # paged: in time order only
