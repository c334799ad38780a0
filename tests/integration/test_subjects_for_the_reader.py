"""Issue 18 item 14: every subject says what its reader must do and by when, from the reader's side, and never
names a case number or a code. The deadline changes (002 7.8.3, 7.8.4), the reminders and escalations of the
sweep (002 7.5), and every step of every shipped policy, to every person it tells, are checked here."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.conftest import actor
from tests.integration.test_deadline_changes import _appeal_window, _disagreement, _refer
from tests.integration.test_sweep_basics import _meeting
from workflow.delivery import notifications, reader
import workflow.rules  # noqa: F401  (the vocabulary a policy is checked against)
from workflow.policy.loader import load_policy_file
from workflow.service import deadlines as deadline_service
from workflow.store.models import OutboxMessage, Person

UTC = timezone.utc
POLICIES = sorted((Path(__file__).resolve().parents[2] / "policies").rglob("*.yaml"))
JARGON = re.compile(r"\bcase \d+|\b[a-z]+_[a-z_]+\b|\bNone\b", re.IGNORECASE)


def _subjects(svc, person, like):
    return svc.session.scalars(select(OutboxMessage.subject).where(
        OutboxMessage.recipient_id == person.id, OutboxMessage.dedupe_key.like(like)).order_by(OutboxMessage.id)).all()


def test_7_8_3_an_extended_window_tells_the_practitioner_the_new_last_day_without_a_case_number(svc, trust, clock):
    child, d = _disagreement(svc, trust, clock, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    clock.set(datetime(2027, 3, 10, 12, 0, tzinfo=UTC))
    deadline_service.extend(svc, actor(trust.md), d.id, days=14, reason="Practitioner on annual leave")
    [subject] = _subjects(svc, trust.doctor, "event:%")[-1:]
    assert subject == "New last day: raise a formal disagreement about your job plan by 29 March 2027" or \
        (subject.startswith("New last day: ") and subject.endswith(" by 29 March 2027")), subject
    assert not JARGON.search(subject)


def test_7_8_4_a_resumed_mediation_clock_tells_the_parties_the_new_last_day(svc, trust, clock):
    child, _ = _disagreement(svc, trust, clock, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    meeting = _refer(svc, trust, child)
    deadline_service.pause(svc, actor(trust.md), meeting.id, reason="Waiting for rota")
    clock.set(datetime(2027, 3, 5, 9, 0, tzinfo=UTC))
    d = deadline_service.resume(svc, actor(trust.md), meeting.id, reason="Rota known")
    day = reader.short_day(svc.policies.latest("cpft-medical-2017"), d.due_at)
    [subject] = _subjects(svc, trust.doctor, "event:%")[-1:]
    # the meeting waits on the Medical Director: the practitioner has only the new day to note
    assert subject == f"For information: mediation meeting normally within 4 weeks of receipt of the referral on " \
                      f"your job plan now ends {day}", subject
    assert not JARGON.search(subject)


def test_7_8_8_an_extended_appeal_window_asks_the_practitioner_to_lodge_by_the_new_day(svc, trust, clock):
    appeal, d = _appeal_window(svc, trust, clock, datetime(2027, 5, 3, 9, 0, tzinfo=UTC))
    clock.set(datetime(2027, 5, 14, 9, 0, tzinfo=UTC))
    deadline_service.extend(svc, actor(trust.ceo), d.id, days=7, reason="Letter sent to the wrong address")
    [subject] = _subjects(svc, trust.doctor, "event:%")[-1:]
    assert subject.startswith("New last day: ") and subject.endswith(" by 24 May 2027"), subject
    assert subject == "New last day: lodge an appeal with the Chief Executive by 24 May 2027"
    assert not JARGON.search(subject) and str(appeal.id) not in subject


def test_7_5_the_overdue_escalation_says_what_is_late_to_the_parties_and_whose_plan_to_the_amd(svc, trust):
    case = _meeting(svc, trust)
    svc.sweep(datetime(2027, 3, 30, 0, 0, tzinfo=UTC))  # step 1 (7.5): the parties themselves
    [to_doctor] = [s for s in _subjects(svc, trust.doctor, "deadline:%") if s.startswith("Overdue")]
    assert to_doctor == "Overdue: sign your job plan (it was due by 29 March 2027)"
    svc.sweep(datetime(2027, 4, 7, 0, 0, tzinfo=UTC))  # step 2 (5.3): the Associate Medical Director
    [to_amd] = _subjects(svc, trust.amd, "deadline:%")
    assert to_amd.startswith("Overdue (due by 29 March 2027): see that the ") and \
        to_amd.endswith(f" on {trust.doctor.name}'s job plan"), to_amd
    assert not JARGON.search(to_amd) and str(case.id) not in to_amd


def _stub(policy, workflow, state, reader_person, subject_person, spec, due):
    """What ``notifications.subject_for`` reads from a step's context, for one reader: no database."""
    case = SimpleNamespace(id=4242, state=state, subject=subject_person, subject_id=subject_person.id)
    return SimpleNamespace(policy=policy, workflow=workflow, case=case, spec=spec, values={})


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_item_14_every_step_of_every_policy_gives_each_reader_a_subject_without_jargon(path):
    """Each step, each role it tells or its next stage waits on, as the practitioner and as someone else: the
    subject is what that reader must do by the clock's last day (when the stage waits on them and a clock
    runs), else an invitation or where the case now stands; never a case number or a code."""
    policy = load_policy_file(path)
    practitioner = Person(id=1, name="Dr Dev Ellis")
    other = Person(id=2, name="Sam Other")
    due = SimpleNamespace(due_at=datetime(2027, 12, 23, 23, 59, tzinfo=UTC))
    checked, problems = 0, []
    subject_role = policy.role_with_scope("subject")
    for wf in policy.workflows.values():
        for t in wf.transitions:
            if "system" in t.roles and not t.notify:
                continue
            dest = wf.state(t.dest)
            for role in dict.fromkeys((*t.notify, *dest.waiting_on)):
                person = practitioner if role == subject_role else other
                ctx = _stub(policy, wf, t.dest, person, practitioner, t, due)
                ask = reader.ask_for(ctx, person, {role}, [due])
                subject = notifications.subject_for(ctx, person, ask, [])
                checked += 1
                if JARGON.search(subject) or "4242" in subject:
                    problems.append(f"{wf.name}.{t.trigger} to {role}: {subject!r}")
                if ask is not None and not subject.endswith("by 23 December 2027"):
                    problems.append(f"{wf.name}.{t.trigger} to {role}: asked without its last day: {subject!r}")
    assert checked > 0 and problems == []
