"""Helpers shared by the policy scenario tests: drive a deadline through its reminders, breach and
escalation chain with the sweep, and read who was told."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import actor
from tests.factories import complete_plan
from workflow.content.schema import normalise_content
from workflow.timing import deadlines as dl
from workflow.store.models import Case, Deadline, OutboxMessage


def plan_content(spa: float, pas: float = 10) -> dict:
    """A complete plan (it passes the content rules) with ``spa`` of its ``pas`` PAs SPA, as stored."""
    return normalise_content(complete_plan(pas, spa))


def afc_plan_content(spa: float, pas: float = 10) -> dict:
    """A complete Agenda for Change plan: the medical one with a band, as 004's minimum standards ask."""
    raw = complete_plan(pas, spa)
    raw["post"] = {**raw["post"], "job_title": "Staff Nurse", "band": "Band 6", "specialty": "Adult mental health"}
    return normalise_content(raw)


def spa_of(content: dict) -> float:
    return sum(row["pas"] or 0 for row in content["schedule"] if row["category"] == "SPA")


def open_deadline(svc, case_id: int, name: str) -> Deadline:
    d = svc.session.scalar(select(Deadline).where(Deadline.case_id == case_id, Deadline.name == name,
                                                  Deadline.status == "open"))
    assert d is not None, f"no open deadline {name} on case {case_id}"
    return d


def recipients(svc, key_prefix: str) -> set[int]:
    return set(svc.session.scalars(select(OutboxMessage.recipient_id)
                                   .where(OutboxMessage.dedupe_key.like(f"{key_prefix}:%"))))


def sweep_deadline(svc, case_id: int, name: str) -> dict:
    """Sweep at each reminder time, at the due time and at each escalation step of one deadline; return
    who was reminded, whether it was breached or closed, and who was told at each escalation step."""
    d = open_deadline(svc, case_id, name)
    case = svc.session.get(Case, case_id)
    policy = svc.policy_of(case)
    spec = dl.spec_for(policy, case.workflow, d)
    did, due = d.id, d.due_at
    reports = [svc.sweep(t) for t in dl.reminder_times(spec, due) if t > svc.clock.now()]
    reports.append(svc.sweep(due))
    reports += [svc.sweep(t) for t in dl.escalation_times(spec, due)]
    out = {
        "due_at": due,
        "reminders": sorted(i for r in reports for (x, i) in r.reminders if x == did),
        "breached": any(did in r.breaches for r in reports),
        "expired": any(did in r.expiries for r in reports),
        "escalations": sorted(k for r in reports for (x, k) in r.escalations if x == did),
        "reminded": [recipients(svc, f"deadline:{did}:due:%:reminder:{i}") for i in range(len(spec.reminders))],
        "escalated_to": [recipients(svc, f"deadline:{did}:due:%:escalation:{k}") for k in range(len(spec.escalation))],
    }
    return out


def fire(svc, person, case_id, trigger, payload=None, **kw):
    return svc.fire(actor(person), case_id, trigger, payload, **kw)


def full_panel(svc, trust, appeal, practitioner=None):
    """Convene the appeal panel (002 7.8.10): the employer's chair, the practitioner's nominee, a list member."""
    fire(svc, trust.ceo, appeal, "nominate_chair", {"person": trust.chair.id})
    fire(svc, practitioner or trust.doctor, appeal, "nominate_panel_member", {"person": trust.nominee.id})
    fire(svc, trust.ceo, appeal, "allocate_list_member")


def state(svc, case_id) -> str:
    svc.session.expire_all()
    return svc.session.get(Case, case_id).state
