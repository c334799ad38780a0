"""Evidence documents in the service layer: checksummed, never overwritten, named only on their own dispute."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests.conftest import actor
from workflow.errors import InvalidPayload, NotFound
from workflow.store.models import Document, Event
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


def test_attaching_a_document_is_recorded_in_the_audit_log_002_7_8_3(svc, trust):
    case = _case(svc, trust, trust.doctor, trust.manager)
    doc = attach_document(svc, actor(trust.doctor), case.id, "diary.txt", "text/plain", b"week 1")
    last = svc.session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq.desc())).first()
    assert (last.kind, last.actor_id, last.actor_role) == ("document_attached", trust.doctor.id, "practitioner")
    assert last.payload == {"document_id": doc.id, "filename": "diary.txt", "content_type": "text/plain",
                            "size": 6, "sha256": hashlib.sha256(b"week 1").hexdigest()}
    assert (last.from_state, last.to_state) == (case.state, case.state)


def test_a_refused_attachment_leaves_no_document_and_no_event(svc, trust):
    case = _case(svc, trust, trust.doctor, trust.manager)
    before = len(svc.case_events(actor(trust.doctor), case.id))
    with pytest.raises(NotFound):
        attach_document(svc, actor(trust.outsider), case.id, "a.txt", "text/plain", b"x")
    assert len(svc.case_events(actor(trust.doctor), case.id)) == before
    assert svc.session.scalars(select(Document).where(Document.case_id == case.id)).all() == []
