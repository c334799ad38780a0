"""HTTP fixtures: a test client, API tokens per person, and cases at known points of their workflows."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import actor
from tests.factories import complete_plan
from workflow.service import signin


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(svc):
    """``auth(person, roles=None)`` → headers with a fresh API token for that person."""
    def make(person, roles=None):
        issued = signin.create_token(svc, person.id, f"test {person.name}", roles)
        return {"Authorization": f"Bearer {issued.secret}"}
    return make


@pytest.fixture
def sign_off(svc, trust):
    """Dr Practitioner's plan and sign-off case, meeting recorded: awaiting both signatures (002 7.5)."""
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-02-25"})
    return SimpleNamespace(plan=plan, case=case)


@pytest.fixture
def dispute(svc, trust, sign_off):
    """The dispute carried to an appeal with its chair nominated (002 7.8.3-7.8.10)."""
    r = svc.fire(actor(trust.doctor), sign_off.case.id, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    disagreement = r.started_case_ids[0]
    svc.fire(actor(trust.doctor), disagreement, "raise_formal_disagreement", {
        "nature": "SPA cut", "reasons": "revalidation", "evidence_summary": "diary", "consequences": "no CPD",
        "proposed_solution": "keep 1.5 SPA"})
    svc.fire(actor(trust.md), disagreement, "hold_mediation_meeting", {"held_on": "2027-03-01"})
    r = svc.fire(actor(trust.md), disagreement, "record_decision", {"decision": "0.5 SPA moves to DCC"})
    appeal = r.started_case_ids[0]
    svc.fire(actor(trust.doctor), appeal, "lodge_appeal", {"points_in_dispute": "SPA", "reasons": "7.2.1"})
    svc.fire(actor(trust.ceo), appeal, "nominate_chair", {"person": trust.chair.id})
    return SimpleNamespace(sign_off=sign_off.case.id, disagreement=disagreement, appeal=appeal, plan=sign_off.plan)


def etag_of(client, headers, case_id):
    r = client.get(f"/api/v1/cases/{case_id}", headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.headers["ETag"]


def multipart(content: bytes, filename: str, content_type: str, field: str = "file") -> dict:
    """A multipart body built in memory (the test client spools big bodies to a file it never closes)."""
    boundary = "----jobplan-test-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n").encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
