"""The annual round (issue 17 item 5): this year's sign-offs started for a team, a care group or the trust in
one action, in batches, resumable, adding nothing the second time; and one review clock per person."""
import pytest
from sqlalchemy import func, select

from tests.conftest import actor
from tests.factories import complete_plan
from workflow.errors import NotFound, PermissionDenied
from workflow.service import rounds
from workflow.store.models import Case, Deadline, Event, JobPlan, RoleAssignment, RoundMember
from workflow.service.team import start_sign_off


def _agree(svc, trust, person=None):
    person = person or trust.doctor
    plan = svc.create_job_plan(actor(person.manager), person.id, complete_plan())
    case = svc.start_case(actor(person.manager), "sign_off", person.id, job_plan_id=plan.id)
    svc.fire(actor(person.manager), case.id, "record_meeting", {"meeting_date": "2027-02-25"})
    svc.fire(actor(person), case.id, "sign")
    svc.fire(actor(person.manager), case.id, "sign")
    svc.fire(actor(trust.amd), case.id, "approve_second_level")
    svc.fire(actor(trust.directorate), case.id, "accept_governance_check")
    svc.session.commit()
    return case


def _open_clocks(svc, person):
    return svc.session.scalars(select(Deadline).join(Case, Case.id == Deadline.case_id).where(
        Case.subject_id == person.id, Deadline.closed_at.is_(None))).all()


def test_7_7_1_starting_the_next_sign_off_closes_the_agreed_cycles_review_clock(svc, trust):
    agreed = _agree(svc, trust)
    assert [d.name for d in _open_clocks(svc, trust.doctor)] == ["annual_review"]
    new = start_sign_off(svc, actor(trust.manager), trust.doctor.id)
    svc.session.commit()
    svc.session.expire_all()
    old = svc.session.get(Case, agreed.id)
    assert (old.state, old.closed_at is not None) == ("superseded", True)
    review = svc.session.scalars(select(Deadline).where(Deadline.case_id == agreed.id,
                                                       Deadline.name == "annual_review")).one()
    assert review.status == "met" and review.closed_at is not None
    assert all(d.case_id == new.id for d in _open_clocks(svc, trust.doctor))  # one person, one set of clocks


def test_7_7_1_a_case_started_through_the_api_door_closes_the_review_clock_too(svc, trust):
    agreed = _agree(svc, trust)
    new = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id)
    svc.session.commit()
    svc.session.expire_all()
    assert svc.session.get(Case, agreed.id).closed_at is not None
    assert svc.session.scalar(select(func.count(Deadline.id)).where(Deadline.case_id == agreed.id,
                                                                     Deadline.closed_at.is_(None))) == 0
    assert svc.session.get(Case, new.id).closed_at is None


# ---- the round ---------------------------------------------------------------------------------------------------

def _lead(svc, trust):
    svc.session.add(RoleAssignment(person_id=trust.job_planning_team.id, role="job_planning_lead",
                                   org_unit_id=trust.trust.id))
    svc.session.commit()
    return trust.job_planning_team


def _members(svc, rnd):
    return {m.person_id: m for m in svc.session.scalars(select(RoundMember).where(RoundMember.round_id == rnd.id))}


def test_round_amd_starts_their_care_groups_sign_offs_copied_forward_skipping_those_under_way(svc, trust):
    agreed = _agree(svc, trust)
    under_way = start_sign_off(svc, actor(trust.manager), trust.colleague.id)
    rnd = rounds.start_round(svc, actor(trust.amd), trust.care_group.id)
    rnd = rounds.run_to_end(svc, actor(trust.amd), rnd.id, size=2)
    members = _members(svc, rnd)
    assert trust.outsider.id not in members  # another care group
    assert len(members) == rnd.total
    doctor = members[trust.doctor.id]
    assert doctor.outcome == "started"
    plan = svc.session.get(JobPlan, doctor.case.job_plan_id)
    assert plan.id != agreed.job_plan_id and plan.versions[0].note.startswith(f"copied from plan {agreed.job_plan_id}")
    assert plan.versions[0].content == svc.session.get(JobPlan, agreed.job_plan_id).versions[0].content
    skipped = members[trust.colleague.id]
    assert skipped.outcome == "skipped" and f"already has a sign-off under way (case {under_way.id})" in skipped.reason
    assert members[trust.manager.id].outcome == "skipped" and "no clinical manager" in members[trust.manager.id].reason
    assert {members[p.id].outcome for p in (trust.dentist, trust.nurse)} == {"started"}  # their own policies
    opened = svc.session.scalars(select(Event).where(Event.case_id == doctor.case_id, Event.kind == "opened")).one()
    assert (opened.actor_id, opened.actor_role) == (trust.amd.id, "annual_round")


def test_round_second_run_adds_nothing_and_a_stopped_run_resumes(svc, trust):
    lead = _lead(svc, trust)
    rnd = rounds.start_round(svc, actor(lead), trust.trust.id)
    rounds.run_batch(svc, actor(lead), rnd.id, size=2)
    svc.session.expire_all()
    first = _members(svc, rnd)
    assert len(first) == 2 and rnd.finished_at is None
    again = rounds.start_round(svc, actor(lead), trust.trust.id)  # "start" again: the same round, resumed
    assert again.id == rnd.id
    rounds.run_to_end(svc, actor(lead), rnd.id, size=3)
    cases = svc.session.scalar(select(func.count(Case.id)))
    members = _members(svc, rnd)
    assert len(members) == rnd.total and trust.outsider.id in members
    rounds.run_to_end(svc, actor(lead), rnd.id)
    rounds.start_round(svc, actor(lead), trust.trust.id)
    assert svc.session.scalar(select(func.count(Case.id))) == cases
    assert len(_members(svc, rnd)) == len(members)


