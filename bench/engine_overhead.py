"""Engine overhead: ``svc.fire`` against the same rows written by plain SQL statements.

The transition is the sign-off's ``record_meeting`` (002 7.5): draft -> awaiting_signatures by the clinical
manager. Through the service it is: lock and load the case, check it is visible, check the trigger, the
state and the actor's role and scope, validate the payload, run the ``has_job_plan`` condition, change
the state, append the audit event, close the old state's deadlines and open the 28-day sign-off clock,
queue the email to the practitioner, commit.

The plain-SQL baseline writes the same rows in one write transaction on the same engine and connection
pool (``text()`` statements, values computed once up front): SELECT the case (FOR UPDATE on
PostgreSQL), UPDATE it, INSERT the event (its seq from a sub-select) RETURNING id, UPDATE the old
state's deadlines, INSERT the new deadline, INSERT the outbox row, COMMIT. It checks nothing; it is the
floor. The two run interleaved in small blocks on different cases of the same table, so a busy machine
slows both alike; the ratio of medians is the result."""
from __future__ import annotations

import cProfile
import io
import json
import pstats
import time

from sqlalchemy import event, select, text

from workflow.store.models import Case, Deadline, Event, OutboxMessage

from . import bulk
from .common import NOW, actor, fresh_engine, make_trust, service, summary, ts, write_conn

TRIGGER = "record_meeting"
PAYLOAD = {"meeting_date": "2027-02-25"}


def _plain_fire(eng, case_id: int, c: dict) -> None:
    d = eng.dialect.name
    lock = " FOR UPDATE" if d == "postgresql" else ""
    with write_conn(eng) as conn, conn.begin():
        row = conn.execute(text(f"SELECT state, version, data FROM workflow_case WHERE id = :id{lock}"),
                           {"id": case_id}).one()
        if row.state != "draft":
            raise RuntimeError(f"case {case_id} is at {row.state}")
        data = row.data if isinstance(row.data, dict) else json.loads(row.data or "{}")
        data.update(PAYLOAD)
        # next_due_at (issue 15): the floor knows the new clock's date, so it sets it here, with no statement more.
        conn.execute(text("UPDATE workflow_case SET state = :to, data = :data, updated_at = :now, "
                          "next_due_at = :due, version = version + 1 WHERE id = :id AND version = :v"),
                     {"to": "awaiting_signatures", "data": json.dumps(data), "now": c["now"], "id": case_id,
                      "due": c["due_at"],
                      "v": row.version})
        event_id = conn.execute(text(
            "INSERT INTO event (case_id, seq, at, kind, actor_id, actor_role, trigger, from_state, to_state, payload, "
            "reason) VALUES (:id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM event WHERE case_id = :id), :now, "
            "'transition', :actor, 'clinical_manager', :trigger, 'draft', 'awaiting_signatures', :payload, NULL) "
            "RETURNING id"),
            {"id": case_id, "now": c["now"], "actor": c["manager_id"], "trigger": TRIGGER,
             "payload": json.dumps(PAYLOAD)}).scalar_one()
        conn.execute(text("UPDATE deadline SET status = 'met', closed_at = :now, next_check_at = NULL "
                          "WHERE case_id = :id AND state = 'draft' AND status IN ('open', 'breached', 'paused')"),
                     {"now": c["now"], "id": case_id})
        conn.execute(text(
            "INSERT INTO deadline (case_id, name, state, kind, starts_at, due_at, status, next_check_at, "
            "reminders_sent, escalation_step, extensions) VALUES (:id, 'sign_off', 'awaiting_signatures', "
            "'organisation', :starts, :due, 'open', :next, 0, 0, 0)"),
            {"id": case_id, "starts": c["starts_at"], "due": c["due_at"], "next": c["next_check_at"]})
        conn.execute(text(
            "INSERT INTO outbox (dedupe_key, case_id, recipient_id, to_address, subject, body_text, body_html, "
            "attachments, created_at, status, attempts, next_attempt_at) VALUES (:key, :id, :to_id, :to, :subject, "
            ":body, :html, '[]', :now, 'pending', 0, :now)"),
            {"key": f"event:{event_id}:to:{c['doctor_id']}", "id": case_id, "to_id": c["doctor_id"],
             "to": c["doctor_email"], "subject": c["subject"].format(case_id=case_id),
             "body": c["body"].format(case_id=case_id), "html": c["html"].format(case_id=case_id), "now": c["now"]})


def _constants(svc, trust, sample_case_id: int) -> dict:
    """The values the plain path writes, taken from one case the service fired (so the rows match)."""
    s = svc.session
    dl = s.scalar(select(Deadline).where(Deadline.case_id == sample_case_id))
    msg = s.scalar(select(OutboxMessage).where(OutboxMessage.case_id == sample_case_id))
    d = s.get_bind().dialect.name
    return {"now": ts(NOW, d), "manager_id": trust.manager.id, "doctor_id": trust.doctor.id,
            "doctor_email": trust.doctor.email, "starts_at": ts(dl.starts_at, d), "due_at": ts(dl.due_at, d),
            "next_check_at": ts(dl.next_check_at, d),
            "subject": _template(msg.subject.replace("{", "{{").replace("}", "}}"), sample_case_id, "{case_id}"),
            "body": _template(msg.body_text.replace("{", "{{").replace("}", "}}"), sample_case_id, "{case_id}"),
            "html": _template(msg.body_html.replace("{", "{{").replace("}", "}}"), sample_case_id, "{case_id}")}


