"""A demo trust: people in every role, plans and cases in several states. Built through the service
layer, so the demo obeys the same rules as real use. Emails are addresses at example.org."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from workflow.actors import Actor
from workflow.store.models import OrgUnit, Person, RoleAssignment
from workflow.service.passwords import hash_password
from workflow.policy.tags import ANNUAL_SIGN_OFF

DEMO_PASSWORD = "demo"  # shown on the login page in demo mode only
# One account per role, listed on the login page in demo mode: (what it is, staff number).
DEMO_ACCOUNTS = [
    ("Medical Director", "1001"),
    ("Chief Executive's office", "1002"),
    ("Medical Directorate (job planning lead)", "1003"),
    ("HR Workforce Team", "1004"),
    ("Associate Medical Director, Mental Health", "1005"),
    ("Clinical manager (Clinical Director)", "1006"),
    ("Practitioner, plan awaiting signatures", "2001"),
    ("Practitioner, in dispute", "2003"),
    ("Appeal panel list member", "301"),
]

def demo_plan(pas: float = 10, spa: float = 2.5) -> dict:
    """A complete plan of ``pas`` PAs a week with ``spa`` of them SPA: it passes the content rules of
    cpft-medical-2017 (002 7.1-7.2, 7.6.5), so demo plans can be signed."""
    dcc = pas - spa
    rows, days = [], ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    day, hour = 0, 9.0  # sessions run 09:00-17:00, two PAs a day
    for category, total, activity, kind in (("DCC", dcc, "Outpatient clinic", "Outpatient activities"),
                                            ("SPA", spa, "CPD, audit and appraisal", "Continuing Professional Development")):
        while total > 1e-9:
            size = min(1.0, total, (17 - hour) / 4)
            end = hour + size * 4
            rows.append({"day": days[day], "start": f"{int(hour):02d}:{int(hour % 1 * 60):02d}",
                         "end": f"{int(end):02d}:{int(end % 1 * 60):02d}", "location": "Main site",
                         "activity": activity, "category": category, "activity_type": kind, "pas": size})
            total -= size
            day, hour = (day + 1, 9.0) if end >= 17 else (day, end)
    return {
        "post": {"job_title": "Consultant Psychiatrist", "specialty": "Adult psychiatry", "contracted_pas": pas},
        "schedule": rows,
        "on_call": [{"rota": "Consultant psychiatry", "frequency": "1 in 8", "on_call_category": "B", "pas": 0}],
        "objectives": [{"kind": "personal", "text": "Reduce clinic waiting time to 6 weeks by March",
                        "specific": "New outpatient referrals", "measurable": "Median wait from referral in weeks",
                        "achievable": "Agreed extra triage slot", "realistic": "Demand flat for two years",
                        "time_bound": "2028-03-31", "linked_activities": ["Outpatient clinic"]}],
        "supporting_resources": [{"item": "Medical secretary", "comments": "0.5 WTE shared"}],
        "accommodation": [{"item": "Main site", "comments": "Shared office, clinic rooms on Monday and Tuesday"}],
        "equipment": [{"item": "Laptop with remote access", "comments": "Suitable"}],
        "external_duties": [],
        "private_practice": {"other_nhs_work": False, "non_nhs_work": False, "other_paid_employment": False},
        "managerial_responsibilities": ["Supervises two specialty trainees"],
        "accountability": {"professional": "Medical Director", "managerial": "Clinical Director"},
        "other_comments": "No other agreements.",
        "additional_pas": [],
        "justifications": {"annualised": "Every activity is weekly", "external_duties": "No external duties this year",
                           "additional_pas": "No additional PAs are needed"},
    }


def load_demo(svc, only_if_empty: bool = False) -> str:
    s = svc.session
    if s.scalar(select(func.count(Person.id))):
        if only_if_empty:
            return "demo: the database already has people; nothing loaded"
        raise RuntimeError("the database already has people; load the demo into an empty database")

    trust = OrgUnit(kind="trust", name="Northfell Partnership NHS Foundation Trust")
    mh = OrgUnit(kind="care_group", name="Mental Health", parent=trust)
    comm = OrgUnit(kind="care_group", name="Community Services", parent=trust)
    t_adult = OrgUnit(kind="team", name="Adult Psychiatry", parent=mh)
    t_old = OrgUnit(kind="team", name="Older Adults", parent=mh)
    t_dental = OrgUnit(kind="team", name="Community Dental", parent=comm)
    s.add_all([trust, mh, comm, t_adult, t_old, t_dental])
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: demo accounts only

    def person(staff, name, role_title, group=None, team=None, manager=None, pas=None):
        p = Person(staff_number=staff, name=name, email=f"{name.split()[-1].lower()}.{staff}@example.org",
                   staff_group=group, job_title=role_title, team=team, manager=manager, contracted_pas=pas,
                   wants_digest=False, active=True, password_hash=password_hash)
        s.add(p)
        return p

    md = person("1001", "Dr Helen Marsh", "Medical Director", "consultant", t_adult)
    ceo = person("1002", "Mark Ridley", "Chief Executive's Office")
    dir_ = person("1003", "Sana Iqbal", "Medical Directorate job planning lead")
    hr = person("1004", "Owen Price", "HR Workforce Team")
    amd = person("1005", "Dr Ruth Okafor", "Associate Medical Director", "consultant", t_old)
    cm = person("1006", "Dr James Hale", "Clinical Director", "consultant", t_adult)
    cm2 = person("1007", "Dr Priya Nair", "Clinical Director", "consultant", t_old)
    practitioners = [
        person("2001", "Dr Alice Byrne", "Consultant Psychiatrist", "consultant", t_adult, cm, 10),
        person("2002", "Dr Ben Carter", "Consultant Psychiatrist", "consultant", t_adult, cm, 10),
        person("2003", "Dr Chloe Dunn", "Specialty Doctor", "specialty_doctor", t_adult, cm, 10),
        person("2004", "Dr Dev Ellis", "Consultant Psychiatrist", "consultant", t_old, cm2, 10),
        person("2005", "Dr Erin Foster", "Associate Specialist", "associate_specialist", t_old, cm2, 8),
    ]
    panel = [person(f"30{i}", name, "Approved appeal panel member")
             for i, name in enumerate(["Dr Fiona Grant", "Dr George Hughes", "Dr Isla Jones"], start=1)]
    s.flush()
    s.add_all([
        RoleAssignment(person_id=md.id, role="medical_director", org_unit_id=trust.id),
        RoleAssignment(person_id=ceo.id, role="chief_executive_office", org_unit_id=trust.id),
        RoleAssignment(person_id=dir_.id, role="medical_directorate", org_unit_id=trust.id),
        RoleAssignment(person_id=hr.id, role="hr", org_unit_id=trust.id),
        RoleAssignment(person_id=amd.id, role="associate_medical_director", org_unit_id=mh.id),
        *[RoleAssignment(person_id=p.id, role="appeal_panel_list", org_unit_id=trust.id) for p in panel],
    ])
    s.commit()

    a, b, c, d, e = practitioners
    today = svc.clock.now().date()
    # Farah: started last week with no plan yet, so her manager's team page offers her interim plan (7.4.3).
    newcomer = person("2006", "Dr Farah Gill", "Specialty Doctor", "specialty_doctor", t_adult, cm, 10)
    newcomer.start_date = today - timedelta(days=5)
    s.commit()

    # Alice: a plan waiting for signatures; Ben: agreed; Chloe: in dispute, referred to the MD;
    # Dev: a draft with no meeting yet; Erin: signed by both, at second-level review; Farah: new (above).
    plans = {p.id: svc.create_job_plan(Actor.person(p.manager_id), p.id,
                                       demo_plan(p.contracted_pas or 10, 2.5 if p.staff_group == "consultant" else 1.5))
             for p in practitioners}
    sign_off = svc.policies.for_person(a).workflow_tagged(ANNUAL_SIGN_OFF).name
    cases = {p.id: svc.start_case(Actor.person(p.manager_id), sign_off, p.id, job_plan_id=plans[p.id].id)
             for p in practitioners}
    meeting = {"meeting_date": (today - timedelta(days=10)).isoformat()}
    for p in (a, b, c, e):
        svc.fire(Actor.person(p.manager_id), cases[p.id].id, "record_meeting", meeting)
    for p in (b, e):
        svc.fire(Actor.person(p.id), cases[p.id].id, "sign")
        svc.fire(Actor.person(p.manager_id), cases[p.id].id, "sign")
    svc.fire(Actor.person(amd.id), cases[b.id].id, "approve_second_level")
    svc.fire(Actor.person(dir_.id), cases[b.id].id, "accept_governance_check")
    res = svc.fire(Actor.person(c.id), cases[c.id].id, "record_failure_to_agree",
                   {"points_not_agreed": "Number of on-call PAs and the SPA allocation"})
    svc.fire(Actor.person(c.id), res.started_case_ids[0], "raise_formal_disagreement", {
        "nature": "The plan moves 0.5 SPA into direct clinical care.",
        "reasons": "Revalidation needs at least 1.5 SPA (002 7.2.1).",
        "evidence_summary": "Work diary for six weeks; appraisal summary.",
        "consequences": "Without the SPA I cannot keep up CPD and audit.",
        "proposed_solution": "Keep 1.5 SPA and reduce one clinic by half a session.",
    })
    return (f"demo: loaded {len(practitioners) + len(panel) + 8} people, {len(plans)} job plans and "
            f"{len(cases) + 1} cases; every demo account's password is '{DEMO_PASSWORD}'")
