"""Random runs of every shipped policy (each file in policies/, so a new policy is covered the day it
lands): Hypothesis drives sequences of triggers by random actors with random payloads, starts cases,
edits plans and moves the clock through sweeps, and after every step checks that

- every case is at a state of its pinned policy, and its log replays to that state (tests/invariants.py);
- every state with a clock has its open deadline, and no clock of a state left behind stays open;
- the events are exactly the successful commands: a refused command writes nothing at all, and a
  successful one writes its own event, by that actor in a role it holds, plus only system follow-ons;
- no trigger succeeds for a role or a scope the policy forbids, checked against an independent reading
  of the scopes (subject, manager, care_group, office, participant, system) from the stored rows;
- time never runs backwards in the log; every email is explained by an event.

The number of runs is bounded (JOBPLAN_PROPERTY_EXAMPLES, default 20 runs of up to 30 steps per policy)."""
from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from tests.conftest import empty_tables
from tests.factories import complete_plan
from tests.invariants import all_problems
from web.extensions import db
from workflow.actors import SYSTEM, Actor
from workflow.engine import Engine
from workflow.errors import NotFound, PermissionDenied, WorkflowError
from workflow.store.models import (Case, CaseParticipant, Deadline, Event, JobPlan, OrgUnit, OutboxMessage, Person,
                             RoleAssignment, Signature)
from workflow.policy.loader import load_policy_file
from workflow.policy.registry import PolicyRegistry
from workflow.service import JobPlanning

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
POLICY_FILES = sorted(POLICY_DIR.rglob("*.yaml")) + sorted(POLICY_DIR.rglob("*.yml"))
EXAMPLES = int(os.environ.get("JOBPLAN_PROPERTY_EXAMPLES", "20"))
# Derandomised by default so CI is reproducible (the same runs every time); JOBPLAN_PROPERTY_RANDOM=1 explores.
DERANDOMIZE = os.environ.get("JOBPLAN_PROPERTY_RANDOM", "0") != "1"
STEPS = 30


def build_trust(session, policy) -> SimpleNamespace:
    """Two care groups, a practitioner and manager in each, a holder of every office role, a holder of
    every care-group role in each care group, and spare people who can be named as participants."""
    trust = OrgUnit(kind="trust", name="Property Trust")
    groups = [OrgUnit(kind="care_group", name=f"Group {k}", parent=trust) for k in "AB"]
    teams = [OrgUnit(kind="team", name=f"Team {k}", parent=g) for k, g in zip("AB", groups)]
    session.add_all([trust, *groups, *teams])
    staff_group = policy.staff_groups[0] if policy.staff_groups else None
    people: list[Person] = []

    def person(name, team=None, manager=None):
        p = Person(name=name, email=f"{name.lower().replace(' ', '.')}@example.org", staff_group=staff_group,
                   team=team, manager=manager, active=True, wants_digest=False)
        session.add(p)
        people.append(p)
        return p

    managers = [person(f"Manager {k}", t) for k, t in zip("AB", teams)]
    subjects = [person(f"Practitioner {k}", t, m) for k, t, m in zip("AB", teams, managers)]
    spares = [person(f"Spare {k}", teams[1]) for k in range(3)]
    for name, role in policy.roles.items():
        if role.scope == "office":
            session.add(RoleAssignment(person=person(f"Office {name}"), role=name, org_unit=trust))
        elif role.scope == "care_group":
            for k, (g, t) in enumerate(zip(groups, teams)):
                session.add(RoleAssignment(person=person(f"Group {name} {k}", t), role=name, org_unit=g))
    session.commit()
    return SimpleNamespace(trust_id=trust.id, subjects=[p.id for p in subjects], people=[p.id for p in people],
                           spares=[p.id for p in spares])


