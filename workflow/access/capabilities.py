"""What a person may do beyond a single case: read the trust's audit log, read reports, see the panel
sittings, import staff, plan a team, manage their own team, work a queue. One table names each capability
and who holds it; ``reach`` says where it is held (trust-wide, over some care groups, over the people one
manages, or nowhere). The token's role limit and "holds it trust-wide" are applied here, once.

Roles are the policies' role names (002 section 5): offices are held by a role assignment anywhere in the
trust, care-group roles over the assignment's care group (trust-wide when assigned over the trust), and
``manages`` by being someone's clinical manager of record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from workflow.actors import Actor
from workflow.errors import PermissionDenied
from workflow.store.models import DeputyCover, OrgUnit, Person, RoleAssignment

TRUST_OFFICES = ("medical_director", "chief_executive_office", "medical_directorate", "hr")  # 002 5.1, 5.2, 5.6, 5.7
TRUST_ADMIN = "trust_admin"  # sets the trust up: organisation, people, roles, accounts (issue 17)
# Trust-level roles no policy routes work to, held by assignment like the policies' offices (issue 17).
TRUST_ROLES = {TRUST_ADMIN: "Trust administrator",
               "job_planning_lead": "Job planning lead",           # 002 5.6, 004 "Governance Structure"
               "staff_side_representative": "Staff-side representative"}  # 004 Stage 3: the staff-side member
MANAGER_ROLE = "clinical_manager"  # the role a clinical manager of record acts in (002 5.4): a token must allow it


@dataclass(frozen=True)
class Capability:
    refusal: str  # what a refused person is told: who may
    offices: tuple[str, ...] = ()  # held trust-wide by an assignment of one of these roles
    care_group: tuple[str, ...] = ()  # held over the assigned care group (trust-wide if assigned over the trust)
    manages: bool = False  # held by a clinical manager of record, over the people (and teams) they manage


CAPABILITIES: dict[str, Capability] = {
    "read_trust_audit_log": Capability(  # 002 7.6.8 master log
        "the trust-wide audit log is for the Medical Director, the Chief Executive's office, the Medical "
        "Directorate and HR (002 7.6.8)", offices=TRUST_OFFICES),
    "read_reports": Capability(  # 002 5.2-5.7, 7.6.8
        "job planning reports are for the Medical Directorate, the Medical Director, HR, the Chief Executive's "
        "office and Associate Medical Directors (002 5.2-5.7, 7.6.8)", offices=TRUST_OFFICES,
        care_group=("associate_medical_director",)),
    "read_panel_sittings": Capability(  # 002 7.8.11
        "the appeal panel sittings report is for the Chief Executive's office, the Medical Director, the Medical "
        "Directorate and HR (002 7.8.11)", offices=TRUST_OFFICES),
    "import_staff": Capability(  # 002 5.6, 5.7: the offices that keep staff records
        "only HR or the Medical Directorate may import staff records", offices=("hr", "medical_directorate")),
    "plan_team": Capability(  # 002 7.4.1, 5.3, 5.6
        "a team job plan is drafted and agreed by a clinical manager of the team, the care group's Associate "
        "Medical Director or the Medical Directorate (002 7.4)", offices=("medical_directorate",),
        care_group=("associate_medical_director",), manages=True),
    "run_round": Capability(  # issue 17 item 5; 002 5.3 (the AMD over their care group)
        "this year's round is started by the job planning lead, or by an Associate Medical Director for their own "
        "care group (002 5.3)", offices=("job_planning_lead",), care_group=("associate_medical_director",)),
    "reassign_cases": Capability(  # issue 17 item 7; 002 5.3
        "a clinical manager's cases are reassigned by the Associate Medical Director of the care group, or the "
        "Medical Directorate (002 5.3, 5.6)", offices=("medical_directorate",),
        care_group=("associate_medical_director",)),
    "arrange_cover": Capability(  # issue 17 item 7; 002 5.3, 5.6, 5.7 (the manager names their own: workflow.service.cover)
        "a deputy is named by the clinical manager who is away, or for them by the Associate Medical Director of "
        "their care group, the Medical Directorate, HR or the trust's administrator (002 5.3, 5.6, 5.7)",
        offices=("medical_directorate", "hr", TRUST_ADMIN), care_group=("associate_medical_director",)),
    "manage_team": Capability(  # 002 5.4
        "your team is the people you are clinical manager of (002 5.4)", manages=True),
    "queue_mediations": Capability("the mediations list is the Medical Director's (002 7.8.4)",
                                   offices=("medical_director",)),
    "queue_appeals": Capability("the appeals register is kept for the Chief Executive's office and the Medical "
                                "Director (002 7.8.7)", offices=("chief_executive_office", "medical_director")),
    "queue_governance": Capability("the governance queue is the Medical Directorate's and HR's (002 5.6, 5.7)",
                                   offices=("medical_directorate", "hr")),
    # Administration (issue 17). The trust's administrator sets it up; HR keeps staff records and accounts
    # (002 5.7); the Chief Executive's office keeps the approved appeal panel list it allocates from (7.8.10-12).
    "administer_organisation": Capability("care groups and teams are set up by the trust's administrator",
                                          offices=(TRUST_ADMIN,)),
    "administer_people": Capability("staff records are kept by the trust's administrator and HR (002 5.7)",
                                    offices=(TRUST_ADMIN, "hr")),
    "administer_accounts": Capability("accounts are invited, disabled and enabled by the trust's administrator "
                                      "and HR", offices=(TRUST_ADMIN, "hr")),
    "assign_roles": Capability("roles are assigned by the trust's administrator", offices=(TRUST_ADMIN,)),
    "keep_panel_list": Capability("the approved appeal panel list is kept by the trust's administrator and the "
                                  "Chief Executive's office (002 7.8.10-7.8.12)",
                                  offices=(TRUST_ADMIN, "chief_executive_office")),
    "queue_second_level": Capability("the second-level sign-off list is the Associate Medical Directors' (002 5.3)",
                                     care_group=("associate_medical_director",)),
}


def allows(actor: Actor, role: str) -> bool:
    """The token's role limit: the one place it is applied."""
    return actor.only_roles is None or role in actor.only_roles


