""""Waiting on you" (issue 18 item 12): a plan agreed and in force waits on its manager for the review due in
a year (002 7.7.1), but it is not in their "waiting on you" list until the review's first reminder is due."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import actor
from tests.integration.scenario import open_deadline
from tests.integration.test_policy_cpft_medical import at, meeting_held, sign_and_approve
from workflow.service.inbox import inbox, inbox_counts


def test_7_7_1_a_review_due_in_a_year_is_not_waiting_on_the_manager_until_its_first_reminder(svc, trust, clock):
    at(clock, 2027, 3, 1)
    _, case_id = meeting_held(svc, trust)
    sign_and_approve(svc, trust, case_id)
    waiting = [i.case.id for i in inbox(svc, actor(trust.manager), waiting=True)]
    watching = [i.case.id for i in inbox(svc, actor(trust.manager), waiting=False)]
    assert case_id not in waiting and case_id in watching
    assert inbox_counts(svc, actor(trust.manager))["waiting"] == 0
    review = open_deadline(svc, case_id, "annual_review")
    clock.set(review.due_at - timedelta(days=28))  # the first reminder (28 days before) falls due
    assert case_id in [i.case.id for i in inbox(svc, actor(trust.manager), waiting=True)]
    assert inbox_counts(svc, actor(trust.manager))["waiting"] == 1


def test_not_waiting_on_me_is_one_query_giving_what_the_whole_inbox_says_issue_15(svc, trust, clock):
    """The manager's "not waiting on me" list (and its count) read in one query from the cases they may see: the
    same cases, in the same order, as the whole inbox marks not waiting on them, whoever else may see them."""
    from sqlalchemy import insert

    from workflow.store import rows
    from workflow.store.models import Case, Deadline, Person

    policy = svc.policies.latest("cpft-medical-2017")
    now = clock.now()
    conn = svc.session.connection()
    states = ["draft", "awaiting_signatures", "second_level_review", "governance_check", "disputed", "superseded"]
    for i in range(36):
        mine = i % 3 != 2  # a third are another manager's: the manager may not see them
        subject = conn.execute(insert(Person).returning(Person.id), {
            "name": f"Dr Watch {i}", "email": f"watch{i}@example.org", "staff_group": "consultant",
            "team_id": trust.team.id, "manager_id": (trust.manager if mine else trust.other_manager).id,
            "active": True, "wants_digest": False}).scalar_one()
        case_id = conn.execute(insert(Case).returning(Case.id), {
            "workflow": "sign_off", "policy_id": policy.id, "policy_version": policy.version,
            "state": states[i % len(states)], "subject_id": subject,
            "manager_id": (trust.manager if mine else trust.other_manager).id, "data": {}, "opened_at": now,
            "updated_at": now, "closed_at": now if i % 7 == 6 else None, "version": 1}).scalar_one()
        if i % 4:
            conn.execute(insert(Deadline), {"case_id": case_id, "name": "sign_off", "state": states[i % len(states)],
                                            "kind": "calendar", "starts_at": now,
                                            "due_at": now + timedelta(days=(i * 5) % 17 - 6), "status": "open",
                                            "reminders_sent": 0, "escalation_step": 0, "extensions": 0})
            rows.refresh_next_due(conn, case_id)
    svc.session.commit()
    for who in (trust.manager, trust.md, trust.amd, trust.doctor):
        everything = inbox(svc, actor(who))
        watching = [i.case.id for i in inbox(svc, actor(who), waiting=False)]
        assert watching == [i.case.id for i in everything if not i.waiting_on_me], who.name
        assert [i.case.id for i in inbox(svc, actor(who), waiting=False, limit=5)] == watching[:5]
        counts = inbox_counts(svc, actor(who))
        assert counts["watching"] == len(watching) and counts["waiting"] == len(everything) - len(watching)
    assert len([i for i in inbox(svc, actor(trust.manager)) if not i.waiting_on_me]) >= 5
