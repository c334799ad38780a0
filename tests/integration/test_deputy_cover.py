"""Issue 17 item 7: a clinical manager who is away names a deputy for a date range. While the cover is in force the
deputy acts with the manager's rights on the manager's cases, through the one access decision and its SQL (the
case, the step, the lists, the inbox, the counts), never on their own case; each act is recorded as done on the
manager's behalf, and what the manager is sent the deputy is sent too. Outside the dates, nothing."""
import threading
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.conftest import actor
from tests.integration.helpers import sign_off_case
from web.services import service
from workflow.access import CasePredicate, roles_on_case
from workflow.actors import Actor
from workflow.errors import ConditionFailed, InvalidPayload, NotFound, PermissionDenied
from workflow.service.cover import end_cover, list_covers, name_deputy
from workflow.service.inbox import inbox, inbox_counts
from workflow.service.reassign import reassign_cases
from workflow.store.models import Case, DeputyCover, Event, OutboxMessage

D = date(2027, 3, 1)  # the clock's today (tests/conftest.py: 1 March 2027, 09:00 UTC)


def cover(svc, trust, by=None, deputy=None, starts=D, ends=date(2027, 3, 12)):
    return name_deputy(svc, actor(by or trust.manager), trust.manager.id, (deputy or trust.other_manager).id,
                       starts, ends, "annual leave")


def waiting_for_manager(svc, trust, person=None) -> int:
    """A sign-off the practitioner has signed: it waits on the clinical manager (002 7.5)."""
    case_id = sign_off_case(svc, trust, person)
    svc.fire(actor(person or trust.doctor), case_id, "sign")
    return case_id


def visible_ids(svc, who) -> set[int]:
    pred = CasePredicate(svc.session, actor(who), svc.policies.all())
    return set(svc.session.scalars(select(Case.id).where(pred.holds("clinical_manager"))))


def test_issue17_7_deputy_may_sign_while_manager_away_recorded_on_their_behalf(svc, trust):
    case_id = waiting_for_manager(svc, trust)
    c = cover(svc, trust)
    svc.fire(actor(trust.other_manager), case_id, "sign")
    assert svc.session.get(Case, case_id).state == "second_level_review"
    event = svc.session.scalars(select(Event).where(Event.case_id == case_id, Event.trigger == "sign")
                                .order_by(Event.seq.desc()).limit(1)).one()
    assert (event.actor_id, event.actor_role) == (trust.other_manager.id, "clinical_manager")
    assert event.payload["on_behalf_of"] == {"manager_id": trust.manager.id, "manager": trust.manager.name,
                                             "cover_id": c.id, "starts_on": "2027-03-01", "ends_on": "2027-03-12"}


def test_issue17_7_the_managers_own_acts_are_not_marked_on_behalf(svc, trust):
    case_id = waiting_for_manager(svc, trust)
    cover(svc, trust)
    svc.fire(actor(trust.manager), case_id, "sign")  # back early: still their own case
    event = svc.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq.desc())).first()
    assert "on_behalf_of" not in event.payload


def test_issue17_7_outside_the_dates_a_deputy_has_nothing(svc, trust, clock):
    case_id = waiting_for_manager(svc, trust)
    cover(svc, trust, starts=date(2027, 3, 2), ends=date(2027, 3, 5))
    assert case_id not in visible_ids(svc, trust.other_manager)  # 1 March: not yet
    with pytest.raises(NotFound):
        svc.fire(actor(trust.other_manager), case_id, "sign")
    svc.session.rollback()
    clock.set(datetime(2027, 3, 2, 0, 30, tzinfo=timezone.utc))  # the first day, local time
    assert case_id in visible_ids(svc, trust.other_manager)
    assert "clinical_manager" in roles_on_case(svc.session, actor(trust.other_manager),
                                               svc.session.get(Case, case_id), svc.policy_of(svc.session.get(Case, case_id)))
    clock.set(datetime(2027, 3, 5, 23, 59, tzinfo=timezone.utc))  # the last day, to its end (GMT in March)
    assert case_id in visible_ids(svc, trust.other_manager)
    clock.set(datetime(2027, 3, 6, 0, 0, tzinfo=timezone.utc))  # the day after: over
    assert case_id not in visible_ids(svc, trust.other_manager)
    with pytest.raises(NotFound):
        svc.fire(actor(trust.other_manager), case_id, "sign")