def test_round_a_team_round_after_the_care_groups_skips_those_it_started(svc, trust):
    rnd = rounds.start_round(svc, actor(trust.amd), trust.care_group.id)
    rounds.run_to_end(svc, actor(trust.amd), rnd.id)
    team_round = rounds.start_round(svc, actor(trust.amd), trust.team.id)
    team_round = rounds.run_to_end(svc, actor(trust.amd), team_round.id)
    doctor = _members(svc, team_round)[trust.doctor.id]
    assert doctor.outcome == "skipped" and f"already started in round {rnd.id}" in doctor.reason


def test_round_only_the_lead_or_the_care_groups_amd_may_start_it_002_5_3(svc, trust):
    with pytest.raises(PermissionDenied, match="job planning lead"):
        rounds.start_round(svc, actor(trust.other_amd), trust.care_group.id)
    with pytest.raises(PermissionDenied):
        rounds.start_round(svc, actor(trust.amd), trust.trust.id)  # an AMD's reach is their care group
    with pytest.raises(PermissionDenied):
        rounds.start_round(svc, actor(trust.manager), trust.team.id)
    rnd = rounds.start_round(svc, actor(trust.amd), trust.team.id)
    with pytest.raises(NotFound):
        rounds.run_batch(svc, actor(trust.other_amd), rnd.id)
    with pytest.raises(NotFound):
        rounds.progress(svc, actor(trust.doctor), rnd.id)
    assert svc.session.scalar(select(func.count(RoundMember.id))) == 0


def test_round_progress_by_team_counts_each_stage_002_7_5(svc, trust, clock):
    rnd = rounds.start_round(svc, actor(trust.amd), trust.team.id)
    rounds.run_to_end(svc, actor(trust.amd), rnd.id)
    members = _members(svc, rnd)
    doctor, colleague = members[trust.doctor.id].case_id, members[trust.colleague.id].case_id
    svc.edit_job_plan(actor(trust.manager), svc.session.get(Case, doctor).job_plan_id, complete_plan())
    svc.fire(actor(trust.manager), doctor, "record_meeting", {"meeting_date": "2027-02-25"})
    svc.fire(actor(trust.doctor), doctor, "sign")
    svc.fire(actor(trust.manager), doctor, "sign")
    svc.session.commit()
    p = rounds.progress(svc, actor(trust.amd), rnd.id)
    team = next(t for t in p.teams if t.team.id == trust.team.id)
    assert team.counts["signed"] == 1 and team.counts["not_started"] == 1
    assert team.counts["skipped"] == team.people - 2  # the offices' holders: no clinical manager of record
    assert p.totals["approved"] == 0 and colleague is not None


def test_round_two_runs_at_once_handle_each_person_once(app, svc, trust):
    """The round row is locked for a batch (FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite): runs started
    together take turns, the later one carries on from the cursor, nobody gets two sign-offs."""
    import threading

    from web.services import service

    rnd = rounds.start_round(svc, actor(trust.amd), trust.care_group.id)
    amd, rid, total = actor(trust.amd), rnd.id, rnd.total
    barrier = threading.Barrier(4)
    errors: list = []

    def worker():
        with app.app_context():
            s = service()
            barrier.wait()
            try:
                rounds.run_to_end(s, amd, rid, size=2)
            except Exception as exc:  # noqa: BLE001 - collected and shown below
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    svc.session.rollback()
    members = svc.session.scalars(select(RoundMember).where(RoundMember.round_id == rid)).all()
    assert len(members) == total == len({m.person_id for m in members})
    started = [m.person_id for m in members if m.outcome == "started"]
    per_person = svc.session.execute(select(Case.subject_id, func.count(Case.id)).where(Case.subject_id.in_(started))
                                     .group_by(Case.subject_id)).all()
    assert all(n == 1 for _, n in per_person)


def test_round_progress_counts_approved_and_disputed_002_7_5_7_8(svc, trust):
    rnd = rounds.start_round(svc, actor(trust.amd), trust.team.id)
    rounds.run_to_end(svc, actor(trust.amd), rnd.id)
    members = _members(svc, rnd)
    doctor, colleague = members[trust.doctor.id].case_id, members[trust.colleague.id].case_id
    for case_id, person in ((doctor, trust.doctor), (colleague, trust.colleague)):
        svc.edit_job_plan(actor(trust.manager), svc.session.get(Case, case_id).job_plan_id, complete_plan())
        svc.fire(actor(trust.manager), case_id, "record_meeting", {"meeting_date": "2027-02-25"})
    svc.fire(actor(trust.doctor), doctor, "sign")
    svc.fire(actor(trust.manager), doctor, "sign")
    svc.fire(actor(trust.amd), doctor, "approve_second_level")
    svc.fire(actor(trust.directorate), doctor, "accept_governance_check")
    svc.fire(actor(trust.colleague), colleague, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    svc.session.commit()
    p = rounds.progress(svc, actor(trust.amd), rnd.id)
    assert (p.totals["approved"], p.totals["disputed"], p.totals["not_started"]) == (1, 1, 0)
