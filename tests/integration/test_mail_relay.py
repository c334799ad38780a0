"""The mail relay against a real SMTP server on loopback (aiosmtpd): content, the .ics invitation, the
daily digest, and the server down for a while then back: every message delivered once, none lost."""
from __future__ import annotations

import email
import email.policy
import socket
from collections import Counter
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests.conftest import actor
from tests.factories import practitioners
from workflow.delivery.mail import MailSettings, drain, read_mail_folder
from workflow.store.models import Case, OutboxMessage, Person

UTC = timezone.utc


class Collector:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: dict[str, str] = {}  # subject fragment -> SMTP reply

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        for fragment, reply in self.refuse.items():
            if fragment in msg["Subject"]:
                return reply
        self.messages.append(msg)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    handler = Collector()
    port = _free_port()
    servers = []

    def start():  # a stopped Controller cannot start again: a new one on the same port
        servers.append(Controller(handler, hostname="127.0.0.1", port=port))
        servers[-1].start()

    handler.port, handler.start, handler.stop = port, start, lambda: servers[-1].stop()
    start()
    yield handler
    if servers[-1].loop.is_running():
        servers[-1].stop()


def _settings(port, tmp_path=None):
    return MailSettings(mail_from="job-planning@trust.example.nhs.uk", smtp_host="127.0.0.1", smtp_port=port,
                        timeout=5)


def _pending(svc):
    return svc.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))