def test_issue17_7_lists_inbox_and_counts_include_the_covered_cases_for_the_deputy(svc, trust):
    case_id = waiting_for_manager(svc, trust)
    deputy = actor(trust.other_manager)
    assert case_id not in {i.case.id for i in inbox(svc, deputy)}
    before = inbox_counts(svc, deputy)["waiting"]
    cover(svc, trust)
    items = {i.case.id: i for i in inbox(svc, deputy)}
    assert items[case_id].waiting_on_me and "clinical_manager" in items[case_id].my_roles
    assert case_id in {i.case.id for i in inbox(svc, deputy, only_waiting=True)}
    assert inbox_counts(svc, deputy)["waiting"] == before + 1
    assert case_id in {c.id for c in svc.list_cases(deputy)}


def test_issue17_7_ending_cover_early_takes_the_rights_away_at_once(svc, trust):
    case_id = waiting_for_manager(svc, trust)
    c = cover(svc, trust)
    assert case_id in visible_ids(svc, trust.other_manager)
    end_cover(svc, actor(trust.manager), c.id, "back early")
    assert case_id not in visible_ids(svc, trust.other_manager)
    with pytest.raises(NotFound):
        svc.fire(actor(trust.other_manager), case_id, "sign")
    svc.session.rollback()
    with pytest.raises(ConditionFailed, match="already ended"):
        end_cover(svc, actor(trust.manager), c.id)
    svc.session.rollback()
    assert svc.session.get(type(trust.manager), trust.manager.id).covered_until is None
    kinds = svc.session.scalars(select(Event.kind).where(Event.subject == f"person:{trust.manager.id}")).all()
    assert kinds == ["deputy_named", "deputy_cover_ended"]


def test_issue17_7_a_deputy_may_step_down(svc, trust):
    c = cover(svc, trust)
    end_cover(svc, actor(trust.other_manager), c.id, "cannot after all")
    assert svc.session.get(DeputyCover, c.id).ended_by_id == trust.other_manager.id


def test_issue17_7_a_practitioner_cannot_name_themselves_deputy_of_their_manager(svc, trust):
    case_id = waiting_for_manager(svc, trust)
    with pytest.raises(PermissionDenied, match="named by the clinical manager who is away"):
        name_deputy(svc, actor(trust.doctor), trust.manager.id, trust.doctor.id, D, date(2027, 3, 12))
    svc.session.rollback()
    # nor may the manager (or anyone) make them so: the deputy would sign their own plan as its manager
    for by in (trust.manager, trust.amd, trust.hr):
        with pytest.raises(InvalidPayload, match="managed by Clinical Manager") as refused:
            name_deputy(svc, actor(by), trust.manager.id, trust.doctor.id, D, date(2027, 3, 12))
        assert "deputy_id" in refused.value.details["fields"]
        svc.session.rollback()
    assert svc.session.scalar(select(func.count(DeputyCover.id))) == 0
    with pytest.raises(PermissionDenied):
        svc.fire(actor(trust.doctor), case_id, "sign", as_role="clinical_manager")


def test_issue17_7_even_a_cover_on_record_never_lets_the_deputy_act_on_their_own_case(svc, trust):
    """Defence in depth: a cover made before the deputy came under the manager (their record changed mid-cover)
    still gives them the manager's role on the colleague's case and never on their own, in Python and in SQL."""
    own = waiting_for_manager(svc, trust)
    colleagues = waiting_for_manager(svc, trust, trust.colleague)
    svc.session.add(DeputyCover(manager_id=trust.manager.id, deputy_id=trust.doctor.id, starts_on=D,
                                ends_on=date(2027, 3, 12), arranged_at=datetime(2027, 3, 1, tzinfo=timezone.utc)))
    trust.manager.covered_until = date(2027, 3, 12)
    svc.session.commit()
    assert visible_ids(svc, trust.doctor) == {colleagues}
    case = svc.session.get(Case, own)
    assert "clinical_manager" not in roles_on_case(svc.session, actor(trust.doctor), case, svc.policy_of(case))
    with pytest.raises(PermissionDenied):
        svc.fire(actor(trust.doctor), own, "sign", as_role="clinical_manager")
    svc.session.rollback()
    assert trust.doctor.id not in {p.id for p in _manager_holders(svc, own)}
    assert trust.doctor.id in {p.id for p in _manager_holders(svc, colleagues)}


