"""The board's decision form (002 7.8.9, issue 16 item 13): the panel's recommendation beside the choice, and
"vary the plan" taking the varied plan, refused in the error-summary pattern when it is not a plan."""
from __future__ import annotations

import json
import re

from tests.e2e.test_sign_in import login, with_password
from tests.integration.scenario import plan_content, state
from tests.integration.test_policy_cpft_medical import heard_and_recommended


def signed_in(client, svc, person):
    assert login(client, person.email, with_password(svc, person)).status_code == 302
    return client


def form_token(client, url):
    from flask import g

    g.pop("csrf_token", None)  # the app fixture keeps one app context across requests (tests/e2e/test_sign_in.py)
    html = client.get(url).get_data(as_text=True)
    return html, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_board_form_shows_the_panels_recommendation_beside_the_choice_002_7_8_9(client, svc, trust, clock):
    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "vary_plan")
    svc.session.commit()
    signed_in(client, svc, trust.ceo)
    html, _ = form_token(client, f"/cases/{appeal}/do/record_board_decision")
    box = html[html.index('id="panel-recommendation"'):]
    box = box[:box.index("</div>")]
    assert "The panel&#39;s recommendation" in box or "The panel's recommendation" in box
    assert "Recommendation: Vary plan" in box and "The recommendation in full: ..." in box
    assert html.index('id="panel-recommendation"') < html.index('name="board_decision"')  # beside the choice


def test_board_form_is_not_open_to_the_practitioner_002_7_8_9(app, svc, trust, clock):
    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "vary_plan")
    svc.session.commit()
    doctor = signed_in(app.test_client(), svc, trust.doctor)
    r = doctor.get(f"/cases/{appeal}/do/record_board_decision")
    assert r.status_code == 302 and "panel-recommendation" not in r.get_data(as_text=True)
    _, token = form_token(doctor, "/account/preferences")
    r = doctor.post(f"/cases/{appeal}/do/record_board_decision",
                    data={"csrf_token": token, "board_decision": "uphold_appeal", "summary": "mine", "plan_version": "2"})
    assert r.status_code == 302
    svc.session.rollback()
    assert state(svc, appeal) == "recommended"


def test_board_vary_form_takes_the_varied_plan_as_json_002_7_8_9(client, svc, trust, clock):
    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "vary_plan")
    svc.session.commit()
    signed_in(client, svc, trust.ceo)
    url = f"/cases/{appeal}/do/record_board_decision"
    html, token = form_token(client, url)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    data = {"csrf_token": token, "version": version, "board_decision": "vary_plan", "summary": "2.0 SPA",
            "plan_version": "1", "varied_plan": "{not json"}
    r = client.post(url, data=data)
    assert r.status_code == 422 and "must be the plan as JSON" in r.get_data(as_text=True)
    svc.session.rollback()
    assert state(svc, appeal) == "recommended"
    r = client.post(url, data={**data, "varied_plan": json.dumps(plan_content(spa=2.0))})
    assert r.status_code == 302
    svc.session.rollback()
    assert state(svc, appeal) == "concluded" and state(svc, sign_off) == "agreed"