def _referred(svc, trust, clock, doctor=None):
    """A disagreement referred to the Medical Director (queues mail to the MD and the manager)."""
    doctor = doctor or trust.doctor
    plan = svc.create_job_plan(actor(trust.manager), doctor.id, {"schedule": []})
    case = svc.start_case(actor(trust.manager), "sign_off", doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": clock.now().date().isoformat()})
    child_id = svc.fire(actor(doctor), case.id, "record_failure_to_agree",
                        {"points_not_agreed": "on-call"}).started_case_ids[0]
    svc.fire(actor(doctor), child_id, "raise_formal_disagreement", {
        "nature": "n", "reasons": "r", "evidence_summary": "e", "consequences": "c", "proposed_solution": "p"})
    return svc.session.get(Case, child_id)


def test_reminder_email_says_case_due_date_who_waits_next_step_and_links_in_text_and_html_002_7_8_4(
        svc, trust, clock, smtp):
    trust.doctor.name = "Dr <b>Practitioner</b> & Co"
    svc.session.commit()
    case = _referred(svc, trust, clock)
    drain(svc.session, clock, _settings(smtp.port))
    smtp.messages.clear()
    clock.set(datetime(2027, 3, 23, 0, 0, tzinfo=UTC))
    svc.sweep()  # 7 days before the 4-week mediation deadline
    report = drain(svc.session, clock, _settings(smtp.port))
    assert len(report.sent) == 1 and report.error is None
    [msg] = smtp.messages
    assert msg["To"] == trust.md.email and msg["Subject"] == (
        "Reminder: schedule the mediation meeting for Dr <b>Practitioner</b> & Co by 29 March 2027 (7 days left)")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert f"Case: {case.id}: Disagreement and mediation for Dr <b>Practitioner</b> & Co" in text
    assert "due by the end of Monday 29 March 2027 (7 days left)" in text
    assert "Who waits on whom: Dr <b>Practitioner</b> & Co waits on Medical Director (Medical Director)" in text
    assert "What to do next: Convene a meeting" in text
    assert f"Open the case: https://jobplans.example.nhs.uk/cases/{case.id}" in text
    assert "Dr &lt;b&gt;Practitioner&lt;/b&gt; &amp; Co" in html and "<b>Practitioner</b>" not in html
    assert f'<a href="https://jobplans.example.nhs.uk/cases/{case.id}">' in html
    assert msg["Message-ID"].strip().startswith("<outbox-")


def test_mediation_meeting_invitation_carries_an_ics_request_for_the_meeting_time_002_7_8_4(svc, trust, clock, smtp):
    case = _referred(svc, trust, clock)
    svc.fire(actor(trust.md), case.id, "schedule_mediation",
             {"meeting_at": "2027-03-15T14:30:00+00:00", "location": "Room 3"})
    drain(svc.session, clock, _settings(smtp.port))
    invites = [m for m in smtp.messages if list(m.iter_attachments())]
    assert sorted(m["To"] for m in invites) == sorted([trust.doctor.email, trust.manager.email])
    for m in invites:
        assert "Date and time of the meeting: Monday 15 March 2027 at 14:30 (GMT)" in m.get_body(("plain",)).get_content()
        [att] = [p for p in m.iter_attachments()]
        assert att.get_content_type() == "text/calendar" and att.get_filename() == "mediation-meeting.ics"
        assert att.get_param("method") == "REQUEST"
        cal = icalendar.Calendar.from_ical(att.get_content())
        [ev] = cal.walk("VEVENT")
        assert cal["METHOD"] == "REQUEST"
        assert ev.decoded("DTSTART") == datetime(2027, 3, 15, 14, 30, tzinfo=UTC)
        assert str(ev["UID"]).startswith(f"case-{case.id}-meeting_at@")
        attendees = {str(a).lower() for a in ev.get("ATTENDEE")}
        assert f"mailto:{trust.doctor.email}" in attendees


def test_server_down_for_a_while_then_back_delivers_every_message_exactly_once(svc, trust, clock, smtp):
    _referred(svc, trust, clock)
    clock.set(datetime(2027, 3, 23, 0, 0, tzinfo=UTC))
    svc.sweep()
    total = _pending(svc)
    assert total >= 4
    smtp.stop()
    start = clock.now()
    report = drain(svc.session, clock, _settings(smtp.port))
    assert report.sent == [] and len(report.deferred) == total and report.error
    rows = svc.session.scalars(select(OutboxMessage)).all()
    assert all(m.status == "pending" and m.attempts == 1 for m in rows)
    assert {m.next_attempt_at for m in rows} == {start + timedelta(seconds=30)}
    clock.advance(seconds=10)
    assert drain(svc.session, clock, _settings(smtp.port)).deferred == []  # not due again yet
    clock.advance(seconds=25)
    report = drain(svc.session, clock, _settings(smtp.port))  # still down: the wait doubles
    assert len(report.deferred) == total
    svc.session.expire_all()
    assert {m.next_attempt_at - clock.now() for m in svc.session.scalars(select(OutboxMessage))} == {timedelta(minutes=1)}
    smtp.start()  # back
    clock.advance(minutes=1)
    report = drain(svc.session, clock, _settings(smtp.port))
    assert len(report.sent) == total
    clock.advance(minutes=5)
    assert drain(svc.session, clock, _settings(smtp.port)).sent == []
    keys = Counter(m["X-Jobplan-Key"] for m in smtp.messages)
    assert len(keys) == total and set(keys.values()) == {1}
    svc.session.expire_all()
    assert all(m.status == "sent" and m.attempts == 3 for m in svc.session.scalars(select(OutboxMessage)))


def test_a_try_later_reply_defers_and_a_refusal_marks_failed_without_losing_the_others(svc, trust, clock, smtp):
    _referred(svc, trust, clock)
    total = _pending(svc)
    smtp.refuse = {"Schedule the mediation meeting": "451 4.3.0 try again later"}
    report = drain(svc.session, clock, _settings(smtp.port))
    assert report.deferred and report.error and "451" in report.error
    smtp.refuse = {"Schedule the mediation meeting": "550 5.1.1 no such mailbox"}
    clock.advance(minutes=5)
    report = drain(svc.session, clock, _settings(smtp.port))
    svc.session.expire_all()
    failed = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")).all()
    assert failed and all("550" in m.last_error for m in failed)
    sent = svc.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent"))
    assert sent + len(failed) == total and len(smtp.messages) == sent
    assert len({m["X-Jobplan-Key"] for m in smtp.messages}) == sent


def test_a_person_who_chose_the_daily_digest_gets_one_message_a_day(svc, trust, clock, smtp):
    md = svc.session.get(Person, trust.md.id)
    md.wants_digest = True
    svc.session.commit()
    clock.set(datetime(2027, 3, 22, 8, 0, tzinfo=UTC))  # after Monday's 07:00 digest
    _referred(svc, trust, clock)
    clock.advance(hours=2)
    _referred(svc, trust, clock, doctor=trust.colleague)
    clock.set(datetime(2027, 3, 23, 6, 59, tzinfo=UTC))  # before Tuesday's 07:00: the MD's messages wait
    drain(svc.session, clock, _settings(smtp.port))
    assert not [m for m in smtp.messages if m["To"] == trust.md.email]
    assert [m for m in smtp.messages if m["To"] == trust.manager.email]  # others are not held
    held = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == trust.md.id)).all()
    assert len(held) == 2 and all(m.status == "pending" for m in held)
    clock.set(datetime(2027, 3, 23, 7, 0, tzinfo=UTC))
    report = drain(svc.session, clock, _settings(smtp.port))
    assert len(report.digests) == 1
    [digest] = [m for m in smtp.messages if m["To"] == trust.md.email]
    assert digest["Subject"] == f"[Job planning] Your daily digest for 23 March 2027: {len(held)} messages"
    text = digest.get_body(("plain",)).get_content()
    assert all(m.subject in text for m in held)
    clock.advance(hours=3)
    assert drain(svc.session, clock, _settings(smtp.port)).digests == []  # one a day
    svc.session.expire_all()
    assert {m.status for m in svc.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient_id == trust.md.id, OutboxMessage.dedupe_key.not_like("digest:%")))} == {"digested"}