def _template(text: str, case_id: int, placeholder: str) -> str:
    """The places a message names its case (subject, headline, summary, link), with ``placeholder`` instead."""
    for pattern in ("Case: {}:", "<td>{}: ", "Case {}", "case {}", "/cases/{}"):
        text = text.replace(pattern.format(case_id), pattern.format(placeholder))
    return text


def _rows(s, case_id: int) -> dict:
    """What a fire left on one case, without ids: to check both paths wrote the same rows."""
    case = s.get(Case, case_id)
    ev = s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)).all()[-1]
    dls = s.scalars(select(Deadline).where(Deadline.case_id == case_id)).all()
    msgs = s.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)).all()
    return {
        "case": (case.state, case.data, case.version, case.updated_at, case.closed_at, case.next_due_at),
        "event": (ev.seq, ev.at, ev.kind, ev.actor_id, ev.actor_role, ev.trigger, ev.from_state, ev.to_state,
                  ev.payload, ev.reason),
        "deadlines": sorted((x.name, x.state, x.kind, x.starts_at, x.due_at, x.status, x.next_check_at,
                             x.reminders_sent) for x in dls),
        "outbox": sorted((m.recipient_id, m.to_address, _template(m.subject, case_id, "N"),
                          _template(m.body_text, case_id, "N"), _template(m.body_html, case_id, "N"),
                          m.status, m.dedupe_key.split(":")[0]) for m in msgs),
    }


def _count_statements(eng, fire) -> int:
    """Statements sent to the database by one fire, BEGIN and COMMIT included."""
    sent = []

    def count(*_args):
        sent.append(1)

    event.listen(eng, "before_cursor_execute", count)
    event.listen(eng, "commit", count)
    try:
        fire()
    finally:
        event.remove(eng, "before_cursor_execute", count)
        event.remove(eng, "commit", count)
    return len(sent)


def run_one(url: str, fires: int, block: int = 10, profile: bool = False) -> dict:
    eng = fresh_engine(url)
    svc = service(eng)
    trust = make_trust(svc.session)
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    warm = 20
    total = 2 * (fires + warm) + 3
    first, last = bulk.insert_cases(eng, total, state="draft", subject_id=trust.doctor.id,
                                    manager_id=trust.manager.id, job_plan_id=plan.id, at=NOW)
    ids = list(range(first, last + 1))
    (sample, count_service, count_plain), ids = ids[:3], ids[3:]
    manager = actor(trust.manager)
    svc.fire(manager, sample, TRIGGER, PAYLOAD)
    consts = _constants(svc, trust, sample)
    svc.session.close()

    statements = {"service": _count_statements(eng, lambda: svc.fire(manager, count_service, TRIGGER, PAYLOAD)),
                  "plain_sql": _count_statements(eng, lambda: _plain_fire(eng, count_plain, consts))}
    service_ids, plain_ids = ids[0::2], ids[1::2]
    for cid in service_ids[:warm]:
        svc.fire(manager, cid, TRIGGER, PAYLOAD)
    for cid in plain_ids[:warm]:
        _plain_fire(eng, cid, consts)
    service_ids, plain_ids = service_ids[warm:], plain_ids[warm:]

    t_service, t_plain = [], []
    prof = cProfile.Profile() if profile else None
    for start in range(0, fires, block):
        for cid in service_ids[start:start + block]:
            t0 = time.perf_counter()
            if prof:
                prof.enable()
            svc.fire(manager, cid, TRIGGER, PAYLOAD)
            if prof:
                prof.disable()
            t_service.append(time.perf_counter() - t0)
        for cid in plain_ids[start:start + block]:
            t0 = time.perf_counter()
            _plain_fire(eng, cid, consts)
            t_plain.append(time.perf_counter() - t0)

    same = _rows(svc.session, service_ids[0]) == _rows(svc.session, plain_ids[0])
    if not same:
        a, b = _rows(svc.session, service_ids[0]), _rows(svc.session, plain_ids[0])
        for k in a:
            if a[k] != b[k]:
                print(f"  rows differ in {k}:\n    service {a[k]}\n    plain   {b[k]}")
    svc.session.close()
    eng.dispose()
    s, p = summary(t_service), summary(t_plain)
    out = {"database": eng.dialect.name, "fires_each": fires, "service": s, "plain_sql": p,
           "ratio_median": s["median_ms"] / p["median_ms"], "ratio_total": s["total_s"] / p["total_s"],
           "same_rows": same, "statements_per_fire": statements}
    if prof:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(r"workflow/", 45)
        out["profile"] = buf.getvalue()
    return out


def run(urls: dict[str, str], fires: int, profile: bool = False) -> dict:
    results = {}
    for name, url in urls.items():
        r = run_one(url, fires, profile=profile)
        results[name] = r
        print(f"engine overhead [{name}]: svc.fire median {r['service']['median_ms']:.2f} ms, plain SQL median "
              f"{r['plain_sql']['median_ms']:.2f} ms -> ratio {r['ratio_median']:.2f}x "
              f"(totals {r['ratio_total']:.2f}x; target <= 1.5x; same rows: {r['same_rows']}; statements per fire: "
              f"{r['statements_per_fire']['service']} vs {r['statements_per_fire']['plain_sql']})")
        if profile:
            print(r["profile"])
    return {"trigger": TRIGGER, "target_ratio": 1.5, "results": results}
