"""Evidence documents in the service layer: checksummed, never overwritten, named only on their own dispute."""
from __future__ import annotations

import hashlib

import pytest

from tests.conftest import actor
from workflow.errors import InvalidPayload, NotFound
from workflow.service.documents import attach_document, check_payload_documents


def _case(svc, trust, person, manager):
    plan = svc.create_job_plan(actor(manager), person.id, {})
    return svc.start_case(actor(manager), "sign_off", person.id, job_plan_id=plan.id)


def test_a_document_is_never_overwritten_002_7_8_3(svc, trust):
    case = _case(svc, trust, trust.doctor, trust.manager)
    doc = attach_document(svc, actor(trust.doctor), case.id, "diary.txt", "text/plain", b"week 1")
    assert doc.sha256 == hashlib.sha256(b"week 1").hexdigest()
    doc.content = b"forged"
    with pytest.raises(RuntimeError, match="never overwritten"):
        svc.session.commit()
    svc.session.rollback()


def test_a_document_of_another_case_cannot_be_named_as_evidence(svc, trust):
    mine = _case(svc, trust, trust.doctor, trust.manager)
    other = _case(svc, trust, trust.outsider, trust.other_manager)
    theirs = attach_document(svc, actor(trust.outsider), other.id, "a.txt", "text/plain", b"x")
    ours = attach_document(svc, actor(trust.doctor), mine.id, "b.txt", "text/plain", b"y")
    spec = svc.policy_of(mine).workflow("disagreement").transition("raise_formal_disagreement", "failure_recorded")
    check_payload_documents(svc.session, mine, spec, {"evidence": [ours.id]})
    with pytest.raises(InvalidPayload):
        check_payload_documents(svc.session, mine, spec, {"evidence": [theirs.id]})


def test_outsiders_cannot_attach_or_learn_the_case_exists(svc, trust):
    case = _case(svc, trust, trust.doctor, trust.manager)
    with pytest.raises(NotFound):
        attach_document(svc, actor(trust.outsider), case.id, "a.txt", "text/plain", b"x")