def oracle_roles(session, policy, who: Actor, subject_id: int, manager_id: int | None, case_id: int | None) -> set[str]:
    """The roles ``who`` holds on a case, read from the stored rows by the scope rules the policy model
    documents, without asking workflow.access."""
    if who.is_system:
        return {n for n, r in policy.roles.items() if r.scope == "system"}
    pid = who.person_id
    subject = session.get(Person, subject_id)
    subject_group = session.get(OrgUnit, subject.team_id).parent_id if subject.team_id else None
    trust_ids = set(session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "trust")))
    assigned = session.scalars(select(RoleAssignment).where(RoleAssignment.person_id == pid)).all()
    chain, cur = [], case_id
    while cur is not None:
        chain.append(cur)
        cur = session.get(Case, cur).parent_id
    named = set(session.scalars(select(CaseParticipant.role).where(
        CaseParticipant.case_id.in_(chain), CaseParticipant.person_id == pid, CaseParticipant.status == "active")))
    held = set()
    for name, role in policy.roles.items():
        if ((role.scope == "subject" and pid == subject_id)
                or (role.scope == "manager" and pid in (manager_id, subject.manager_id))
                or (role.scope == "office" and any(a.role == name for a in assigned))
                or (role.scope == "care_group" and any(a.role == name and (a.org_unit_id in trust_ids
                                                                            or a.org_unit_id == subject_group)
                                                       for a in assigned))
                or (role.scope == "participant" and name in named)):
            held.add(name)
    return held


def payload_for(data, spec, trust, today) -> dict:
    """Valid values for the trigger's fields; one run in eight spoils one of them (missing or wrong)."""
    out = {}
    for f in spec.payload if spec else ():
        if not f.required and data.draw(st.booleans()):
            continue
        if f.type == "date":
            v = (today + timedelta(days=data.draw(st.integers(-40, 10)))).isoformat()
        elif f.type == "datetime":
            v = f"{today + timedelta(days=data.draw(st.integers(0, 30)))}T10:00:00+00:00"
        elif f.type == "choice":
            v = data.draw(st.sampled_from(f.choices))
        elif f.type == "person":
            v = data.draw(st.sampled_from(trust.people))
        elif f.type == "documents":
            v = []
        elif f.type == "bool":
            v = data.draw(st.booleans())
        elif f.type in ("int", "number"):
            v = data.draw(st.integers(0, 10))
        else:
            v = "Set out in writing"
        out[f.name] = v
    if out and data.draw(st.integers(0, 7)) == 0:
        name = data.draw(st.sampled_from(sorted(out)))
        spoilt = data.draw(st.sampled_from([None, "", "not_a_value", 10**6]))
        if spoilt is None:
            del out[name]
        else:
            out[name] = spoilt
    return out


def snapshot(session) -> tuple:
    """Everything a command may write, compactly: a refused command must leave it exactly as it was."""
    return (session.execute(select(Case.id, Case.state, Case.version, Case.closed_at).order_by(Case.id)).all(),
            session.scalar(select(func.count(Event.id))), session.scalar(select(func.max(Event.id))),
            session.execute(select(Deadline.id, Deadline.status, Deadline.next_check_at).order_by(Deadline.id)).all(),
            session.scalar(select(func.count(OutboxMessage.id))), session.scalar(select(func.count(Signature.id))),
            session.scalar(select(func.count(CaseParticipant.id))),
            session.execute(select(JobPlan.id, JobPlan.current_version, JobPlan.agreed_version)).all())