def test_the_daily_digest_goes_out_at_seven_in_the_trust_calendars_zone_not_london(svc, trust, clock, smtp):
    """The digest hour is local time in the trust's zone (JOBPLAN_TIMEZONE via MailSettings.timezone): 07:00 in
    New York is 11:00 UTC in March (EDT), when London's 07:00 (06:00 UTC, GMT) has long passed."""
    md = svc.session.get(Person, trust.md.id)
    md.wants_digest = True
    svc.session.commit()
    clock.set(datetime(2027, 3, 22, 12, 0, tzinfo=UTC))  # after Monday's 07:00 in New York
    _referred(svc, trust, clock)
    settings = MailSettings(mail_from="job-planning@trust.example.nhs.uk", smtp_host="127.0.0.1", smtp_port=smtp.port,
                            timezone="America/New_York")
    clock.set(datetime(2027, 3, 23, 10, 59, tzinfo=UTC))  # 06:59 in New York: still held
    assert drain(svc.session, clock, settings).digests == []
    clock.set(datetime(2027, 3, 23, 11, 0, tzinfo=UTC))   # 07:00 in New York
    assert len(drain(svc.session, clock, settings).digests) == 1


def test_mail_settings_take_the_trust_zone_from_config():
    config = {"JOBPLAN_MAIL_FROM": "jp@example.org", "JOBPLAN_TIMEZONE": "Pacific/Auckland"}
    assert MailSettings.from_config(config).timezone == "Pacific/Auckland"


def test_embedded_default_writes_each_message_once_as_an_eml_file(svc, trust, clock, tmp_path):
    _referred(svc, trust, clock)
    total = _pending(svc)
    folder = tmp_path / "outbox-files"
    settings = MailSettings(mail_from="job-planning@localhost", mail_dir=str(folder))
    assert len(drain(svc.session, clock, settings).sent) == total
    assert drain(svc.session, clock, settings).sent == []
    files = sorted(folder.glob("*.eml"))
    assert len(files) == total
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None
    # The web pages read them back (one person's, for the embedded default's mail page).
    mine = read_mail_folder(str(folder), to=trust.md.email)
    assert [m.subject for m in mine] == ["Schedule the mediation meeting for Dr Practitioner by 29 March 2027"]
    assert "Open the case: https://jobplans.example.nhs.uk/cases/2" in mine[0].text and mine[0].html


