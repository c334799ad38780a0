"""The in-memory form of a policy file: immutable, validated, and shared by every case on that version."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

# How a role's scope is decided for a case (see workflow.access):
#   subject      the practitioner whose plan it is
#   manager      the subject's clinical (line) manager
#   care_group   holds the role for the care group the subject's team belongs to
#   office       holds the office trust-wide (Medical Director, Chief Executive's office, ...)
#   participant  named on this case (mediator, panel member, representative)
#   system       the scheduler; never a person
SCOPES = ("subject", "manager", "care_group", "office", "participant", "system")


@dataclass(frozen=True)
class RoleSpec:
    name: str
    scope: str
    title: str
    clause: str | None = None
    appointed_from: tuple[str, ...] = ()  # a seat (scope participant) only these role assignments may fill


@dataclass(frozen=True)
class FieldSpec:
    """One payload field a trigger takes. ``type``: text, date, datetime, bool, int, number, choice,
    person, documents, plan (a job plan's whole content, as the plan editor stores it)."""

    name: str
    type: str
    required: bool = True
    label: str | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    clause: str | None = None
    happened: str | None = None  # past | since_state: a date of something that happened (workflow.rules.dates)
    invitation: str | None = None  # a datetime field: the meeting's name in an invitation ("Appeal hearing")
    hint: str | None = None  # a form's hint in place of "Optional." (a field needed only with some answers)


@dataclass(frozen=True)
class EscalationStep:
    after_days: int
    notify: tuple[str, ...]
    clause: str | None = None


@dataclass(frozen=True)
class DeadlineSpec:
    """A clock attached to a state: opened on entering it, closed on leaving it.

    ``kind`` says whose duty it is: ``organisation`` (a "normally within" duty: missing it escalates,
    the case goes on) or ``right`` (a practitioner's window: when it closes, ``expiry_trigger`` fires).
    """

    name: str
    state: str
    amount: int
    unit: str  # days | weeks | months
    counting: str  # calendar | working
    runs_from: str  # "entered" or "payload.<field>"
    kind: str
    extendable: bool
    pausable: bool
    reminders: tuple[int, ...]
    escalation: tuple[EscalationStep, ...]
    expiry_trigger: str | None
    clause: str
    label: str
    local_choice: str | None = None
    extend_roles: tuple[str, ...] = ()  # who may extend, pause or resume this clock (a recorded decision)
    timezone: str = "Europe/London"  # the policy's calendar: reminders and escalations fall on local days
    tags: tuple[str, ...] = ()  # what the code finds it by (workflow.policy.tags)
    start_day_counts: bool = False  # the start date is day one of the period (002 7.4.3)
    source_says: str | None = None  # normally | must | silent: whether the words allow an extension


@dataclass(frozen=True)
class StateSpec:
    name: str
    title: str
    final: bool = False
    waiting_on: tuple[str, ...] = ()
    next_step: str | None = None
    timed_by: str | None = None
    clause: str | None = None
    deadlines: tuple[DeadlineSpec, ...] = ()
    tags: tuple[str, ...] = ()
    untimed: str | None = None  # why a waiting state has no clock (the policy check wants one or the other)
    asks: str | None = None  # the step a reader the state waits on is asked for in their email's subject

    def deadline_tagged(self, tag: str) -> DeadlineSpec | None:
        return next((d for d in self.deadlines if tag in d.tags), None)


@dataclass(frozen=True, eq=False)  # hashed by identity: one spec object per loaded policy version
class TransitionSpec:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    title: str
    clause: str
    conditions: tuple[str, ...] = ()
    actions: tuple[tuple[str, dict], ...] = ()
    payload: tuple[FieldSpec, ...] = ()
    notify: tuple[str, ...] = ()
    reason_required: bool = False
    tags: tuple[str, ...] = ()
    notify_addresses: tuple[str, ...] = ()  # mailboxes by purpose, each at the address the trust set for it
    local_choice: str | None = None  # what the trust chose where the source is silent about this step


@dataclass(frozen=True)
class Workflow:
    name: str
    title: str
    initial: str
    states: tuple[StateSpec, ...]
    transitions: tuple[TransitionSpec, ...]
    clause: str | None = None
    started_by: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def state(self, name: str) -> StateSpec:
        return self._states[name]

    def states_tagged(self, tag: str) -> tuple[StateSpec, ...]:
        """The states carrying ``tag`` (workflow.policy.tags), in file order."""
        return tuple(s for s in self.states if tag in s.tags)

    def state_names_tagged(self, tag: str) -> frozenset[str]:
        return frozenset(s.name for s in self.states_tagged(tag))

    def transitions_tagged(self, tag: str) -> tuple[TransitionSpec, ...]:
        return tuple(t for t in self.transitions if tag in t.tags)

    def transitions_for(self, trigger: str) -> list[TransitionSpec]:
        return [t for t in self.transitions if t.trigger == trigger]

    def transition(self, trigger: str, source: str) -> TransitionSpec | None:
        """The transition ``trigger`` takes from ``source`` (the first listed, as the file orders them)."""
        return self._transitions.get((trigger, source))

    @cached_property
    def triggers(self) -> frozenset[str]:
        return frozenset(t.trigger for t in self.transitions)

    @cached_property
    def roles_named(self) -> frozenset[str]:
        """Every role a transition names, to act or to be told (which seats a case of this workflow has)."""
        return frozenset(r for t in self.transitions for r in (*t.roles, *t.notify))

    def steps_from(self, state: str) -> tuple[TransitionSpec, ...]:
        """The transitions a person (not the system) may take from ``state``, in file order."""
        return self._steps_from.get(state, ())

    @cached_property
    def _steps_from(self) -> dict[str, tuple[TransitionSpec, ...]]:
        table: dict[str, list[TransitionSpec]] = {}
        for t in self.transitions:
            if "system" not in t.roles:
                for source in t.sources:
                    table.setdefault(source, []).append(t)
        return {source: tuple(ts) for source, ts in table.items()}

    # Lookups by name, built on first use (a workflow is immutable once loaded): every step asks them.
    @cached_property
    def _states(self) -> dict[str, StateSpec]:
        return {s.name: s for s in self.states}

    @cached_property
    def _transitions(self) -> dict[tuple[str, str], TransitionSpec]:
        table: dict[tuple[str, str], TransitionSpec] = {}
        for t in self.transitions:
            for source in t.sources:
                table.setdefault((t.trigger, source), t)
        return table


@dataclass(frozen=True, eq=False)
class ContentRule:
    """A rule a plan's content must meet (workflow.content.rules), as a warning or a blocker."""

    rule: str
    severity: str
    clause: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StaffGroupRules:
    """A staff group's contract basis (full time in PAs or hours) and the content rules its plans meet."""

    staff_group: str
    full_time_pas: float = 10.0
    full_time_hours: float | None = None
    weeks_per_year: float = 42.0
    rules: tuple[ContentRule, ...] = ()


@dataclass(frozen=True)
class PolicySettings:
    """The policy's ``settings:``, checked against ``workflow.policy.params.SettingsSchema``."""

    last_agreed_plan_in_force_during_dispute: bool = True
    second_level_sign_off: bool = False
    mediation_roles: tuple[str, ...] = ()     # policy check requires them where a condition reads them
    appeal_panel_roles: tuple[str, ...] = ()
    appeal_panel_list_role: str = "appeal_panel_list"
    appeal_panel_list_review_months: int = 12  # how often the approved list is reviewed (002 7.8.12)
    active_plan_months: int = 12
    manager_may_refer_staff_groups: tuple[str, ...] = ()  # 000 2a: the clinical manager may refer these groups' plans
    given: frozenset[str] = frozenset()  # the keys the file sets (the rest are these defaults)


@dataclass(frozen=True)
class Policy:
    id: str
    version: int
    title: str
    staff_groups: tuple[str, ...]
    source_document: str
    source_title: str
    source_date: date | None
    timezone: str
    holiday_region: str | None
    closure_days: tuple[date, ...]
    pa_hours: float
    roles: dict[str, RoleSpec]
    workflows: dict[str, Workflow]
    settings: PolicySettings = field(default_factory=PolicySettings)
    path: str | None = None
    digest: str | None = None
    content_rules: dict[str, StaffGroupRules] = field(default_factory=dict)
    tag_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the file's ``tags:`` as written

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    def workflow(self, name: str) -> Workflow:
        return self.workflows[name]

    def workflows_tagged(self, tag: str) -> tuple[Workflow, ...]:
        """The workflows carrying ``tag`` (workflow.policy.tags), in file order; none for an optional tag."""
        return tuple(w for w in self.workflows.values() if tag in w.tags)

    def workflow_tagged(self, tag: str) -> Workflow:
        """The one workflow carrying a required tag (``policy check`` guarantees it is there)."""
        found = self.workflows_tagged(tag)
        if len(found) != 1:
            raise LookupError(f"{self.id} version {self.version} has {len(found)} workflows tagged {tag!r}")
        return found[0]

    def has_workflow_tagged(self, name: str, tag: str) -> bool:
        return name in self.workflows and tag in self.workflows[name].tags

    def role_with_scope(self, scope: str) -> str | None:
        """The one role of a scope that has a single holder by definition: ``subject`` (the person the plan is
        about) or ``manager`` (their manager of record). ``policy check`` requires exactly one of each."""
        return next((name for name, r in self.roles.items() if r.scope == scope), None)

    @property
    def parties(self) -> tuple[str, ...]:
        """The two parties to the plan, who both sign it (002 7.5): the subject's role and the manager's."""
        return tuple(r for r in (self.role_with_scope("subject"), self.role_with_scope("manager")) if r)

    def rules_for(self, staff_group: str | None) -> StaffGroupRules:
        """The content rules of a staff group; none when the policy sets no content rules."""
        return self.content_rules.get(staff_group or "") or StaffGroupRules(staff_group or "")
