"""The service facade: cases and their triggers, job plans and their versions."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, scoped_session

from workflow import access, limits
from workflow.store import case_lock, rows
from workflow.timing import deadlines
from workflow.delivery import notifications
from workflow.rules.actions import ACTIONS
from workflow.actors import SYSTEM, Actor
from workflow.timing.clock import Clock
from workflow.rules.conditions import CONDITIONS
from workflow.rules.dates import check_happened_dates
from workflow.content.schema import normalise_content
from workflow.engine import Engine
from workflow.errors import ConditionFailed, InvalidPayload, NotFound, PermissionDenied, StaleVersion, TriggerNotAllowedInState, UnknownTrigger
from workflow.rules.follow_ups import FireParent, FireSelf, FollowUp, StartChild, StartCycle
from workflow.store.models import Case, Event, JobPlan, JobPlanVersion, Person
from workflow.rules.payload import to_json, validate_payload
from workflow.store.plan_versions import add_version, amend_version, amendable_version, end_sitting
from workflow.policy.registry import PolicyRegistry
from workflow.policy.tags import ANNUAL_SIGN_OFF
from workflow.service.outcomes import outcome_for
from workflow.service import cover, resign, seats, signing, starts, trust_log
from workflow.service.context import AppendedEvent, FireContext, FireResult, TriggerInfo
from workflow.service.documents import check_payload_documents
from workflow.service.plans import can_see_plan, new_plan, require_editor
from workflow.store.uow import operation, require_unit_of_work

# Built once: SQLAlchemy caches its compiled form; options made anew per call would be keyed again every time.
# No populate_existing: when a unit of work starts writing, every object the session held is expired (a new
# transaction on SQLite, ``expire_all`` on PostgreSQL: ``uow._start_writing``), so the row read here is what
# the objects get (and the UPDATE's version check would catch anything else).
MAX_CHAIN = 12  # automatic follow-on steps in one request; a policy that loops is a bug


@dataclass(frozen=True)
class Settings:
    base_url: str = "http://localhost:5000"


class JobPlanning:
    def __init__(self, session: Session, policies: PolicyRegistry, clock: Clock, engine: Engine | None = None,
                 settings: Settings | None = None):
        # A scoped session (Flask-SQLAlchemy's) is resolved to the session of this context.
        self.session = session() if isinstance(session, scoped_session) else session
        self.policies = policies
        self.clock = clock
        self.session.info[access.capabilities.CLOCK_KEY] = clock  # "today" for the access decision (role assignment dates)
        self.engine = engine or Engine()
        self.settings = settings or Settings()

    # ---- reading ---------------------------------------------------------------------------------

    def policy_of(self, case: Case):
        return self.policies.get(case.policy_id, case.policy_version)

    def get_case(self, actor: Actor, case_id: int) -> Case:
        """The case, if the actor may see it; otherwise NotFound, so its existence is not disclosed."""
        case = self.session.get(Case, case_id)
        if case is None or not access.can_see_case(self.session, actor, case, self.policy_of(case)):
            raise NotFound(f"case {case_id} was not found")
        return case

    def case_events(self, actor: Actor, case_id: int) -> list[Event]:
        self.get_case(actor, case_id)
        return list(self.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)))

    def roles_on(self, actor: Actor, case: Case) -> set[str]:
        return access.roles_on_case(self.session, actor, case, self.policy_of(case))

    def available_triggers(self, actor: Actor, case_id: int) -> list[TriggerInfo]:
        """What this actor may fire on this case now, and what each needs."""
        case = self.get_case(actor, case_id)
        policy = self.policy_of(case)
        wf = policy.workflow(case.workflow)
        roles = access.roles_on_case(self.session, actor, case, policy)
        signed = signing.signed_roles(case)
        out = []
        for name in self.engine.triggers_from(policy, case.workflow, case.state):
            spec = wf.transition(name, case.state)
            if spec and signing.is_signing(spec) and not (roles & set(spec.roles)) - signed:
                continue  # signed already in every role this person could sign in: not offered again
            if spec and seats.seat_taken(case, spec):
                continue  # names someone to a seat already filled: done, not offered again
            if spec and roles & set(spec.roles):
                out.append(TriggerInfo(spec.trigger, spec.title, spec.dest, spec.roles, spec.clause, spec.payload,
                                       spec.reason_required, self._unavailable(case, policy, spec, actor, roles)))
        return out

    def _unavailable(self, case, policy, spec, actor, roles) -> str | None:
        """The first condition that refuses the step before anything is typed (conditions only read)."""
        role = next(r for r in spec.roles if r in roles)
        ctx = self.step_context(case, policy, spec, actor, role, {}, None)
        for name in spec.conditions:
            try:
                CONDITIONS[name](ctx)
            except ConditionFailed as exc:
                return exc.message
        return None

    def list_cases(self, actor: Actor, *, state: str | None = None, workflow: str | None = None,
                   policy_id: str | None = None, subject_id: int | None = None, open_only: bool = False) -> list[Case]:
        """Every case the actor may see, by id, with its practitioner (one query; lists that page use
        ``service.cases.case_query``)."""
        from workflow.service.cases import case_query

        q = case_query(self, actor, state=state, workflow=workflow, policy_id=policy_id, person_id=subject_id,
                       open_only=open_only)
        return list(self.session.scalars(q.options(joinedload(Case.subject)).order_by(Case.id)))

    # ---- cases -----------------------------------------------------------------------------------

    def start_case(self, actor: Actor, workflow: str, subject_id: int, *, policy_id: str | None = None,
                   job_plan_id: int | None = None) -> Case:
        """Open a case on the newest version of the policy; it keeps that version to the end. Its clinical
        manager is the practitioner's manager on the trust's record, never the caller's word."""
        with operation(self.session):
            subject = starts.lock_person(self.session, subject_id)
            policy = self.policies.for_person(subject, policy_id)
            plan = self.session.get(JobPlan, job_plan_id) if job_plan_id else None
            if job_plan_id and (plan is None or plan.person_id != subject.id):
                raise NotFound(f"job plan {job_plan_id} of {subject.name} was not found")
            case = self.start_case_for(actor, workflow, subject, policy, plan)
        return case

    def start_case_for(self, actor: Actor, workflow: str, subject: Person, policy, plan, *,
                       granted_as: str | None = None) -> Case:
        """Open a case on loaded objects, as part of the caller's operation (a plan and its case together),
        with the subject locked (``starts.lock_person``): the workflow's ``started_by`` roles decide who may
        open it, the manager is the subject's on record, and a sign-off already under way refuses a second.
        ``granted_as``: the caller has already decided by a capability (the annual round's ``run_round``);
        the case's opening event records that name as the actor's role."""
        require_unit_of_work(self.session)
        manager_id = subject.manager_id
        if workflow not in policy.workflows:
            raise UnknownTrigger(f"{policy.id} has no workflow {workflow!r}; it has {', '.join(policy.workflows)}")
        wf = policy.workflow(workflow)
        probe = Case(workflow=workflow, policy_id=policy.id, policy_version=policy.version, state=wf.initial,
                     subject=subject, subject_id=subject.id, manager_id=manager_id)
        roles = {granted_as} if granted_as else access.roles_on_case(self.session, actor, probe, policy) & set(wf.started_by)
        if not roles:
            allowed = ", ".join(policy.roles[r].title for r in wf.started_by) or "nobody (it follows from another case)"
            raise PermissionDenied(f"a {wf.title} case for {subject.name} may be started by: {allowed}")
        starts.refuse_second_case(self.session, self.policies, policy, subject, workflow)
        case = self._open_case(policy, workflow, subject, actor, sorted(roles)[0], plan=plan, manager_id=manager_id,
                               parent=None)
        if policy.has_workflow_tagged(workflow, ANNUAL_SIGN_OFF):
            starts.close_agreed_cycle(self, subject, case)
        return case

    def fire(self, actor: Actor, case_id: int, trigger: str, payload: dict | None = None, *,
             expected_version: int | None = None, reason: str | None = None, as_role: str | None = None) -> FireResult:
        with operation(self.session):
            case = self.lock_case(case_id)
            held = self._roles_for_step(actor, case, trigger) if case is not None else set()
            if not held:  # may not see the case (access.can_see_case)
                raise NotFound(f"case {case_id} was not found")
            if expected_version is not None and case.version != expected_version:
                raise StaleVersion(f"case {case_id} has changed since you loaded it (your version {expected_version}, "
                                   f"now {case.version}); reload it and try again")
            result = self._fire(case, trigger, actor, payload, reason, as_role, held=held)
        return result

    def run_step(self, case: Case, trigger: str, actor: Actor, payload: dict | None = None, *,
                 reason: str | None = None, as_role: str | None = None) -> FireResult:
        """Fire ``trigger`` on a case the caller has locked (``lock_case``), with its follow-ups, as part of
        the caller's operation (the sweep's expiry of a lodging window). The checks are those of ``fire``
        except visibility, which is the caller's to decide."""
        require_unit_of_work(self.session)
        return self._fire(case, trigger, actor, payload, reason, as_role)

    def lock_case(self, case_id: int) -> Case | None:
        """The case, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
        holds the write lock), with its practitioner and manager in the same statement: every step asks who
        they are (roles, the email's summary). Part of an operation: the lock lasts until its unit of work
        ends."""
        require_unit_of_work(self.session)
        return case_lock.lock_case(self.session, case_id)

    def _roles_for_step(self, actor: Actor, case: Case, trigger: str) -> set[str]:
        """The actor's roles among those that may fire ``trigger`` now; when none, all their roles on the case
        (empty means the case is not theirs to see, else the step explains the refusal)."""
        policy = self.policy_of(case)
        wf = policy.workflow(case.workflow)
        spec = wf.transition(trigger, case.state) if trigger in wf.triggers else None
        held = access.roles_on_case(self.session, actor, case, policy, among=set(spec.roles)) if spec else set()
        return held or access.roles_on_case(self.session, actor, case, policy)

    def sweep(self, now=None, **options):
        """One pass over due deadlines (reminders, breaches, escalations, closing windows)."""
        from workflow.service.sweep import sweep

        return sweep(self, now, **options)

    # ---- job plans ---------------------------------------------------------------------------------

    def create_job_plan(self, actor: Actor, person_id: int, content: dict, *, policy_id: str | None = None,
                        interim: bool = False) -> JobPlan:
        content = normalise_content(content)  # shape only; completeness is checked at sign-off (plan_complete)
        with operation(self.session):
            person = self.session.get(Person, person_id)
            if person is None:
                raise NotFound(f"person {person_id} was not found")
            require_editor(self, actor, person)
            policy = self.policies.for_person(person, policy_id)
            plan = new_plan(self, actor, content, "first draft", kind="individual", person_id=person.id,
                            policy_id=policy.id, interim=interim)
        return plan

    def edit_job_plan(self, actor: Actor, plan_id: int, content: dict, *, expected_version: int | None = None,
                      note: str | None = None, sitting: bool = False) -> JobPlanVersion:
        """An edit is a new version; signatures stay on the version they were given to, so after an edit
        both parties must sign again (002 7.5), and a sign-off past the signatures goes back to them
        (``resign``). The one door for every caller (page, API): a plan the actor
        may not see is not found, one they may see but not edit is refused.

        ``sitting`` (the editor's pages): the edit joins the actor's open sitting, so a sitting of edits is
        one version (``workflow.store.plan_versions``); the API's whole-content PUT is a version each."""
        limits.check_text("note", note, limits.NOTE_CHARS)
        with operation(self.session):
            plan = self.session.get(JobPlan, plan_id, with_for_update=True, populate_existing=True)
            if plan is None or plan.person is None or not can_see_plan(self, actor, plan):
                raise NotFound(f"job plan {plan_id} was not found")
            require_editor(self, actor, plan.person)
            if expected_version is not None and plan.row_version != expected_version:
                raise StaleVersion(f"job plan {plan_id} has changed since you loaded it; reload it and try again")
            content = normalise_content(content)
            now = self.clock.now()
            open_version = amendable_version(self.session, plan, actor.person_id, now) if sitting else None
            if open_version is not None:
                version = amend_version(self.session, plan, open_version, content, at=now, note=note,
                                        note_limit=limits.NOTE_CHARS)
            else:
                version = add_version(self.session, plan, content, at=now, by_id=actor.person_id, note=note,
                                      sitting=sitting)
            behalf = cover.on_behalf_for_person(self.session, actor, plan.person)
            trust_log.plan_edited(self, actor, plan, version, behalf)
            editor = self._person_acting_name(actor)
            resign.back_to_signatures(self, plan, version,
                                      f"{editor} on behalf of {behalf['manager']} (deputy cover)" if behalf else editor)
        return version

    def finish_editing(self, actor: Actor, plan_id: int) -> tuple[JobPlanVersion, bool]:
        """The editor ends their sitting: the version stands as it is, ready to sign, and their next change is a
        new version. The latest version, and whether a sitting of theirs was open (if not, nothing changes)."""
        with operation(self.session):
            plan = self.session.get(JobPlan, plan_id, with_for_update=True, populate_existing=True)
            if plan is None or plan.person is None or not can_see_plan(self, actor, plan):
                raise NotFound(f"job plan {plan_id} was not found")
            require_editor(self, actor, plan.person)
            ended = plan.sitting_by_id == actor.person_id and plan.sitting_version is not None
            if ended:
                end_sitting(plan)
                self.session.flush()
            return next(v for v in plan.versions if v.number == plan.current_version), ended

    # ---- internals -------------------------------------------------------------------------------

    def step_context(self, case, policy, spec, actor, role, values, reason) -> FireContext:
        """What a step, or a change recorded on a case outside a transition (a deadline moved, a reminder),
        hands to conditions, actions, deadlines and notifications: who acts in which role, and when."""
        person = self._person_acting(actor, case)
        return FireContext(service=self, session=self.session, case=case, policy=policy,
                           workflow=policy.workflow(case.workflow), spec=spec, actor=actor, role=role,
                           values=values, reason=reason, now=self.clock.now(), settings=self.settings,
                           actor_person=person, actor_name=person.name if person else (actor.label or "the system"),
                           connection=self.session.connection())

    def _person_acting_name(self, actor: Actor) -> str:
        person = self.session.get(Person, actor.person_id) if actor.person_id else None
        return person.name if person else (actor.label or "the system")

    def _person_acting(self, actor: Actor, case: Case) -> Person | None:
        """Mostly the practitioner or the manager, loaded with the case; anyone else is looked up."""
        if not actor.person_id:
            return None
        if actor.person_id == case.subject_id:
            return case.subject
        if actor.person_id == case.manager_id:
            return case.manager
        return self.session.get(Person, actor.person_id)

    def _fire(self, case: Case, trigger: str, actor: Actor, payload, reason, as_role,
              held: set[str] | None = None) -> FireResult:
        """One step and then its follow-ups, depth-first (each follow-up's own before the next), all in the
        caller's unit of work; ``held``: the actor's roles on the case, when the caller has just computed
        them. The result names the cases the step itself started."""
        ctx, from_state, to_state = self._step(case, trigger, actor, payload, reason, as_role, held)
        started = []
        pending = [(follow_up, case, 1) for follow_up in reversed(ctx.after)]
        while pending:
            follow_up, origin, depth = pending.pop()
            after, opened = self._follow_up(follow_up, origin, depth)
            if opened is not None and depth == 1:
                started.append(opened.id)
            pending.extend(reversed(after))
        self.session.flush()
        return FireResult(case.id, trigger, from_state, to_state, ctx.event.id, case.version, tuple(started))

    def _follow_up(self, command: FollowUp, case: Case, depth: int) -> tuple[list, Case | None]:
        """Run one follow-up command left by a step on ``case``: what it asks for next (as pending entries)
        and the case it opened, if any."""
        if isinstance(command, (FireSelf, FireParent)):
            if depth > MAX_CHAIN:
                raise RuntimeError(f"policy {case.policy_id} chains more than {MAX_CHAIN} automatic steps")
            target = case if isinstance(command, FireSelf) else self.session.get(Case, case.parent_id,
                                                                                  with_for_update=True)
            ctx, _, _ = self._step(target, command.trigger, SYSTEM, command.payload, None, None, None)
            return [(f, target, depth + 1) for f in ctx.after], None
        policy = self.policy_of(case)
        if isinstance(command, StartChild):
            return [], self._open_case(policy, command.workflow, case.subject, SYSTEM, "system",
                                       plan=case.job_plan, manager_id=case.manager_id, parent=case)
        if isinstance(command, StartCycle):  # a new cycle (a review), on the newest policy version
            return [], self._open_case(self.policies.latest(policy.id), command.workflow, case.subject, SYSTEM,
                                       "system", plan=case.job_plan,
                                       manager_id=case.subject.manager_id or case.manager_id, parent=None)
        raise TypeError(f"unknown follow-up {command!r}")

    def _step(self, case: Case, trigger: str, actor: Actor, payload, reason, as_role,
              held: set[str] | None) -> tuple[FireContext, str, str]:
        """One transition: its checks, the case's new state, its event, actions, clocks and mail; its
        follow-ups are left in ``ctx.after``."""
        policy = self.policy_of(case)
        wf = policy.workflow(case.workflow)
        if trigger not in wf.triggers:
            raise UnknownTrigger(f"{trigger!r} is not a step of the {wf.title} workflow; its steps are "
                                 f"{', '.join(sorted(wf.triggers))}")
        spec = wf.transition(trigger, case.state)
        if spec is None:
            possible = ", ".join(self.engine.triggers_from(policy, case.workflow, case.state)) or "none"
            raise TriggerNotAllowedInState(
                f"'{wf.transitions_for(trigger)[0].title}' cannot be done while case {case.id} is at "
                f"'{wf.state(case.state).title}'; possible now: {possible}", state=case.state)
        if held is None:
            held = access.roles_on_case(self.session, actor, case, policy)
        roles = held & set(spec.roles)
        if as_role is not None:
            roles &= {as_role}
        if not roles:
            allowed = ", ".join(policy.roles[r].title for r in spec.roles)
            raise PermissionDenied(f"'{spec.title}' on case {case.id} may be done by: {allowed} ({spec.clause})")
        role = next(r for r in spec.roles if r in roles)
        values = validate_payload(spec, payload)
        check_payload_documents(self.session, case, spec, values)
        limits.check_text("reason", reason, limits.REASON_CHARS)
        if spec.reason_required and not (reason and reason.strip()):
            raise InvalidPayload(f"'{spec.title}' needs a reason, recorded in the audit log",
                                 fields={"reason": ["a reason is required"]})
        ctx = self.step_context(case, policy, spec, actor, role, values, reason)
        check_happened_dates(ctx)  # a date of what happened is not in the future (issue 16 item 4)
        deadlines.refuse_after_window(ctx, trigger)
        for name in spec.conditions:
            CONDITIONS[name](ctx)

        from_state = case.state
        to_state = self.engine.fire(policy, case.workflow, from_state, trigger)
        # Every step is a new version of the case, even one that keeps the state and records nothing.
        recorded = to_json(values)
        changes = {"state": to_state, "updated_at": ctx.now, "data": {**(case.data or {}), **recorded}}
        if wf.state(to_state).final:
            changes["closed_at"] = ctx.now
        planned = deadlines.plan_for_state(ctx, to_state) if to_state != from_state else None
        if planned is not None:  # the new state's clocks are all that will be open: their earliest, in this UPDATE
            changes["next_due_at"] = min((d.due_at for d in planned), default=None)
        rows.save_case(self.session, case, ctx.connection, **changes)
        ctx.event = self.record_event(case, ctx.now, "transition", actor, role, trigger, from_state, to_state,
                                       recorded, reason, conn=ctx.connection)
        for name, params in spec.actions:
            ACTIONS[name](ctx, **params)
        if to_state != from_state:
            # Leaving a state closes all its clocks, so what the new state opens is all that is open now.
            ctx.open_deadlines = deadlines.move_clocks(ctx, from_state, to_state, planned=planned)
        rows.save_case(self.session, case, ctx.connection)  # what the step's actions changed on the case, if any
        self.session.flush()  # what the step's actions added (a signature, a participant, a plan version)
        notifications.notify_transition(ctx, ctx.event, spec.notify, outcome_for(self, ctx))
        if spec.notify_addresses:
            notifications.notify_addresses(ctx, ctx.event, spec.notify_addresses)

        return ctx, from_state, to_state

    def _open_case(self, policy, workflow: str, subject: Person, actor: Actor, role: str, *, plan, manager_id,
                   parent: Case | None) -> Case:
        now = self.clock.now()
        wf = policy.workflow(workflow)
        case = rows.insert_case(self.session, workflow=workflow, policy_id=policy.id, policy_version=policy.version,
                                state=wf.initial, subject_id=subject.id, manager_id=manager_id,
                                job_plan_id=plan.id if plan else None, parent_id=parent.id if parent else None,
                                data={}, opened_at=now, updated_at=now, closed_at=None)
        ctx = self.step_context(case, policy, None, actor, role, {}, None)
        ctx.event = self.record_event(case, now, "opened", actor, role, None, None, wf.initial, {}, None)
        deadlines.open_for_state(ctx, wf.initial)
        self.session.flush()
        return case

    def _on_behalf(self, case, actor: Actor, role: str) -> dict | None:
        """The cover a deputy acts under, when they act in a manager-scoped role that is not theirs on record (a
        manager acting on their own case asks nothing more)."""
        if actor.person_id is None or actor.person_id in (case.manager_id, case.subject.manager_id):
            return None
        spec = self.policy_of(case).roles.get(role)
        if spec is None or spec.scope != "manager":
            return None
        return cover.on_behalf(self.session, actor, case)

    def record_event(self, case, at, kind, actor, role, trigger, from_state, to_state, payload, reason, *,
                     conn=None) -> AppendedEvent:
        """Append one event to the case's audit log, as part of the caller's operation (which has locked the
        case: ``lock_case``). One INSERT: the log is append-only, so the event is written straight to its
        table (never held in the session), its ``seq`` the next of the case's."""
        require_unit_of_work(self.session)
        behalf = self._on_behalf(case, actor, role)
        if behalf is not None:  # a deputy: "X on behalf of Y (deputy cover …)" (issue 17 item 7)
            payload = {**(payload or {}), cover.ON_BEHALF: behalf}
        event_id, seq = rows.append_event(conn or self.session.connection(), case.id, at=at, kind=kind,
                                          actor_id=actor.person_id, actor_role=role, trigger=trigger,
                                          from_state=from_state, to_state=to_state, payload=payload, reason=reason)
        return AppendedEvent(event_id, seq, behalf)