def _ics(msg):
    [att] = list(msg.iter_attachments())
    assert att.get_content_type() == "text/calendar"
    [ev] = icalendar.Calendar.from_ical(att.get_content()).walk("VEVENT")
    return ev


def test_job_planning_meeting_invitation_in_summer_time_carries_an_ics_002_7_5(svc, trust, clock, smtp):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "schedule_meeting", {"meeting_at": "2027-06-10T10:00:00+01:00"})
    drain(svc.session, clock, _settings(smtp.port))
    [invite] = [m for m in smtp.messages if m["To"] == trust.doctor.email]
    assert invite["Subject"] == "Your job planning meeting: Thursday 10 June 2027 at 10:00 (BST)"
    assert "Thursday 10 June 2027 at 10:00 (BST)" in invite.get_body(("plain",)).get_content()
    ev = _ics(invite)
    assert ev.decoded("DTSTART") == datetime(2027, 6, 10, 9, 0, tzinfo=UTC)
    assert str(ev["ORGANIZER"]).lower() == f"mailto:{trust.manager.email}"
    assert str(ev["SUMMARY"]) == "Your job planning meeting"


def test_appeal_hearing_invitation_goes_to_the_appellant_manager_and_panel_002_7_8_8(svc, trust, clock, smtp):
    from tests.integration.test_deadline_changes import _appeal_window

    appeal, _ = _appeal_window(svc, trust, clock, datetime(2027, 5, 3, 9, 0, tzinfo=UTC))
    svc.fire(actor(trust.doctor), appeal.id, "lodge_appeal", {"points_in_dispute": "p", "reasons": "r"})
    svc.fire(actor(trust.ceo), appeal.id, "nominate_chair", {"person": trust.chair.id})
    drain(svc.session, clock, _settings(smtp.port))
    smtp.messages.clear()
    svc.fire(actor(trust.ceo), appeal.id, "schedule_hearing", {"hearing_at": "2027-05-20T13:00:00+01:00",
                                                                "location": "Board room"})
    drain(svc.session, clock, _settings(smtp.port))
    assert {m["To"] for m in smtp.messages} == {trust.doctor.email, trust.manager.email, trust.chair.email}
    uids = {str(_ics(m)["UID"]) for m in smtp.messages}
    assert uids == {f"case-{appeal.id}-hearing_at@jobplans.example.nhs.uk"}


def test_four_relay_processes_at_once_deliver_every_message_exactly_once(svc, trust, clock, smtp, database_url,
                                                                         tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    for doctor in practitioners(svc.session, trust, 6):
        _referred(svc, trust, clock, doctor=doctor)
    clock.set(datetime(2027, 3, 23, 0, 0, tzinfo=UTC))
    svc.sweep()
    total = _pending(svc)
    assert total >= 30
    svc.session.commit()
    svc.session.close()
    env = {**os.environ, "DATABASE_URL": database_url, "JOBPLAN_SMTP_HOST": "127.0.0.1",
           "JOBPLAN_SMTP_PORT": str(smtp.port), "JOBPLAN_MAIL_FROM": "job-planning@trust.example.nhs.uk"}
    jobplan = Path(sys.executable).with_name("jobplan")
    procs = [subprocess.Popen([str(jobplan), "mail", "--now", "2027-03-23T09:00"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    sent = 0
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        sent += int(out.split("mail: ", 1)[1].split(" sent")[0])
    assert sent == total
    keys = Counter(m["X-Jobplan-Key"] for m in smtp.messages)
    assert len(keys) == total and set(keys.values()) == {1}
    svc.session.expire_all()
    assert _pending(svc) == 0
