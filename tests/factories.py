"""A small trust for tests: one care group with two teams, a practitioner in each staff group, their
managers, an AMD, the offices, and the approved appeal panel list."""
from __future__ import annotations

from types import SimpleNamespace

from workflow.models import OrgUnit, Person, RoleAssignment


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
    session.flush()
    session.add_all([
        RoleAssignment(person_id=ns.md.id, role="medical_director", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.ceo.id, role="chief_executive_office", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.directorate.id, role="medical_directorate", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.hr.id, role="hr", org_unit_id=trust.id),
        RoleAssignment(person_id=ns.amd.id, role="associate_medical_director", org_unit_id=mh.id),
        RoleAssignment(person_id=ns.other_amd.id, role="associate_medical_director", org_unit_id=other.id),
        *[RoleAssignment(person_id=p.id, role="appeal_panel_list", org_unit_id=trust.id) for p in ns.panel_list],
    ])
    session.commit()
    return ns


def complete_plan(pas: float = 10, spa: float = 2.5, **overrides) -> dict:
    """A plan that meets every content rule of cpft-medical-2017 (the demo's), with sections replaced."""
    from workflow.demo import demo_plan

    return {**demo_plan(pas, spa), **overrides}
