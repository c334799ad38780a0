"""Emails a person can act on (issue 18, items 3, 14, 15): the subject says what the reader must do and by
when; the body carries the decision, the last day to appeal and the letter (a PDF also kept on the case), the
allocated panel member and the last day to object, and a hearing invitation with the place entered and a
title from the reader's side. Messages are built with the SMTP policy, so long headers fold."""
from __future__ import annotations

import base64
import subprocess

import icalendar
from sqlalchemy import select

from tests.conftest import actor
from tests.factories import complete_plan
from tests.integration.scenario import fire
from tests.integration.test_policy_cpft_medical import at, heard_and_recommended, lodged, meeting_held, to_decision
from workflow.delivery.mail import build_message
from workflow.store.models import Case, Deadline, Document, OutboxMessage, Person
from workflow.timing.wording import format_due


def _mail(svc, person, trigger_case=None):
    q = select(OutboxMessage).where(OutboxMessage.recipient_id == person.id).order_by(OutboxMessage.id)
    if trigger_case is not None:
        q = q.where(OutboxMessage.case_id == trigger_case)
    return svc.session.scalars(q).all()


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


def _short(policy_day: str) -> str:
    """"Monday 29 March 2027" -> "29 March 2027"."""
    return policy_day.split(" ", 1)[1]


def test_7_5_the_practitioner_is_asked_to_sign_your_job_plan_by_the_last_day(svc, trust, clock):
    plan, case_id = meeting_held(svc, trust, day="2027-03-01")
    due = svc.session.scalar(select(Deadline).where(Deadline.case_id == case_id, Deadline.name == "sign_off"))
    [msg] = _mail(svc, trust.doctor, case_id)
    last_day = _short(format_due(svc.policies.latest("cpft-medical-2017"), due.due_at))
    assert msg.subject == f"Sign your job plan by {last_day}" == "Sign your job plan by 29 March 2027"
    assert msg.body_text.startswith("Sign your job plan by 29 March 2027\n")
    assert f"Record the job planning meeting: recorded by {trust.manager.name}" in msg.body_text


def test_7_5_the_reminder_says_what_to_do_by_when_and_how_long_is_left(svc, trust, clock):
    from datetime import datetime, timezone

    plan, case_id = meeting_held(svc, trust, day="2027-03-01")
    svc.sweep(datetime(2027, 3, 23, 0, 0, tzinfo=timezone.utc))  # 7 days before the end of 29 March
    [msg] = [m for m in _mail(svc, trust.doctor, case_id) if m.subject.startswith("Reminder")]
    assert msg.subject == "Reminder: sign your job plan by 29 March 2027 (7 days left)"
    assert "Rule: Policy 7.5." in msg.body_text and ".txt" not in msg.body_text


def test_7_8_5_decision_email_carries_the_decision_the_last_day_to_appeal_and_the_letter(svc, trust, clock,
                                                                                         tmp_path):
    _, _, dis, appeal = to_decision(svc, trust, clock)
    window = svc.session.scalar(select(Deadline).where(Deadline.case_id == appeal, Deadline.name == "lodge_appeal"))
    last_day = _short(format_due(svc.policies.latest("cpft-medical-2017"), window.due_at))
    [msg] = [m for m in _mail(svc, trust.doctor, dis) if "Decision" in m.subject]
    assert msg.subject == f"Decision on your job plan: appeal by {last_day} if you disagree"
    assert "The decision: The manager's plan stands." in msg.body_text
    assert f"the last day to appeal is {last_day} (Policy 7.8.8)" in msg.body_text
    [att] = msg.attachments
    assert att["content_type"] == "application/pdf" and att["filename"].endswith(".pdf")
    text = _pdf_text(base64.b64decode(att["content_base64"]), tmp_path)
    assert "The manager's plan stands." in text and last_day in text and "Test Trust" in text
    assert "Dr Practitioner" in text and "Page 1 of 1" in text
    # The same letter is kept on the case, and the manager's copy carries it too.
    [doc] = svc.session.scalars(select(Document).where(Document.case_id == dis)).all()
    assert doc.content == base64.b64decode(att["content_base64"]) and doc.filename == att["filename"]
    [to_manager] = [m for m in _mail(svc, trust.manager, dis) if "decision" in m.subject]
    assert to_manager.subject == "The Medical Director's decision on Dr Practitioner's job plan"
    assert to_manager.attachments[0]["filename"] == doc.filename