CLOCK_KEY = "jobplan_clock"  # session.info: the service's clock, so "today" is the trust's today
TRUST_ZONE = ZoneInfo("Europe/London")


def today(session: Session) -> date:
    """The trust's local date now, by the service's clock (a role assignment's dates are local dates)."""
    clock = session.info.get(CLOCK_KEY)
    now = clock.now() if clock is not None else datetime.now(timezone.utc)
    return now.astimezone(TRUST_ZONE).date()


def in_force(session: Session):
    """SQL: the role assignment is held today (between its from and to dates, both included)."""
    day = today(session)
    return and_(or_(RoleAssignment.valid_from.is_(None), RoleAssignment.valid_from <= day),
                or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= day))


def held_assignments(session: Session, actor: Actor) -> list[RoleAssignment]:
    """The actor's role assignments in force today (with their unit), within the token's roles."""
    if actor.is_system or actor.person_id is None:
        return []
    rows = session.scalars(select(RoleAssignment).options(joinedload(RoleAssignment.org_unit))
                           .where(RoleAssignment.person_id == actor.person_id, in_force(session))).all()
    return [a for a in rows if allows(actor, a.role)]


def trust_wide(assignment: RoleAssignment) -> bool:
    """An assignment over the whole trust: no unit, or the trust itself."""
    return assignment.org_unit_id is None or (assignment.org_unit is not None and assignment.org_unit.kind == "trust")