def make_machine(svc: JobPlanning, policy, clock):
    session = svc.session
    start = clock.now()
    startable = [w for w in policy.workflows.values() if w.started_by]
    assert startable, f"{policy.id} has no workflow anyone may start"

    class PolicyRun(RuleBasedStateMachine):
        fired: Counter = Counter()  # over all runs: what the random runs reached, reported and checked below
        refused: Counter = Counter()

        def __init__(self):
            super().__init__()
            session.rollback()
            empty_tables(session)
            session.commit()
            clock.set(start)
            svc.engine = Engine()
            self.trust = build_trust(session, policy)
            self.actors = [Actor.person(pid) for pid in self.trust.people] + [SYSTEM]
            self.cases: list[int] = []
            self.expected_events: set[int] = set()

        def _record_new_events(self, before_max: int | None, own: int | None = None, who: Actor | None = None):
            new = session.scalars(select(Event).where(Event.id > (before_max or 0)).order_by(Event.id)).all()
            for e in new:
                if e.id == own or (own is None and who is not None and e.kind == "opened" and e is new[0]):
                    assert e.actor_id == who.person_id
                else:  # only the service's own follow-ons: the system's steps and the cases they open
                    assert e.actor_id is None and e.actor_role == "system", \
                        f"event {e.id} ({e.kind} {e.trigger}) by {e.actor_id} came from nowhere"
                self.expected_events.add(e.id)
            self.cases = session.scalars(select(Case.id).order_by(Case.id)).all()
            return new

        @initialize(data=st.data())
        def first_case(self, data):
            self.start_case(data)

        @rule(data=st.data())
        def start_case(self, data):
            wf = data.draw(st.sampled_from(startable))
            subject = session.get(Person, data.draw(st.sampled_from(self.trust.subjects)))
            entitled = [a for a in self.actors if oracle_roles(session, policy, a, subject.id, subject.manager_id, None)
                        & set(wf.started_by)]
            if entitled and data.draw(st.integers(0, 3)) > 0:
                who = data.draw(st.sampled_from(entitled))
            else:
                who = data.draw(st.sampled_from(self.actors))
            plan = svc.create_job_plan(SYSTEM, subject.id, complete_plan(), policy_id=policy.id)
            session.commit()
            allowed = oracle_roles(session, policy, who, subject.id, subject.manager_id, None) & set(wf.started_by)
            before, before_max = snapshot(session), session.scalar(select(func.max(Event.id)))
            try:
                case = svc.start_case(who, wf.name, subject.id, policy_id=policy.id, job_plan_id=plan.id)
            except WorkflowError as exc:
                session.rollback()
                assert snapshot(session) == before, f"refused start_case ({exc}) wrote something"
                assert isinstance(exc, PermissionDenied) == (not allowed), f"{who} holding {allowed}: {exc!r}"
                return
            assert allowed, f"{who} started a {wf.name} case without a role in {wf.started_by}"
            opened = self._record_new_events(before_max, who=who)
            assert opened and opened[0].case_id == case.id and opened[0].kind == "opened"

        @precondition(lambda self: self.cases)
        @rule(data=st.data(), times=st.integers(1, 6))
        def fire(self, data, times):
            for _ in range(times):
                self.fire_one(data)

        def fire_one(self, data):
            still_open = session.scalars(select(Case.id).where(Case.closed_at.is_(None)).order_by(Case.id)).all()
            if still_open and data.draw(st.integers(0, 9)) > 0:
                case = session.get(Case, data.draw(st.sampled_from(still_open)))
            else:
                case = session.get(Case, data.draw(st.sampled_from(self.cases)))
            wf = policy.workflow(case.workflow)
            possible = sorted({t.trigger for t in wf.transitions if case.state in t.sources})
            if possible and data.draw(st.integers(0, 7)) > 0:
                trigger = data.draw(st.sampled_from(possible))
            else:
                trigger = data.draw(st.sampled_from(sorted(wf.triggers)))
            spec = wf.transition(trigger, case.state)
            entitled = [a for a in self.actors if spec and oracle_roles(
                session, policy, a, case.subject_id, case.manager_id, case.id) & set(spec.roles)]
            if entitled and data.draw(st.integers(0, 3)) > 0:
                who = data.draw(st.sampled_from(entitled))
            else:
                who = data.draw(st.sampled_from(self.actors))
            if who.is_system and spec and any(policy.roles[r].scope == "system" for r in spec.roles):
                return  # system steps are taken by the service itself (follow-ons, the sweep), never on request
            any_spec = spec or wf.transitions_for(trigger)[0]
            payload = payload_for(data, any_spec, self.trust, clock.now().date())
            reason = data.draw(st.sampled_from([None, "", "Set out in the letter of 3 March"]))
            roles = oracle_roles(session, policy, who, case.subject_id, case.manager_id, case.id)
            allowed = roles & set(spec.roles) if spec else set()
            from_state, case_id = case.state, case.id
            before, before_max = snapshot(session), session.scalar(select(func.max(Event.id)))
            try:
                result = svc.fire(who, case_id, trigger, payload, reason=reason)
            except WorkflowError as exc:
                session.rollback()
                assert snapshot(session) == before, f"refused {trigger} ({type(exc).__name__}: {exc}) wrote something"
                assert isinstance(exc, NotFound) == (not roles), f"{who} with roles {roles}: {exc!r}"
                self.refused[type(exc).__name__] += 1
                if isinstance(exc, PermissionDenied):
                    assert not allowed, f"{who} holds {allowed} for {trigger} and was refused: {exc}"
                return
            assert spec is not None, f"{trigger} succeeded from {from_state!r}, where the policy has no such step"
            assert allowed, (f"{trigger} on case {case_id} succeeded for {who}, who holds {roles or 'no role'}; the "
                             f"policy allows only {spec.roles}")
            self._record_new_events(before_max, own=result.event_id, who=who)
            self.fired[(case.workflow, trigger)] += 1
            ev = session.get(Event, result.event_id)
            assert (ev.case_id, ev.trigger, ev.from_state, ev.to_state) == (case_id, trigger, from_state, spec.dest)
            assert ev.actor_role in allowed

        @precondition(lambda self: self.cases)
        @rule(data=st.data())
        def edit_plan(self, data):
            case = session.get(Case, data.draw(st.sampled_from(self.cases)))
            if case.job_plan_id is None:
                return
            before_max = session.scalar(select(func.max(Event.id)))
            svc.edit_job_plan(Actor.person(case.subject_id), case.job_plan_id,
                              complete_plan(spa=data.draw(st.sampled_from([1.5, 2.0, 2.5]))))
            new = session.scalars(select(Event).where(Event.id > (before_max or 0)).order_by(Event.id)).all()
            assert [(e.case_id, e.subject, e.kind, e.actor_id) for e in new if e.case_id is None] == [
                (None, f"job_plan:{case.job_plan_id}", "plan_edited", case.subject_id)]  # issue 13 item 10
            # and nothing else but a signed sign-off of that plan sent back to both (issue 16 item 12)
            revoking = {t.trigger for w in policy.workflows.values() for t in w.transitions_tagged("signatures_revoked")}
            for e in new:
                if e.case_id is not None:
                    assert e.trigger in revoking and e.actor_role == "system", f"edit caused {e.kind} {e.trigger}"
                    assert session.get(Case, e.case_id).job_plan_id == case.job_plan_id
            self.expected_events.update(e.id for e in new)

        @rule(days=st.integers(0, 45))
        def time_passes(self, days):
            before_max = session.scalar(select(func.max(Event.id)))
            clock.advance(days=days, hours=1)
            report = svc.sweep()
            assert not report.failures, report.failures
            self._record_new_events(before_max)

        @invariant()
        def records_agree(self):
            session.rollback()
            problems = all_problems(session, svc.policies)
            assert not problems, "\n".join(problems)

        @invariant()
        def events_are_exactly_the_successful_commands(self):
            stored = set(session.scalars(select(Event.id)))
            assert stored == self.expected_events, f"unexplained {stored - self.expected_events}, " \
                                                   f"missing {self.expected_events - stored}"
            ats = session.scalars(select(Event.at).order_by(Event.id)).all()
            assert all(a <= b for a, b in zip(ats, ats[1:])), "time ran backwards in the log"

    return PolicyRun


@pytest.mark.parametrize("policy_file", POLICY_FILES, ids=[p.stem for p in POLICY_FILES])
def test_random_runs_keep_every_invariant_of_the_policy(app, clock, policy_file):
    policy = load_policy_file(policy_file)
    svc = JobPlanning(db.session, PolicyRegistry([policy]), clock, Engine())
    machine = make_machine(svc, policy, clock)
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=DERANDOMIZE,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print(f"{policy.id}: fired {dict(machine.fired)}; refused {dict(machine.refused)}")
    # The runs must have got somewhere: steps of more than one workflow, refusals of more than one kind.
    assert len({wf for wf, _ in machine.fired}) >= 2 and len(machine.refused) >= 2, (machine.fired, machine.refused)
