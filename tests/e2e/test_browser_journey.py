"""The whole dispute, each step done by the right person through the pages in a real browser
(issue 7): meeting, failure to agree, formal disagreement with an upload, mediation convened, the
Medical Director's decision, appeal lodged, panel convened with an objection, hearing, recommendation,
board decision, plan updated. Every page visited is checked with axe-core; screenshots are kept in
test-artifacts/screenshots/."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import actor
from tests.e2e.browser import Visitor, describe
from tests.factories import complete_plan
from workflow.store.models import Case, CaseParticipant, JobPlan

pytestmark = pytest.mark.browser


def open_case(v: Visitor, case_id: int):
    v.page.goto(f"/cases/{case_id}")
    return v


def do_step(v: Visitor, case_id: int, title: str, fill, label: str, violations: list):
    """Open the case, follow the link for the step, fill the form, submit it, and land on a case page."""
    open_case(v, case_id)
    v.page.click(f"a.nhsuk-action-link__link:has-text(\"{title}\")")
    v.page.wait_for_selector("form#main-form")
    violations += [(v.name, label, x) for x in v.axe()]
    fill(v.page)
    v.shot(label)
    v.page.click("form#main-form button[type=submit], form#main-form button.nhsuk-button")
    v.page.wait_for_selector(".nhsuk-notification-banner--success")
    violations += [(v.name, label + " done", x) for x in v.axe()]
    v.shot(label + "-done")
    return int(v.page.url.rstrip("/").split("/")[-1])


def date(page, name, day, month, year):
    page.fill(f"input[name='{name}[day]']", str(day))
    page.fill(f"input[name='{name}[month]']", str(month))
    page.fill(f"input[name='{name}[year]']", str(year))


def test_full_dispute_journey_through_the_pages_002_7_5_to_7_8_13(app, svc, trust, browser, live_server,
                                                                   passwords, tmp_path):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    sign_off = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id).id
    violations: list = []
    manager = Visitor(browser, live_server, "1-manager").sign_in(trust.manager)
    doctor = Visitor(browser, live_server, "2-practitioner").sign_in(trust.doctor)
    md = Visitor(browser, live_server, "3-medical-director").sign_in(trust.md)
    ceo = Visitor(browser, live_server, "4-ce-office").sign_in(trust.ceo)
    chair = Visitor(browser, live_server, "5-panel-chair").sign_in(trust.chair)
    try:
        # The manager's inbox lists the case waiting on them; they record the meeting (002 7.5).
        manager.page.goto("/")
        assert manager.page.is_visible(f"a[href='/cases/{sign_off}']")
        violations += [(manager.name, "inbox", x) for x in manager.axe()]
        manager.shot("inbox")
        do_step(manager, sign_off, "Record the job planning meeting",
                lambda p: date(p, "meeting_date", 25, 2, 2027), "meeting", violations)

        # The practitioner records the failure to agree (7.5, 7.8.1) and lands on the disagreement case.
        disagreement = do_step(doctor, sign_off, "Record that agreement has not been reached",
                               lambda p: p.fill("textarea[name='points_not_agreed']", "The SPA allocation"),
                               "failure-to-agree", violations)
        assert disagreement != sign_off
        evidence = tmp_path / "work-diary.txt"
        evidence.write_text("Six weeks of work diary: 11.5 hours of SPA work a week.")

        def formal(p):
            # The form shows the 2-week clock (7.8.3) before anything is typed.
            assert "Formal disagreement in writing within 2 weeks" in p.inner_text("main")
            p.fill("textarea[name='nature']", "0.5 SPA moves into direct clinical care")
            p.fill("textarea[name='reasons']", "Revalidation needs at least 1.5 SPA (7.2.1)")
            p.fill("textarea[name='evidence_summary']", "My work diary, attached")
            p.set_input_files("input[name='evidence-upload']", str(evidence))
            p.fill("textarea[name='consequences']", "No time for audit and CPD")
            p.fill("textarea[name='proposed_solution']", "Keep 1.5 SPA; drop half a clinic")
        do_step(doctor, disagreement, "Raise a formal disagreement", formal, "formal-disagreement", violations)
        assert doctor.page.is_visible("a:has-text('work-diary.txt')")

        # The Medical Director finds it in the mediations list, convenes, holds and decides (7.8.4, 7.8.5).
        md.page.goto("/cases?queue=mediations")
        assert md.page.is_visible(f"a[href='/cases/{disagreement}']")
        violations += [(md.name, "mediations", x) for x in md.axe()]
        md.shot("mediations")

        def schedule(p):
            date(p, "meeting_at", 15, 3, 2027)
            p.fill("input[name='meeting_at-time']", "14:30")
            p.fill("textarea[name='location']", "Board room, Main site")
        do_step(md, disagreement, "Schedule the mediation meeting", schedule, "schedule-mediation", violations)
        do_step(md, disagreement, "Record that the mediation meeting was held",
                lambda p: date(p, "held_on", 1, 3, 2027), "mediation-held", violations)
        appeal = do_step(md, disagreement, "Decide the matter",
                         lambda p: p.fill("textarea[name='decision']", "0.5 SPA moves to DCC from April."),
                         "decision", violations)
        md.page.goto(f"/cases/{disagreement}/decision-letter")
        assert "0.5 SPA moves to DCC from April." in md.page.inner_text("main")
        md.shot("decision-letter")

        # The practitioner appeals within the window and nominates a panel member (7.8.8, 7.8.10).
        def lodge(p):
            p.fill("textarea[name='points_in_dispute']", "The SPA reduction")
            p.fill("textarea[name='reasons']", "It falls below the revalidation minimum")
        do_step(doctor, appeal, "Lodge an appeal", lodge, "lodge-appeal", violations)
        do_step(doctor, appeal, "Nominate your panel member",
                lambda p: p.select_option("select[name='person']", str(trust.nominee.id)), "nominate", violations)

        # The CE office convenes the panel: chair, list member, an objection and its one alternative (7.8.12).
        ceo.page.goto("/cases?queue=appeals")
        assert ceo.page.is_visible("text=Approved panel list")
        violations += [(ceo.name, "appeals register", x) for x in ceo.axe()]
        ceo.shot("appeals-register")
        do_step(ceo, appeal, "Nominate the panel chair",
                lambda p: p.select_option("select[name='person']", str(trust.chair.id)), "chair", violations)
        do_step(ceo, appeal, "Allocate the third member", lambda p: None, "allocate", violations)
        do_step(doctor, appeal, "Object to the member allocated",
                lambda p: p.fill("textarea[name='objection']", "They supervised my training"), "objection",
                violations)
        open_case(doctor, appeal)
        assert not doctor.page.is_visible("a:has-text('Object to the member allocated')")  # once only

        def hearing(p):
            date(p, "hearing_at", 22, 3, 2027)
            p.fill("input[name='hearing_at-time']", "10:00")
        do_step(ceo, appeal, "Arrange the appeal hearing", hearing, "hearing-date", violations)
        do_step(ceo, appeal, "Record that the appeal panel met",
                lambda p: date(p, "held_on", 1, 3, 2027), "hearing-held", violations)

        def recommend(p):
            p.check("input[name='recommendation'][value='vary_plan']")
            p.fill("textarea[name='summary']", "Keep 1.5 SPA; move half a clinic.")
        do_step(chair, appeal, "Record the panel's recommendation", recommend, "recommendation", violations)

        version = svc.session.get(JobPlan, plan.id).current_version

        def board(p):  # a variation carries the plan as the board varied it (7.8.9): the panel's 1.5 SPA
            import json

            from tests.integration.scenario import plan_content

            p.check("input[name='board_decision'][value='vary_plan']")
            p.fill("textarea[name='summary']", "The board accepts the panel's recommendation.")
            p.fill("input[name='plan_version']", str(version))
            p.fill("textarea[name='varied_plan']", json.dumps(plan_content(spa=1.5)))
        do_step(ceo, appeal, "Record the trust board", board, "board-decision", violations)

        # The plan is updated to the decided form and is in force (7.8.9).
        svc.session.rollback()
        agreed = svc.session.get(JobPlan, plan.id)
        assert agreed.agreed_version is not None and agreed.agreed_version > version
        doctor.page.goto(f"/plans/{plan.id}")
        assert f"Version {agreed.agreed_version}, agreed" in doctor.page.inner_text("main")
        violations += [(doctor.name, "plan", x) for x in doctor.axe()]
        doctor.shot("plan-in-force")
        assert svc.session.get(Case, sign_off).state == "agreed"
        objected = svc.session.scalars(select(CaseParticipant).where(CaseParticipant.case_id == appeal,
                                                                     CaseParticipant.status != "active")).all()
        assert len(objected) == 1
    finally:
        for v in (manager, doctor, md, ceo, chair):
            v.close()
    assert violations == [], describe(violations)
