"""Meaning checks on a well-formed policy: every name resolves, every state is reachable and has a way
out, every timed state has its clock, no trigger is defined twice for the same state.

Each problem is (path inside the file, message)."""
from __future__ import annotations

from collections import deque
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflow.policy.model import Policy, Workflow


def check_policy(policy: Policy) -> list[tuple[str, str]]:
    from workflow.policy.vocabulary import ACTIONS, CONDITIONS, require_loaded

    require_loaded()

    problems: list[tuple[str, str]] = []
    try:
        ZoneInfo(policy.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(("calendar.timezone", f"unknown time zone {policy.timezone!r}"))
    if policy.holiday_region:
        import holidays

        if policy.holiday_region not in holidays.UK.subdivisions:
            problems.append(("calendar.holidays", f"unknown UK holiday region {policy.holiday_region!r}; "
                                                  f"use one of {', '.join(holidays.UK.subdivisions)}"))
    problems.extend(_check_seats(policy))
    problems.extend(_check_parties(policy))
    problems.extend(check_tags(policy))
    for wname, wf in policy.workflows.items():
        problems.extend(_check_workflow(policy, wname, wf, CONDITIONS, ACTIONS))
    problems.extend(_check_content_rules(policy))
    problems.extend(check_settings(policy))
    return problems


def _check_action(policy: Policy, wf: Workflow, path: str, name: str, params: dict,
                  conditions) -> list[tuple[str, str]]:
    """The action's parameters fit its schema (workflow.policy.params) and name what exists."""
    from marshmallow import ValidationError

    from workflow.policy.problems import flatten_errors
    from workflow.policy.params import ACTION_PARAMS

    schema = ACTION_PARAMS.get(name)
    if schema is None:
        return [(path, f"action {name!r} has no parameter schema in workflow/policy/params.py")]
    try:
        p = schema().load(params)
    except ValidationError as exc:
        return [(f"{path}.{sub}" if sub != "(top)" else path, msg) for sub, msg in flatten_errors(exc.messages)]
    problems = []
    if name == "start_case" and p["workflow"] not in policy.workflows:
        problems.append((f"{path}.workflow", f"start_case names unknown workflow {p['workflow']!r}"))
    if name == "auto_fire":
        if p["trigger"] not in wf.triggers:
            problems.append((f"{path}.trigger", f"unknown trigger {p['trigger']!r} in workflow {wf.name!r}"))
        if p["when"] not in conditions:
            problems.append((f"{path}.when", f"unknown condition {p['when']!r}"))
    if name == "fire_parent" and not any(p["trigger"] in w.triggers for w in policy.workflows.values() if w is not wf):
        problems.append((f"{path}.trigger", f"no other workflow of the policy has trigger {p['trigger']!r}"))
    if name == "add_participant":
        role = policy.roles.get(p["role"])
        if role is None or role.scope != "participant":
            problems.append((f"{path}.role", f"{p['role']!r} is not a participant role of the policy"))
    return problems


def check_settings(policy: Policy) -> list[tuple[str, str]]:
    """Settings that name roles name the policy's own; a setting a used condition reads is there (or its
    default fits); ``second_level_sign_off`` says what the sign-off does."""
    from workflow.policy.params import CONDITION_SETTINGS, ROLE_LIST_SETTINGS
    from workflow.policy.tags import ANNUAL_SIGN_OFF, SECOND_LEVEL

    problems: list[tuple[str, str]] = []
    s = policy.settings
    used = {c: f"workflows.{w.name}.transitions.{i}.conditions" for w in policy.workflows.values()
            for i, t in enumerate(w.transitions) for c in t.conditions}
    for cond, path in sorted(used.items()):
        for key in CONDITION_SETTINGS.get(cond, ()):
            if key not in s.given:
                problems.append((f"settings.{key}", f"is not set, and condition {cond!r} ({path}) reads it"))
    for key in ROLE_LIST_SETTINGS:
        if key in s.given:
            for i, role in enumerate(getattr(s, key)):
                if role not in policy.roles:
                    problems.append((f"settings.{key}.{i}", f"unknown role {role!r}; the policy knows "
                                                            f"{', '.join(sorted(policy.roles))}"))
    for i, group in enumerate(s.manager_may_refer_staff_groups):
        if group not in policy.staff_groups:
            problems.append((f"settings.manager_may_refer_staff_groups.{i}",
                             f"{group!r} is not one of the policy's staff groups ({', '.join(policy.staff_groups)})"))
    sign_off = policy.workflows_tagged(ANNUAL_SIGN_OFF)
    has_second = bool(sign_off and sign_off[0].states_tagged(SECOND_LEVEL))
    if "second_level_sign_off" in s.given and sign_off and s.second_level_sign_off != has_second:
        problems.append(("settings.second_level_sign_off",
                         f"says {str(s.second_level_sign_off).lower()}, but the sign-off "
                         + ("has a second-level state (tags.second_level)" if has_second
                            else "has no state tagged second_level")))
    return problems


def check_tags(policy: Policy) -> list[tuple[str, str]]:
    """The ``tags:`` mapping: every tag is known, names what exists, stands once where it must be one, and
    every tag the code relies on is there (workflow.policy.tags)."""
    from workflow.policy.tags import TAGS

    problems: list[tuple[str, str]] = []
    for tag, names in policy.tag_names.items():
        p = f"tags.{tag}"
        rule = TAGS.get(tag)
        if rule is None:
            problems.append((p, f"unknown tag {tag!r}; known: {', '.join(sorted(TAGS))}"))
            continue
        if rule.single and len(names) > 1:
            problems.append((p, f"names one {rule.on}, not {len(names)}"))
        if rule.on == "workflow":
            for n in names:
                if n not in policy.workflows:
                    problems.append((p, f"unknown workflow {n!r}; the policy has {', '.join(sorted(policy.workflows))}"))
            continue
        homes = policy.workflows_tagged(rule.within)
        if not homes:
            problems.append((p, f"tags a {rule.on} of the workflow tagged {rule.within!r}, and none is"))
            continue
        wf = homes[0]
        known = {"state": lambda: {s.name for s in wf.states}, "transition": lambda: wf.triggers,
                 "deadline": lambda: {d.name for s in wf.states for d in s.deadlines}}[rule.on]()
        for n in names:
            if n not in known:
                problems.append((p, f"unknown {rule.on} {n!r} in workflow {wf.name!r}"))
    for tag, rule in TAGS.items():
        if rule.required and tag not in policy.tag_names:
            problems.append(("tags", f"has no {tag!r}: name the {rule.on} that {rule.needed_by} rely on"))
    return problems


def _check_parties(policy: Policy) -> list[tuple[str, str]]:
    """The code finds the two parties to a plan by scope, never by name: exactly one role of scope subject
    (the practitioner, the staff member, the dentist) and one of scope manager."""
    problems = []
    for scope in ("subject", "manager"):
        held = [name for name, r in policy.roles.items() if r.scope == scope]
        if len(held) != 1:
            problems.append(("roles", f"needs exactly one role with scope {scope} (the "
                                      f"{'person the plan is about' if scope == 'subject' else 'manager of record'}), "
                                      f"found {len(held)}: {', '.join(held) or 'none'}"))
    return problems


def _check_seats(policy: Policy) -> list[tuple[str, str]]:
    """``appointed_from`` belongs to a seat someone is named to, and names roles held by assignment (a role of
    the policy with scope office or care_group, or an assignment the policy does not act on, such as a list)."""
    problems = []
    for name, role in policy.roles.items():
        if role.appointed_from and role.scope != "participant":
            problems.append((f"roles.{name}.appointed_from", "only a participant seat is appointed to; this role's "
                                                             f"scope is {role.scope}"))
        for source in role.appointed_from:
            held = policy.roles.get(source)
            if held is not None and held.scope not in ("office", "care_group"):
                problems.append((f"roles.{name}.appointed_from", f"{source!r} is held by {held.scope}, not by a role "
                                                                 "assignment, so it cannot say who may be named"))
    return problems


def _check_content_rules(policy: Policy) -> list[tuple[str, str]]:
    """Every content rule is known and its parameters fit it; every staff group named is the policy's."""
    from marshmallow import ValidationError

    from workflow.policy.vocabulary import CONTENT_RULES

    problems: list[tuple[str, str]] = []
    for group, sg in policy.content_rules.items():
        p = f"content_rules.staff_groups.{group}"
        if group not in policy.staff_groups:
            problems.append((p, f"staff group {group!r} is not one of this policy's: {', '.join(policy.staff_groups)}"))
        for r in sg.rules:
            if r.rule not in CONTENT_RULES:
                problems.append((f"{p}.rules.{r.rule}", f"unknown content rule {r.rule!r}; known: "
                                                        f"{', '.join(sorted(CONTENT_RULES))}"))
                continue
            try:
                CONTENT_RULES[r.rule].params().load(r.params)
            except ValidationError as exc:
                problems.append((f"{p}.rules.{r.rule}.params", f"{exc.messages}"))
    return sorted(set(problems))


def _check_workflow(policy: Policy, wname: str, wf: Workflow, conditions, actions) -> list[tuple[str, str]]:
    p = f"workflows.{wname}"
    problems: list[tuple[str, str]] = []
    states = {s.name for s in wf.states}
    roles = policy.roles

    def role_ok(path: str, role: str):
        if role not in roles:
            problems.append((path, f"unknown role {role!r}; the policy knows {', '.join(sorted(roles))}"))

    def state_ok(path: str, state: str) -> bool:
        if state not in states:
            problems.append((path, f"unknown state {state!r}; {wname} has {', '.join(sorted(states))}"))
            return False
        return True

    state_ok(f"{p}.initial", wf.initial)
    for r in wf.started_by:
        role_ok(f"{p}.started_by", r)
    seen: dict[tuple[str, str], int] = {}
    for i, t in enumerate(wf.transitions):
        tp = f"{p}.transitions.{i}"
        for src in t.sources:
            if state_ok(f"{tp}.source", src):
                if (t.trigger, src) in seen:
                    problems.append((f"{tp}.trigger", f"duplicate trigger {t.trigger!r} from state {src!r} "
                                                      f"(already at transitions.{seen[(t.trigger, src)]})"))
                seen.setdefault((t.trigger, src), i)
        state_ok(f"{tp}.dest", t.dest)
        for r in t.roles:
            role_ok(f"{tp}.roles", r)
        for r in t.notify:
            role_ok(f"{tp}.notify", r)
        for c in t.conditions:
            if c not in conditions:
                problems.append((f"{tp}.conditions", f"unknown condition {c!r}; known: {', '.join(sorted(conditions))}"))
        for k, (a, params) in enumerate(t.actions):
            if a not in actions:
                problems.append((f"{tp}.actions", f"unknown action {a!r}; known: {', '.join(sorted(actions))}"))
            else:
                problems.extend(_check_action(policy, wf, f"{tp}.actions.{k}.{a}", a, params, conditions))
        for f in t.payload:
            if f.happened and f.type not in ("date", "datetime"):
                problems.append((f"{tp}.payload.{f.name}.happened", "only a date or datetime records when "
                                                                    "something happened"))
            if f.type == "choice" and not f.choices:
                problems.append((f"{tp}.payload.{f.name}", "a choice field needs choices"))

    for s in wf.states:
        sp = f"{p}.states.{s.name}"
        for r in s.waiting_on:
            role_ok(f"{sp}.waiting_on", r)
        if s.asks and not any(t.trigger == s.asks and s.name in t.sources for t in wf.transitions):
            problems.append((f"{sp}.asks", f"names {s.asks!r}, which is not a step from this state"))
        if s.timed_by and not s.deadlines:
            problems.append((sp, f"waits on someone under {s.timed_by}, which sets a time limit, but has no deadline"))
        elif not s.final and not s.deadlines and not (s.untimed and s.untimed.strip()):
            # issue 16 item 5: every wait has a clock, or a policy line saying why it has none
            problems.append((f"{sp}.untimed", "is a wait with no deadline: give it a clock, or say why none with "
                                              "'untimed: <clause or local_choice>'"))
        names = set()
        for j, d in enumerate(s.deadlines):
            dp = f"{sp}.deadlines.{j}"
            if d.name in names:
                problems.append((f"{dp}.name", f"duplicate deadline {d.name!r} in state {s.name!r}"))
            names.add(d.name)
            for k, e in enumerate(d.escalation):
                for r in e.notify:
                    role_ok(f"{dp}.escalation.{k}.notify", r)
            for r in d.extend_roles:
                role_ok(f"{dp}.extend_roles", r)
            if (d.extendable or d.pausable) and not d.extend_roles:
                problems.append((f"{dp}.extend_roles", "an extendable or pausable deadline must say who may extend "
                                                       "or pause it"))
            if d.extend_roles and not (d.extendable or d.pausable):
                problems.append((f"{dp}.extend_roles", "names who may extend a deadline that is neither extendable "
                                                       "nor pausable"))
            if d.source_says == "must" and d.extendable:
                # issue 16 item 17: "must"/"will" in the source is not extended
                problems.append((f"{dp}.extendable", "the source says 'must' or 'will' (source_says: must): this "
                                                     "limit cannot be extendable"))
            for r in sorted(set(d.extend_roles) & set(policy.parties)):
                problems.append((f"{dp}.extend_roles", f"{r!r} is a party to the plan; a party never changes a "
                                                       "deadline alone (issue 16 item 17)"))
            if d.kind == "right" and not d.expiry_trigger:
                problems.append((f"{dp}.on_expiry", "a lodging window (kind: right) must say which trigger closes it"))
            if d.expiry_trigger:
                t = wf.transition(d.expiry_trigger, s.name)
                if t is None:
                    problems.append((f"{dp}.on_expiry", f"trigger {d.expiry_trigger!r} does not leave state {s.name!r}"))
                elif not any(roles.get(r) and roles[r].scope == "system" for r in t.roles):
                    problems.append((f"{dp}.on_expiry", f"trigger {d.expiry_trigger!r} must allow a role with scope system"))
            if d.runs_from.startswith("payload."):
                field = d.runs_from.split(".", 1)[1]
                for t in wf.transitions:
                    if t.dest == s.name and not any(f.name == field and f.required for f in t.payload):
                        problems.append((f"{dp}.runs_from", f"runs from payload field {field!r}, but transition "
                                                            f"{t.trigger!r} into {s.name!r} does not require it"))
            for k, r in enumerate(d.reminders):
                if d.unit == "days" and r >= d.amount:
                    problems.append((f"{dp}.reminders.{k}", f"a reminder {r} days before a {d.amount}-day deadline "
                                                            "would come before it opens"))
        outgoing = [t for t in wf.transitions if s.name in t.sources]
        if not s.final and not outgoing:
            problems.append((sp, "is not final but no transition leaves it"))

    if wf.initial in states:
        reached = {wf.initial}
        queue = deque([wf.initial])
        while queue:
            cur = queue.popleft()
            for t in wf.transitions:
                if cur in t.sources and t.dest not in reached and t.dest in states:
                    reached.add(t.dest)
                    queue.append(t.dest)
        for s in wf.states:
            if s.name not in reached:
                problems.append((f"{p}.states.{s.name}", f"is unreachable from the initial state {wf.initial!r}"))
    return problems