def _manager_holders(svc, case_id):
    from workflow.access import holders_of

    case = svc.session.get(Case, case_id)
    return holders_of(svc.session, case, svc.policy_of(case), "clinical_manager")


def test_issue17_7_who_may_arrange_cover_for_a_manager(svc, trust):
    assert cover(svc, trust, by=trust.amd).deputy_id == trust.other_manager.id  # the AMD of their care group
    svc.session.rollback()
    with pytest.raises(PermissionDenied, match="Associate Medical Director of their care group"):
        cover(svc, trust, by=trust.other_amd, starts=date(2027, 4, 1), ends=date(2027, 4, 2))
    svc.session.rollback()
    with pytest.raises(PermissionDenied):  # the manager's token limited to their practitioner role
        name_deputy(svc, Actor.person(trust.manager.id, "x", only_roles=frozenset({"practitioner"})),
                    trust.manager.id, trust.other_manager.id, date(2027, 4, 1), date(2027, 4, 2))
    svc.session.rollback()
    assert cover(svc, trust, by=trust.hr, starts=date(2027, 4, 1), ends=date(2027, 4, 2)).arranged_by_id == trust.hr.id


@pytest.mark.parametrize("starts,ends,field", [
    (date(2027, 3, 5), date(2027, 3, 4), "ends_on"),     # the end before the start
    (date(2020, 1, 1), date(2020, 1, 31), "starts_on"),  # far past
    (date(2027, 2, 28), date(2027, 3, 3), "starts_on"),  # begun yesterday: no rights for days gone by
    (D, date(2028, 3, 1), "ends_on"),                    # longer than a year: reassign instead
    (date(2099, 1, 1), date(2099, 1, 2), "starts_on"),   # far future
])
def test_issue17_7_crafted_dates_are_refused_naming_the_field(svc, trust, starts, ends, field):
    with pytest.raises(InvalidPayload) as refused:
        cover(svc, trust, starts=starts, ends=ends)
    assert field in refused.value.details["fields"]
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(DeputyCover.id))) == 0


def test_issue17_7_one_deputy_at_a_time_an_overlap_is_refused_naming_the_cover_in_the_way(svc, trust):
    cover(svc, trust, starts=D, ends=date(2027, 3, 12))
    with pytest.raises(ConditionFailed, match="Other Manager already covers for Clinical Manager from Monday 1 March"):
        cover(svc, trust, deputy=trust.md, starts=date(2027, 3, 12), ends=date(2027, 3, 20))
    svc.session.rollback()
    assert cover(svc, trust, deputy=trust.md, starts=date(2027, 3, 13), ends=date(2027, 3, 20)).deputy_id == trust.md.id


def test_issue17_7_a_deputy_who_is_away_themselves_is_refused_and_no_chain_of_covers(svc, trust):
    name_deputy(svc, actor(trust.other_manager), trust.other_manager.id, trust.md.id, D, date(2027, 3, 5))
    with pytest.raises(InvalidPayload, match="Other Manager is away themselves"):
        cover(svc, trust, starts=date(2027, 3, 5), ends=date(2027, 3, 8))
    svc.session.rollback()
    cover(svc, trust, starts=date(2027, 3, 6), ends=date(2027, 3, 8))  # after their own leave: fine
    # the deputy may not then go away over those days (they cover), so nobody holds a cover at second hand
    with pytest.raises(ConditionFailed, match="Other Manager covers for Clinical Manager"):
        name_deputy(svc, actor(trust.other_manager), trust.other_manager.id, trust.md.id, date(2027, 3, 7),
                    date(2027, 3, 9))


