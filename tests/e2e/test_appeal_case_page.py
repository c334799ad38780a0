"""The appeal case page says where things stand (issue 18 item 10; 002 7.8.8-7.8.10): the panel's seats and
who fills them, who still has to name someone (the practitioner's own nomination included), the hearing's
date and place; a seat already filled is not offered again."""
from __future__ import annotations

from tests.conftest import actor
from tests.e2e.test_sign_in import login, with_password


def _page(app, svc, person, path):
    client = app.test_client()
    assert login(client, person.email, with_password(svc, person)).status_code == 302
    return client.get(path).get_data(as_text=True)


def test_7_8_10_the_appeal_page_shows_each_seat_who_fills_it_and_who_must_name_the_rest(app, svc, trust, dispute):
    html = _page(app, svc, trust.doctor, f"/cases/{dispute.appeal}")
    seats = html.split('id="panel-seats"', 1)[1].split("</dl>", 1)[0]
    assert "Appeal panel chair" in seats and trust.chair.name in seats
    assert ("Appeal panel member nominated by the practitioner</dt>\n<dd class=\"nhsuk-summary-list__value\">"
            "<strong>Not named yet</strong>: to be named by ") in seats
    assert f"({trust.doctor.name})" in seats  # the practitioner's own nomination is theirs to make
    assert "Nominate your panel member" in html


def test_7_8_10_a_seat_already_filled_is_not_offered_again(app, svc, trust, dispute):
    offered = [t.trigger for t in svc.available_triggers(actor(trust.ceo), dispute.appeal)]
    assert "nominate_chair" not in offered and "allocate_list_member" in offered
    html = _page(app, svc, trust.ceo, f"/cases/{dispute.appeal}")
    assert "Nominate the panel chair" not in html.split("What you can do now", 1)[1].split("</ul>", 1)[0]


def test_7_8_8_the_appeal_page_shows_the_hearing_date_and_place(app, svc, trust, dispute):
    svc.fire(actor(trust.ceo), dispute.appeal, "schedule_hearing",
             {"hearing_at": "2027-04-08T13:00:00+01:00", "location": "Board room, Voreda House"})
    svc.session.commit()
    html = _page(app, svc, trust.doctor, f"/cases/{dispute.appeal}")
    meetings = html.split('id="meetings"', 1)[1].split("</dl>", 1)[0]
    assert "Appeal hearing" in meetings and "8 April 2027" in meetings and "Board room, Voreda House" in meetings
