"""The seats of a case that people fill (an appeal panel's chair, the practitioner's nominee, the member from
the approved list: 002 7.8.10), who fills each, who still has to name someone, and the meeting arranged for it
(date, time and place), for the case page. A step that names someone to a seat already filled is not offered
again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflow.access import holders_of
from workflow.store.models import Case

ADDS_PARTICIPANT = ("add_participant", "allocate_list_member")  # the rule vocabulary's seat-filling actions


def seat_of(spec) -> str | None:
    """The seat a step fills: ``add_participant: {role: …}``."""
    for name, params in spec.actions:
        if name == "add_participant" and params.get("role"):
            return params["role"]
    return None


def filled_roles(case: Case) -> set[str]:
    return {p.role for p in case.participants if p.status == "active"}


def seat_taken(case: Case, spec) -> bool:
    """The step names someone to a seat somebody already holds."""
    seat = seat_of(spec)
    return seat is not None and seat in filled_roles(case)


@dataclass(frozen=True)
class Seat:
    title: str
    holder: str | None
    named_by: str | None    # who names someone, while the seat is empty: "Practitioner (Dr Ellis)"


@dataclass(frozen=True)
class Meeting:
    label: str
    at: datetime
    place: str | None


def panel(svc, case: Case) -> list[Seat]:
    """Each seat of the policy's appeal panel on an open case of the workflow that fills them."""
    policy = svc.policy_of(case)
    wf = policy.workflow(case.workflow)
    seats = [r for r in policy.settings.appeal_panel_roles or () if r in policy.roles]
    fillers = {}
    for t in wf.transitions:
        seat = seat_of(t)
        if seat is None and any(name == "allocate_list_member" for name, _ in t.actions):
            seat = next((r for r in seats if r not in {seat_of(x) for x in wf.transitions}), None)
        if seat is not None and seat not in fillers:
            fillers[seat] = t
    if not any(s in fillers for s in seats):
        return []
    out = []
    active = {p.role: p for p in case.participants if p.status == "active"}
    for role in seats:
        p = active.get(role)
        holder = (p.person.name if p.person is not None else p.name) if p is not None else None
        named_by = None
        if holder is None and role in fillers:
            who = []
            for r in fillers[role].roles:
                names = ", ".join(x.name for x in holders_of(svc.session, case, policy, r))
                who.append(f"{policy.roles[r].title} ({names})" if names else policy.roles[r].title)
            named_by = " or ".join(who)
        out.append(Seat(policy.roles[role].title, holder, named_by))
    return out


def meetings(svc, case: Case) -> list[Meeting]:
    """The meetings arranged on the case: every datetime field a step recorded, with the place entered."""
    policy = svc.policy_of(case)
    wf = policy.workflow(case.workflow)
    data = case.data or {}
    out = []
    for t in wf.transitions:
        for f in t.payload:
            if f.type == "datetime" and data.get(f.name) and f.name not in {m.label for m in out}:
                at = data[f.name]
                at = datetime.fromisoformat(at) if isinstance(at, str) else at
                place = data.get("location") if isinstance(data.get("location"), str) else None
                out.append(Meeting(f.invitation or f.label or f.name, at, place))
    return out