def test_issue17_7_a_deputy_is_an_active_person_other_than_the_manager(svc, trust):
    with pytest.raises(InvalidPayload, match="Nobody is their own deputy"):
        cover(svc, trust, deputy=trust.manager)
    svc.session.rollback()
    trust.other_manager.active = False
    svc.session.commit()
    with pytest.raises(InvalidPayload, match="has left"):
        cover(svc, trust)
    svc.session.rollback()
    with pytest.raises(InvalidPayload, match="nobody's clinical manager"):  # a practitioner has no cases to cover
        name_deputy(svc, actor(trust.doctor), trust.doctor.id, trust.md.id, D, date(2027, 3, 2))


def test_issue17_7_a_case_moved_to_another_manager_mid_cover_leaves_the_cover(svc, trust):
    case_id = waiting_for_manager(svc, trust)
    cover(svc, trust)
    assert case_id in visible_ids(svc, trust.other_manager)
    trust.doctor.manager_id = trust.colleague.id  # a new manager on record, and the case reassigned to them
    svc.session.commit()
    reassign_cases(svc, actor(trust.amd), trust.manager.id, trust.colleague.id, "new manager")
    assert case_id not in visible_ids(svc, trust.other_manager)
    with pytest.raises(NotFound):
        svc.fire(actor(trust.other_manager), case_id, "sign")


def test_issue17_7_what_the_manager_is_sent_the_deputy_is_sent_in_the_same_transaction(svc, trust):
    own = sign_off_case(svc, trust)
    colleagues = sign_off_case(svc, trust, trust.colleague)
    cover(svc, trust)
    # 002 7.5, 7.8.1: the failure to agree is sent to the clinical manager, so to their deputy too
    svc.fire(actor(trust.doctor), own, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    to = set(svc.session.scalars(select(OutboxMessage.recipient_id).where(OutboxMessage.case_id == own)))
    assert {trust.manager.id, trust.other_manager.id} <= to
    # the deputy records it on the colleague's case: the manager is told who did it, on whose behalf
    svc.fire(actor(trust.other_manager), colleagues, "record_failure_to_agree", {"points_not_agreed": "DCC"})
    bodies = svc.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.case_id == colleagues,
                                                                         OutboxMessage.recipient_id == trust.manager.id))
    assert any("recorded by Other Manager on behalf of Clinical Manager (deputy cover) as Clinical Manager" in b
               for b in bodies)


def test_issue17_7_covers_are_listed_for_the_manager_the_deputy_and_the_amd_only(svc, trust):
    c = cover(svc, trust)
    for who in (trust.manager, trust.other_manager, trust.amd, trust.hr):
        assert [v.cover.id for v in list_covers(svc, actor(who))] == [c.id], who.name
    for who in (trust.doctor, trust.other_amd, trust.colleague):
        assert list_covers(svc, actor(who)) == [], who.name
        with pytest.raises(NotFound):
            end_cover(svc, actor(who), c.id)
        svc.session.rollback()


def test_issue17_7_twenty_concurrent_overlapping_covers_one_wins(app, svc, trust):
    manager_id = trust.manager.id
    deputies = [trust.other_manager.id, trust.md.id, trust.directorate.id, trust.other_amd.id]
    threads_n = 20
    barrier = threading.Barrier(threads_n)
    outcomes: list = [None] * threads_n

    def worker(i):
        with app.app_context():
            s = service()
            barrier.wait()
            try:
                outcomes[i] = name_deputy(s, Actor.person(manager_id, "m"), manager_id, deputies[i % 4], D,
                                          date(2027, 3, 12)).id
            except Exception as exc:  # noqa: BLE001 - sorted below
                outcomes[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    wins = [o for o in outcomes if isinstance(o, int)]
    assert len(wins) == 1, outcomes
    assert all(isinstance(o, ConditionFailed) for o in outcomes if not isinstance(o, int)), outcomes
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(DeputyCover.id))) == 1


