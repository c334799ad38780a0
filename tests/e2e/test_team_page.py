"""The team page (issue 18 item 12): a new starter's start date is shown (002 7.4.3)."""
from __future__ import annotations

from datetime import date

from tests.e2e.test_sign_in import login, with_password


def test_7_4_3_the_team_page_shows_a_new_starters_start_date(app, svc, trust):
    trust.colleague.start_date = date(2027, 2, 20)
    svc.session.commit()
    client = app.test_client()
    assert login(client, trust.manager.email, with_password(svc, trust.manager)).status_code == 302
    html = client.get("/team").get_data(as_text=True)
    row = html.split(trust.colleague.name, 1)[1].split("</td>", 1)[0]
    assert "Starts 20 February 2027" in row
