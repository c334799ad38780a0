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