def test_7_8_12_allocation_email_names_the_member_and_the_last_day_to_object(svc, trust, clock):
    _, _, _, appeal = lodged(svc, trust, clock)
    fire(svc, trust.ceo, appeal, "allocate_list_member")
    panel_meets = svc.session.scalar(select(Deadline).where(Deadline.case_id == appeal, Deadline.name == "panel_meets"))
    last_day = _short(format_due(svc.policies.latest("cpft-medical-2017"), panel_meets.due_at))
    [msg] = [m for m in _mail(svc, trust.doctor, appeal) if "allocated" in m.subject]
    member = svc.session.get(Person, svc.session.get(Case, appeal).data["list_member"])
    assert msg.subject == f"Panel member allocated: {member.name}. Object by {last_day} if you need to"
    assert "Appeal panel member from the approved list: " in msg.body_text
    assert f"The last day to object is {last_day}, before the panel meets." in msg.body_text


def test_7_8_8_hearing_invitation_has_the_place_and_a_title_from_the_readers_side(svc, trust, clock):
    _, _, _, appeal = lodged(svc, trust, clock)
    svc.fire(actor(trust.ceo), appeal, "schedule_hearing", {"hearing_at": "2027-04-08T13:00:00+01:00",
                                                           "location": "Board room, Voreda House"})
    [to_doctor] = [m for m in _mail(svc, trust.doctor, appeal) if m.attachments]
    [to_manager] = [m for m in _mail(svc, trust.manager, appeal) if m.attachments]
    assert to_doctor.subject == "Your appeal hearing: Thursday 8 April 2027 at 13:00 (BST)"
    assert to_manager.subject == "Appeal hearing for Dr Practitioner: Thursday 8 April 2027 at 13:00 (BST)"
    for msg, title in ((to_doctor, "Your appeal hearing"), (to_manager, "Appeal hearing for Dr Practitioner")):
        [att] = msg.attachments
        assert att["filename"] == "appeal-hearing.ics"
        [ev] = icalendar.Calendar.from_ical(att["content"]).walk("VEVENT")
        assert str(ev["SUMMARY"]) == title and str(ev["LOCATION"]) == "Board room, Voreda House"
        assert "Where: Board room, Voreda House" in msg.body_text
        for text in (str(ev["DESCRIPTION"]), msg.body_text):
            assert ".txt" not in text and "002_" not in text and "Policy 7.8.8" in str(ev["DESCRIPTION"])


def test_7_8_9_board_decision_letter_is_kept_on_the_appeal_and_attached_to_the_parties_email(svc, trust, clock,
                                                                                            tmp_path):
    _, _, _, appeal = heard_and_recommended(svc, trust, clock, "uphold_appeal")
    fire(svc, trust.ceo, appeal, "record_board_decision",
         {"board_decision": "uphold_appeal", "summary": "The practitioner's plan", "plan_version": 2})
    [msg] = [m for m in _mail(svc, trust.doctor, appeal) if m.subject.startswith("The board's decision")]
    assert msg.subject == "The board's decision on your job plan appeal: Uphold appeal"
    docs = svc.session.scalars(select(Document).where(Document.case_id == appeal)).all()
    [doc] = docs
    assert doc.content_type == "application/pdf" and msg.attachments[0]["filename"] == doc.filename
    text = _pdf_text(doc.content, tmp_path)
    assert "the trust board's decision" in text and "Uphold appeal" in text and "version 2" in text


def test_appendix_1_the_additional_pas_letter_goes_with_the_agreed_plan(svc, trust, clock, tmp_path):
    at(clock, 2027, 2, 25)
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan(11, 2.5, additional_pas=[
        {"pas": 1, "reason": "Waiting list initiative", "start": "2027-04-01", "end": "2028-03-31",
         "agreed_by_amd": True, "agreed_by": "AMD Mental Health"}]))
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    for who, trigger, payload in ((trust.manager, "record_meeting", {"meeting_date": "2027-02-25"}),
                                  (trust.doctor, "sign", {}), (trust.manager, "sign", {}),
                                  (trust.amd, "approve_second_level", {}),
                                  (trust.directorate, "accept_governance_check", {})):
        svc.fire(actor(who), case.id, trigger, payload)
    [msg] = [m for m in _mail(svc, trust.doctor, case.id) if m.attachments]
    [doc] = svc.session.scalars(select(Document).where(Document.case_id == case.id)).all()
    assert msg.attachments[0]["filename"] == doc.filename == f"additional-pas-letter-jp-pa-{plan.id}-1-1.pdf"
    text = _pdf_text(doc.content, tmp_path)
    assert "Fixed Term Contract for Additional Programmed Activities" in text
    assert "1 April 2027 to 31 March 2028" in text and "Waiting list initiative" in text


def test_messages_use_the_smtp_policy_so_long_subjects_fold_with_crlf(svc, trust, clock):
    _, _, dis, _ = to_decision(svc, trust, clock)
    msg = next(m for m in _mail(svc, trust.manager, dis) if m.attachments)
    em = build_message(msg, "job-planning@trust.example.nhs.uk")
    raw = em.as_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert all(len(line) <= 78 for line in head if not line.startswith(b"Message-ID"))
    [pdf] = [p for p in em.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_content().startswith(b"%PDF-")
