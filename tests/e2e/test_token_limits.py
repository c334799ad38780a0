"""Issue 13 item 2: a token's role limit applies to every permission answer, not only to roles on a case:
the team, the team plans, the panel sittings, the reports and the trust-wide audit log."""
from __future__ import annotations

import pytest

from workflow.actors import Actor
from workflow.errors import PermissionDenied
from workflow.rules.panel import panel_sittings
from workflow.service.plans import create_team_plan


def test_a_token_limited_to_practitioner_does_not_read_the_managers_team_issue_13_2(client, auth, trust):
    assert client.get("/api/v1/team", headers=auth(trust.manager)).get_json() != []
    limited = client.get("/api/v1/team", headers=auth(trust.manager, ["practitioner"]))
    assert limited.status_code == 200 and limited.get_json() == []


def test_a_token_limited_to_practitioner_does_not_plan_a_team_issue_13_2(svc, trust):
    for person in (trust.manager, trust.directorate, trust.amd):
        with pytest.raises(PermissionDenied):
            create_team_plan(svc, Actor.person(person.id, only_roles=["practitioner"]), trust.team.id, {},
                             policy_id="cpft-medical-2017")
    assert create_team_plan(svc, Actor.person(trust.directorate.id, only_roles=["medical_directorate"]),
                            trust.team.id, {}, policy_id="cpft-medical-2017").kind == "team"


def test_a_token_limited_to_practitioner_does_not_read_the_panel_sittings_issue_13_2(svc, trust):
    with pytest.raises(PermissionDenied):
        panel_sittings(svc, Actor.person(trust.md.id, only_roles=["practitioner"]))
    assert panel_sittings(svc, Actor.person(trust.md.id, only_roles=["medical_director"])) is not None


def test_a_token_limited_to_practitioner_reads_neither_reports_nor_the_trust_log_issue_13_2(client, auth, trust,
                                                                                              sign_off):
    h = auth(trust.md, ["practitioner"])
    assert client.get("/api/v1/reports/compliance", headers=h).status_code == 403
    assert client.get("/api/v1/audit/events", headers=h).get_json()["items"] == []
    assert client.get("/api/v1/audit/events", headers=auth(trust.md)).get_json()["items"] != []
