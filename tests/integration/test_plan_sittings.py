"""Issue 18 item 5: a sitting of edits is one version. The editor's first save in a sitting makes a new version;
their further saves amend it until they press Finish editing, anyone signs it, someone else edits, or 30
minutes pass without a change. Nobody else signs a version still being edited (002 7.5: both sign the same
plan). The API's whole-content PUT stays a version per call."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import actor
from tests.integration.scenario import fire, plan_content
from workflow.errors import ConditionFailed, NotFound, PermissionDenied, StaleVersion
from workflow.store.models import Event, JobPlan
from workflow.store.plan_versions import SITTING_IDLE


def _plan(svc, trust):
    return svc.create_job_plan(actor(trust.manager), trust.doctor.id, plan_content(spa=1.5))


def _six_rows(svc, trust, plan, who=None):
    """Six saves of the schedule page, one row each, as one person."""
    who = who or trust.manager
    for k in range(6):
        content = dict(plan.versions[-1].content)
        content["other_comments"] = f"edit {k + 1}"
        svc.edit_job_plan(actor(who), plan.id, content, note=f"Weekly schedule: row {k + 1} added", sitting=True)
        svc.session.commit()


def test_issue_18_5_a_sitting_of_six_edits_is_one_version_with_every_edit_audited(svc, trust):
    plan = _plan(svc, trust)
    _six_rows(svc, trust, plan)
    svc.session.expire_all()
    plan = svc.session.get(JobPlan, plan.id)
    assert plan.current_version == 2 and [v.number for v in plan.versions] == [1, 2]
    latest = plan.versions[-1]
    assert latest.content["other_comments"] == "edit 6"
    assert latest.note.startswith("Weekly schedule: row 1 added; Weekly schedule: row 2 added")
    assert latest.note.endswith("row 6 added")
    edits = svc.session.scalars(select(Event).where(Event.kind == "plan_edited")).all()
    assert len(edits) == 6 and {e.payload["version"] for e in edits} == {2}


def test_issue_18_5_finish_editing_fixes_the_version_and_the_next_save_is_a_new_one(svc, trust):
    plan = _plan(svc, trust)
    _six_rows(svc, trust, plan)
    done, ended = svc.finish_editing(actor(trust.manager), plan.id)
    svc.session.commit()
    assert (done.number, ended) == (2, True)
    v = svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.0), sitting=True)
    assert v.number == 3
    assert svc.session.get(JobPlan, plan.id).versions[1].content["other_comments"] == "edit 6"  # version 2 kept


def test_issue_18_5_a_sitting_ends_after_thirty_minutes_without_a_change(svc, trust, clock):
    plan = _plan(svc, trust)
    first = svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=1.75), sitting=True)
    clock.advance(seconds=SITTING_IDLE.total_seconds() - 1)
    assert svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.0), sitting=True).number == first.number
    clock.advance(seconds=SITTING_IDLE.total_seconds())  # idle from the last change, not the first
    assert svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.5), sitting=True).number == first.number + 1


def test_issue_18_5_another_editor_makes_their_own_version_and_a_stale_save_is_refused(svc, trust):
    plan = _plan(svc, trust)
    mine = svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=1.75), sitting=True)
    svc.session.commit()
    loaded = svc.session.get(JobPlan, plan.id).row_version  # the manager's page, as loaded
    theirs = svc.edit_job_plan(actor(trust.doctor), plan.id, plan_content(spa=2.5), sitting=True)
    svc.session.commit()
    assert theirs.number == mine.number + 1
    with pytest.raises(StaleVersion):
        svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=1.5), expected_version=loaded,
                          sitting=True)
    # the manager's sitting ended with the doctor's version: their next save is a version of its own
    again = svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=1.5), sitting=True)
    assert again.number == theirs.number + 1
    assert [v.content["schedule"] != [] for v in svc.session.get(JobPlan, plan.id).versions] == [True] * 4


def test_002_7_5_nobody_else_signs_a_version_still_being_edited_issue_18_5(svc, trust, clock):
    plan = _plan(svc, trust)
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    fire(svc, trust.manager, case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.0), sitting=True)
    svc.session.commit()
    with pytest.raises(ConditionFailed) as refused:
        fire(svc, trust.doctor, case.id, "sign")
    assert "is still editing version 2" in refused.value.message and "Finish editing" in refused.value.message
    assert trust.manager.name in refused.value.message
    svc.session.rollback()
    fire(svc, trust.manager, case.id, "sign")  # the editor signs what they typed: the sitting ends
    fire(svc, trust.doctor, case.id, "sign")
    after = svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.5), sitting=True)
    assert after.number == 3  # signed version 2 is never amended
    assert {s.role for s in svc.session.get(JobPlan, plan.id).versions[1].signatures} == {"practitioner",
                                                                                         "clinical_manager"}


def test_issue_18_5_an_idle_sitting_no_longer_stops_the_other_party_signing(svc, trust, clock):
    plan = _plan(svc, trust)
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    fire(svc, trust.manager, case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.0), sitting=True)
    svc.session.commit()
    clock.advance(minutes=31)
    fire(svc, trust.doctor, case.id, "sign")
    assert svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.5), sitting=True).number == 3


def test_issue_18_5_an_api_put_is_a_version_each_as_before(svc, trust):
    plan = _plan(svc, trust)
    for spa in (1.75, 2.0):
        svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=spa))
    assert svc.session.get(JobPlan, plan.id).current_version == 3


def test_issue_18_5_finishing_is_for_editors_only_and_ends_only_your_own_sitting(svc, trust):
    plan = _plan(svc, trust)
    svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=1.75), sitting=True)
    svc.session.commit()
    with pytest.raises(NotFound):
        svc.finish_editing(actor(trust.outsider), plan.id)
    with pytest.raises(PermissionDenied):
        svc.finish_editing(actor(trust.directorate), plan.id)
    svc.session.rollback()
    assert svc.finish_editing(actor(trust.doctor), plan.id)[1] is False  # the doctor holds none: the manager's stays open
    assert svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.0), sitting=True).number == 2


def test_issue_18_5_twenty_concurrent_saves_of_one_sitting_make_one_version_and_twenty_audited_edits(app, svc, trust):
    """The plan row is locked for each save (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite), so the sitting's
    first save makes the version and every other amends it; none is lost, none makes a second version."""
    import threading

    from web.services import service

    plan = _plan(svc, trust)
    svc.session.commit()
    plan_id, manager = plan.id, actor(trust.manager)
    base = plan_content(spa=1.5)
    barrier = threading.Barrier(20)
    outcomes: list = [None] * 20

    def worker(i):
        with app.app_context():
            s = service()
            barrier.wait()
            try:
                outcomes[i] = s.edit_job_plan(manager, plan_id, {**base, "other_comments": f"save {i}"},
                                              note=f"save {i}", sitting=True).number
                s.session.commit()
            except Exception as exc:  # noqa: BLE001 - the test sorts outcomes below
                s.session.rollback()
                outcomes[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes == [2] * 20
    svc.session.rollback()
    plan = svc.session.get(JobPlan, plan_id)
    assert plan.current_version == 2 and len(plan.versions) == 2
    assert sorted(plan.versions[1].note.split("; "), key=lambda n: int(n.split()[1])) == [f"save {i}" for i in range(20)]
    assert len(svc.session.scalars(select(Event).where(Event.kind == "plan_edited")).all()) == 20
