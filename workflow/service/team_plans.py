"""The team page's view of a clinical manager's teams (issue 17 item 6; 002 7.4; 003): each team's capacity in
WTE and its team job plan (agreed, draft, or none), and drafting the next team plan as a copy of the last."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workflow import access
from workflow.actors import Actor
from workflow.content.calculations import Capacity
from workflow.errors import NotFound
from workflow.service import plans
from workflow.store.models import JobPlan, OrgUnit, Person


@dataclass(frozen=True)
class TeamSummary:
    team: OrgUnit
    capacity: Capacity
    latest: JobPlan | None      # the newest team plan (a draft, or the agreed one)
    agreed: JobPlan | None      # the newest agreed team plan


def teams_managed(svc, actor: Actor) -> list[TeamSummary]:
    """The teams of the people the actor manages, by name; none for a token that may not act as their manager."""
    if not access.allows(actor, access.MANAGER_ROLE) or actor.person_id is None:
        return []
    team_ids = set(svc.session.scalars(select(Person.team_id).where(Person.manager_id == actor.person_id,
                                                                    Person.active.is_(True),
                                                                    Person.team_id.is_not(None))))
    out = []
    for team in sorted((svc.session.get(OrgUnit, t) for t in team_ids), key=lambda u: u.name):
        found = svc.session.scalars(select(JobPlan).where(JobPlan.kind == "team", JobPlan.team_id == team.id)
                                    .order_by(JobPlan.id.desc())).all()
        agreed = next((p for p in found if p.agreed_version is not None), None)
        out.append(TeamSummary(team, plans.team_capacity(svc, actor, team.id), found[0] if found else None, agreed))
    return out


def draft_next_team_plan(svc, actor: Actor, team_id: int) -> JobPlan:
    """A new team plan: a copy of the last agreed one (or empty), on the policy of the team's members."""
    team = svc.session.get(OrgUnit, team_id)
    if team is None or team.kind != "team":
        raise NotFound(f"team {team_id} was not found")
    previous = svc.session.scalars(select(JobPlan).where(JobPlan.kind == "team", JobPlan.team_id == team_id,
                                                         JobPlan.agreed_version.is_not(None))
                                   .order_by(JobPlan.agreed_at.desc(), JobPlan.id.desc())).first()
    if previous is not None:
        policy_id = previous.policy_id
        content = dict(plans.version(previous, previous.agreed_version).content)
    else:
        member = svc.session.scalars(select(Person).where(Person.team_id == team_id, Person.active.is_(True),
                                                          Person.staff_group.is_not(None)).order_by(Person.id)).first()
        if member is None:
            raise NotFound(f"team {team.name} has no members with a staff group: no policy to plan it under")
        policy_id, content = svc.policies.for_person(member).id, {}
    return plans.create_team_plan(svc, actor, team_id, content, policy_id=policy_id)