def test_issue17_7_a_deputy_edits_the_plan_on_the_managers_behalf_and_both_sign_again(svc, trust):
    from tests.factories import complete_plan

    case_id = waiting_for_manager(svc, trust)
    plan_id = svc.session.get(Case, case_id).job_plan_id
    with pytest.raises(NotFound):  # before the cover: not theirs to see, nor to edit
        svc.edit_job_plan(actor(trust.other_manager), plan_id, complete_plan(spa=2.0))
    svc.session.rollback()
    cover(svc, trust)
    svc.fire(actor(trust.other_manager), case_id, "sign")  # both have signed: at the second level (002 5.3)
    svc.edit_job_plan(actor(trust.other_manager), plan_id, complete_plan(spa=2.0), note="SPA agreed at 2.0")
    edited = svc.session.scalars(select(Event).where(Event.kind == "plan_edited")
                                 .order_by(Event.id.desc())).first()
    assert edited.actor_id == trust.other_manager.id
    assert edited.payload["on_behalf_of"]["manager_id"] == trust.manager.id
    back = svc.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq.desc())).first()
    assert back.trigger == "revoke_signatures" and svc.session.get(Case, case_id).state == "awaiting_signatures"
    assert "made by Other Manager on behalf of Clinical Manager (deputy cover)" in back.reason


def test_issue17_7_the_sweep_tells_the_deputy_what_it_tells_the_manager_002_7_5(svc, trust, clock):
    case_id = sign_off_case(svc, trust)  # the meeting on 25 February: 28 days to sign (002 7.5)
    cover(svc, trust, ends=date(2027, 4, 30))
    clock.set(datetime(2027, 3, 26, 10, 0, tzinfo=timezone.utc))
    svc.sweep()
    svc.session.commit()
    breach_to = {r for r, s in svc.session.execute(select(OutboxMessage.recipient_id, OutboxMessage.subject)
                                                  .where(OutboxMessage.case_id == case_id))}
    assert {trust.manager.id, trust.other_manager.id} <= breach_to


def test_issue17_7_a_step_for_a_manager_with_no_cover_asks_nothing_about_covers_issue_9(svc, trust):
    """The manager's row says whether any cover is arranged (``covered_until``), so the steps of a trust that names
    no deputy cost what they did: no statement reads the cover table."""
    from sqlalchemy import event

    own = sign_off_case(svc, trust)
    sent: list[str] = []
    engine = svc.session.get_bind()

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:  # the practitioner's step notifies the manager (002 7.5, 7.8.1); the manager's own step
        svc.fire(actor(trust.doctor), own, "record_failure_to_agree", {"points_not_agreed": "SPA"})
        other = sign_off_case(svc, trust, trust.colleague)
        svc.fire(actor(trust.manager), other, "sign")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sent and not [s for s in sent if "deputy_cover" in s]


def test_issue17_7_the_deputy_has_the_managers_team_while_covering_and_may_start_a_sign_off(svc, trust, clock):
    from workflow.access import held_capabilities
    from workflow.service.team import start_sign_off, team_of

    def team(who):
        return {m.person.id: m.covering_for for m in team_of(svc, actor(who))}

    assert team(trust.other_manager) == {trust.outsider.id: None}  # their own people only, before the cover
    with pytest.raises(PermissionDenied):
        start_sign_off(svc, actor(trust.other_manager), trust.doctor.id)
    svc.session.rollback()
    cover(svc, trust)
    covered = team(trust.other_manager)
    assert covered[trust.outsider.id] is None and covered[trust.doctor.id] == trust.manager.name
    assert trust.other_manager.id not in covered
    assert "manage_team" in held_capabilities(svc.session, actor(trust.other_manager))
    case = start_sign_off(svc, actor(trust.other_manager), trust.doctor.id)
    assert case.manager_id == trust.manager.id and case.subject_id == trust.doctor.id  # the manager's case still
    clock.advance(days=12)  # 13 March: the cover ended on the 12th
    assert trust.doctor.id not in team(trust.other_manager)
