"""A small trust for tests: one care group with two teams, a practitioner in each staff group, their
managers, an AMD, the offices, and the approved appeal panel list."""
from __future__ import annotations

from types import SimpleNamespace

from workflow.store.models import OrgUnit, Person, RoleAssignment


def make_trust(session) -> SimpleNamespace:
    trust = OrgUnit(kind="trust", name="Test Trust")
    mh = OrgUnit(kind="care_group", name="Mental Health", parent=trust)
    other = OrgUnit(kind="care_group", name="Community", parent=trust)
    team = OrgUnit(kind="team", name="Adult", parent=mh)
    other_team = OrgUnit(kind="team", name="District", parent=other)
    session.add_all([trust, mh, other, team, other_team])
    n = iter(range(1, 1000))

    def person(name, group=None, t=None, manager=None):
        i = next(n)
        p = Person(staff_number=f"T{i:03d}", name=name, email=f"p{i}@example.org", staff_group=group, team=t,
                   manager=manager, contracted_pas=10, active=True, wants_digest=False)
        session.add(p)
        return p

    ns = SimpleNamespace(trust=trust, care_group=mh, other_care_group=other, team=team, other_team=other_team)
    ns.md = person("Medical Director", "consultant", team)
    ns.ceo = person("CE Office")
    ns.directorate = person("Directorate Lead")
    ns.hr = person("HR Lead")
    ns.amd = person("AMD Mental Health", "consultant", team)
    ns.other_amd = person("AMD Community", "consultant", other_team)
    ns.manager = person("Clinical Manager", "consultant", team)
    ns.other_manager = person("Other Manager", "consultant", other_team)
    ns.doctor = person("Dr Practitioner", "consultant", team, ns.manager)
    ns.colleague = person("Dr Colleague", "consultant", team, ns.manager)
    ns.outsider = person("Dr Outsider", "consultant", other_team, ns.other_manager)
    ns.panel_list = [person(f"Panel List {k}") for k in range(1, 4)]
    ns.chair = person("Panel Chair")
    ns.nominee = person("Appellant Nominee", "consultant", other_team)
    # A second team of the same care group, for the dental and non-medical policies' people.
    ns.ward = OrgUnit(kind="team", name="Ward and Dental", parent=mh)
    session.add(ns.ward)
    # Salaried primary dental care (001): a dentist and their clinical director.
    ns.clinical_director = person("Dental Clinical Director", "consultant_dentist", ns.ward)
    ns.dentist = person("Salaried Dentist", "salaried_dentist", ns.ward, ns.clinical_director)
    # Agenda for Change (004): a nurse, her line manager (1st level), a senior manager over the care group
    # (2nd level), the job planning team, a second HR adviser, and people who may sit on an appeals panel.
    ns.line_manager = person("Ward Manager", "nurse", ns.ward)
    ns.nurse = person("Staff Nurse", "nurse", ns.ward, ns.line_manager)
    ns.senior_manager = person("Matron", "nurse", ns.ward)
    ns.job_planning_team = person("Job Planning Lead")
    ns.hr_adviser = person("HR Adviser")
    ns.jpt_member = person("Job Planning Analyst")
    ns.consistency_chair = person("Director of Nursing")
    ns.professional_lead = person("Professional Lead Nursing")
    ns.staff_side = person("Staff Side Rep")
    session.flush()
    session.add_all([
        RoleAssignment(person_id=ns.md.id, role="medical_director", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.ceo.id, role="chief_executive_office", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.directorate.id, role="medical_directorate", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.hr.id, role="hr", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.amd.id, role="associate_medical_director", org_unit_id=mh.id),
        RoleAssignment(person_id=ns.other_amd.id, role="associate_medical_director", org_unit_id=other.id),
        *[RoleAssignment(person_id=p.id, role="appeal_panel_list", org_unit_id=trust.id) for p in ns.panel_list],
        RoleAssignment(person_id=ns.senior_manager.id, role="senior_manager", org_unit_id=mh.id),
        RoleAssignment(person_id=ns.job_planning_team.id, role="job_planning_team", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.jpt_member.id, role="job_planning_team", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.hr_adviser.id, role="hr", org_unit_id=trust.id),
        # 004 Stage 3: the panel's chair is at director level, its staff side member from staff side
        RoleAssignment(person_id=ns.consistency_chair.id, role="director_level", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.staff_side.id, role="staff_side", org_unit_id=trust.id),
    ])
    session.commit()
    return ns


def complete_plan(pas: float = 10, spa: float = 2.5, **overrides) -> dict:
    """A plan that meets every content rule of cpft-medical-2017 (the demo's), with sections replaced."""
    from workflow.service.demo import demo_plan

    return {**demo_plan(pas, spa), **overrides}


def practitioners(session, trust, n: int, prefix: str = "Dr Extra") -> list[Person]:
    """``n`` more consultants managed by the trust's clinical manager: one sign-off under way per person at a
    time (issue 13 item 9), so a test that needs many open sign-offs needs many people."""
    people = [Person(name=f"{prefix} {k}", email=f"{prefix.lower().replace(' ', '.')}.{k}@example.org",
                     staff_group="consultant", team=trust.team, manager=trust.manager, contracted_pas=10,
                     active=True, wants_digest=False) for k in range(n)]
    session.add_all(people)
    session.commit()
    return people


def make_trust_admin(session, trust):
    """The trust's administrator (issue 17): a person holding ``trust_admin`` over the trust, committed, so a
    refused operation rolls back to here."""
    p = Person(name="Trust Admin", email="admin@example.org", active=True, wants_digest=False)
    session.add(p)
    session.flush()
    session.add(RoleAssignment(person_id=p.id, role="trust_admin", org_unit_id=trust.trust.id))
    session.commit()
    return p
