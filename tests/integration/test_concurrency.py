"""Concurrent changes: 20 threads fire conflicting triggers at one case at once; exactly one succeeds,
the others get the conflict error, and exactly one new audit event exists (issue 3). Runs on both
databases: a row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite."""
import threading

from sqlalchemy import func, select

from tests.conftest import actor
from tests.integration.helpers import sign_off_case
from web.services import service
from workflow.errors import StaleVersion
from workflow.store.models import Event, Signature

THREADS = 20


def test_twenty_conflicting_fires_exactly_one_wins(app, svc, trust):
    cid = sign_off_case(svc, trust)
    version = svc.get_case(actor(trust.doctor), cid).version
    events_before = svc.session.scalar(select(func.count(Event.id)))
    people = [actor(trust.doctor), actor(trust.manager)]
    barrier = threading.Barrier(THREADS)
    outcomes: list = [None] * THREADS

    def worker(i):
        with app.app_context():
            s = service()
            barrier.wait()
            try:
                outcomes[i] = s.fire(people[i % 2], cid, "sign", expected_version=version)
            except Exception as exc:  # noqa: BLE001 - the test sorts outcomes below
                outcomes[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    wins = [o for o in outcomes if not isinstance(o, Exception)]
    conflicts = [o for o in outcomes if isinstance(o, StaleVersion)]
    assert len(wins) == 1, outcomes
    assert len(conflicts) == THREADS - 1, [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, StaleVersion)]
    svc.session.rollback()  # end this session's read snapshot (SQLite WAL)
    assert svc.session.scalar(select(func.count(Event.id))) == events_before + 1
    assert svc.session.scalar(select(func.count(Signature.id))) == 1


def test_twenty_concurrent_sign_off_starts_for_one_person_one_wins_issue_13_item_9(app, svc, trust):
    """The person's row is locked before the "already under way" question (FOR UPDATE on PostgreSQL;
    BEGIN IMMEDIATE on SQLite), so the nineteen others see the winner's case and are refused."""
    from workflow.errors import ConditionFailed
    from workflow.store.models import Case, JobPlan
    from workflow.service.team import start_sign_off

    manager, doctor_id = actor(trust.manager), trust.doctor.id  # read here: the fixture's objects are this session's
    barrier = threading.Barrier(THREADS)
    outcomes: list = [None] * THREADS

    def worker(i):
        with app.app_context():
            s = service()
            barrier.wait()
            try:
                outcomes[i] = start_sign_off(s, manager, doctor_id).id
            except Exception as exc:  # noqa: BLE001 - the test sorts outcomes below
                outcomes[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    wins = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, ConditionFailed) and "under way" in o.message]
    assert len(wins) == 1 and len(refused) == THREADS - 1, outcomes
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(Case.id))) == 1
    assert svc.session.scalar(select(func.count(JobPlan.id))) == 1