@dataclass(frozen=True)
class Reach:
    """Where a capability is held. ``organisation_id``: the trust it is held in (None: the one trust of this
    database; issue 19's tenancy narrows here)."""
    trust_wide: bool = False
    care_groups: frozenset[int] = frozenset()
    manager_id: int | None = None  # held over the people this person manages
    organisation_id: int | None = None

    def __bool__(self) -> bool:
        return self.trust_wide or bool(self.care_groups) or self.manager_id is not None

    def care_group_scope(self) -> set[int] | None:
        """None: the whole trust; else the care groups (what reports filter by)."""
        return None if self.trust_wide else set(self.care_groups)


def reach(session: Session, actor: Actor, capability: str) -> Reach:
    cap = CAPABILITIES[capability]
    if actor.is_system:
        return Reach(trust_wide=True)
    rows = held_assignments(session, actor)
    if any(a.role in cap.offices for a in rows):
        return Reach(trust_wide=True)
    groups = set()
    for a in rows:
        if a.role in cap.care_group:
            if trust_wide(a):
                return Reach(trust_wide=True)
            groups.add(a.org_unit_id)
    manager = None
    if cap.manages and allows(actor, MANAGER_ROLE) and session.scalar(
            select(Person.id).where(Person.manager_id == actor.person_id).limit(1)) is not None:
        manager = actor.person_id
    return Reach(care_groups=frozenset(groups), manager_id=manager)


def _covers(session: Session, r: Reach, team: OrgUnit | None, person: Person | None) -> bool:
    if not r:
        return False
    if r.trust_wide or (team is None and person is None):
        return True
    unit = team if team is not None else person.team
    group = unit.ancestor("care_group") if unit is not None else None
    if group is not None and group.id in r.care_groups:
        return True
    if r.manager_id is not None:
        if person is not None:
            return person.manager_id == r.manager_id
        return session.scalar(select(Person.id).where(Person.team_id == team.id,
                                                      Person.manager_id == r.manager_id).limit(1)) is not None
    return False


def may(session: Session, actor: Actor, capability: str, *, team: OrgUnit | None = None,
        person: Person | None = None) -> bool:
    """May this actor do it (here: over this team or person, when given)?"""
    return _covers(session, reach(session, actor, capability), team, person)


def require(session: Session, actor: Actor, capability: str, *, team: OrgUnit | None = None,
            person: Person | None = None) -> Reach:
    """``may``, or PermissionDenied saying who may; the reach, for a caller that filters by it."""
    r = reach(session, actor, capability)
    if not _covers(session, r, team, person):
        raise PermissionDenied(CAPABILITIES[capability].refusal)
    return r


def held_capabilities(session: Session, actor: Actor) -> set[str]:
    """The capabilities the actor holds somewhere (what the navigation offers): two statements for all."""
    if actor.is_system:
        return set(CAPABILITIES)
    rows = held_assignments(session, actor)
    manages = allows(actor, MANAGER_ROLE) and (session.scalar(
        select(Person.id).where(Person.manager_id == actor.person_id).limit(1)) is not None
        or bool(covered_managers(session, actor)))  # a deputy in cover has the manager's team (issue 17 item 7)
    return {name for name, cap in CAPABILITIES.items()
            if any(a.role in cap.offices or a.role in cap.care_group for a in rows) or (cap.manages and manages)}


def cover_in_force_on(day: date):
    """SQL: a deputy cover (``DeputyCover``) is held on this local day: from its first to its last day, both
    included, and not ended early (issue 17 item 7; ``workflow.access.cover``)."""
    return and_(DeputyCover.starts_on <= day, DeputyCover.ends_on >= day, DeputyCover.ended_at.is_(None))


def covered_managers(session: Session, actor: Actor) -> frozenset[int]:
    """The managers the actor is deputy for today: one statement."""
    if actor.is_system or actor.person_id is None:
        return frozenset()
    return frozenset(session.scalars(select(DeputyCover.manager_id).where(
        DeputyCover.deputy_id == actor.person_id, cover_in_force_on(today(session)))))
