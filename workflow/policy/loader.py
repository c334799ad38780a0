"""Reading a policy file: YAML → schema validation → model → meaning checks.

A bad file is refused whole with a ``PolicyError`` naming the file, the path inside it and what is wrong.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from marshmallow import ValidationError

from workflow.errors import PolicyError
from workflow.policy.checks import check_policy
from workflow.policy.clause_refs import check_clause_refs
from workflow.policy.model import PolicySettings
from workflow.policy.model import ContentRule, StaffGroupRules, DeadlineSpec, EscalationStep, FieldSpec, Policy, RoleSpec, StateSpec, TransitionSpec, Workflow
from workflow.policy.schema import PolicySchema
from workflow.policy.problems import _as_list, flatten_errors  # noqa: F401  (flatten_errors: re-exported)
from workflow.policy.tags import tag_names


# Limits for a hostile or broken file (the trust's own policies are ~30 KB, 10 levels deep, ~3,000 values).
MAX_BYTES = 1024 * 1024   # 1 MiB
MAX_DEPTH = 32            # mappings and lists inside one another
MAX_VALUES = 100_000      # every key, value and list item, counted through YAML aliases ("billion laughs")

# libyaml's parser when PyYAML was built with it: ~10x faster, and it does not recurse per nesting level.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_policy_file(path: str | Path) -> Policy:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise PolicyError([(str(path), "(file)", _too_big(path.stat().st_size))])
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError([(str(path), "(file)", f"cannot be read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError:
        raise PolicyError([(str(path), "(file)", "is not UTF-8 text")]) from None
    return load_policy_text(text, name=str(path))


def _too_big(size: int) -> str:
    return f"is {size / 1024 / 1024:.1f} MB; a policy file may be at most {MAX_BYTES // 1024 // 1024} MB"


def load_policy_text(text: str, name: str = "<policy>") -> Policy:
    if len(text) > MAX_BYTES or len(text.encode("utf-8")) > MAX_BYTES:
        raise PolicyError([(name, "(file)", _too_big(len(text.encode("utf-8"))))])
    try:
        raw = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise PolicyError([(name, where, f"is not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    except RecursionError:  # the pure-Python parser recurses per level, when libyaml is missing
        raise PolicyError([(name, "(file)", f"nests deeper than {MAX_DEPTH} levels")]) from None
    problem = _shape_problem(raw)
    if problem:
        raise PolicyError([(name, *problem)])
    if not isinstance(raw, dict):
        raise PolicyError([(name, "(top)", "a policy file is a mapping with id, version, roles, workflows...")])
    try:
        data = PolicySchema().load(raw)
    except ValidationError as exc:
        raise PolicyError([(name, path, msg) for path, msg in flatten_errors(exc.messages)]) from None
    policy = _build(data, name, hashlib.sha256(text.encode()).hexdigest())
    problems = check_policy(policy) + check_clause_refs(data)
    if problems:
        raise PolicyError([(name, path, msg) for path, msg in problems])
    return policy


def _shape_problem(raw) -> tuple[str, str] | None:
    """(path, problem) when the document nests too deep or holds too many values; walked without recursion,
    so the checks after it (which recurse) only ever see a bounded document."""
    stack, seen = [(raw, "", 0)], 0
    while stack:
        value, path, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            return "(file)", f"holds more than {MAX_VALUES:,} values (YAML aliases count each time they are used)"
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                return path or "(top)", f"nests deeper than {MAX_DEPTH} levels"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in items)
    return None


def _tags_of(tags: dict[str, tuple[str, ...]], on: str, name: str, wname: str | None = None) -> tuple[str, ...]:
    """The tags the policy's ``tags:`` mapping gives the workflow (or state, transition, deadline of the
    workflow) ``name``; a tag of a state belongs to the workflow its rule names (workflow.policy.tags)."""
    from workflow.policy.tags import TAGS

    out = []
    for tag, names in tags.items():
        rule = TAGS.get(tag)
        if rule is None or rule.on != on or name not in names:
            continue
        if wname is None or wname in tags.get(rule.within, ()):
            out.append(tag)
    return tuple(out)


def _build(d: dict, name: str, digest: str) -> Policy:
    tags = tag_names(d)
    roles = {k: RoleSpec(name=k, scope=v["scope"], title=v["title"], clause=v["clause"],
                         appointed_from=tuple(v["appointed_from"])) for k, v in d["roles"].items()}
    workflows = {}
    for wname, w in d["workflows"].items():
        states = []
        for sname, s in w["states"].items():
            deadlines = tuple(
                DeadlineSpec(
                    name=dl["name"], state=sname, amount=next(iter(dl["within"].values())),
                    unit=next(iter(dl["within"])), counting=dl["counting"], runs_from=dl["runs_from"],
                    kind=dl["kind"], extendable=dl["extendable"], pausable=dl["pausable"],
                    reminders=tuple(sorted(set(dl["reminders"]), reverse=True)),
                    escalation=tuple(EscalationStep(e["after_days"], tuple(e["notify"]), e["clause"])
                                     for e in dl["escalation"]),
                    expiry_trigger=dl["on_expiry"], clause=dl["clause"], label=dl["label"],
                    local_choice=dl["local_choice"], extend_roles=tuple(dl["extend_roles"]),
                    timezone=d["calendar"]["timezone"], tags=_tags_of(tags, "deadline", dl["name"], wname),
                    start_day_counts=dl["start_day_counts"],
                    source_says=dl["source_says"],
                )
                for dl in s["deadlines"]
            )
            states.append(StateSpec(name=sname, title=s["title"], final=s["final"], waiting_on=tuple(s["waiting_on"]),
                                    next_step=s["next_step"], timed_by=s["timed_by"], clause=s["clause"],
                                    deadlines=deadlines, tags=_tags_of(tags, "state", sname, wname),
                                    untimed=s["untimed"], asks=s["asks"]))
        transitions = []
        for t in w["transitions"]:
            src = t["source"]
            actions = tuple((a, {}) if isinstance(a, str) else (next(iter(a)), dict(next(iter(a.values())) or {}))
                            for a in t["actions"])
            payload = tuple(FieldSpec(name=k, type=f["type"], required=f["required"], label=f["label"],
                                      choices=tuple(f["choices"]), max_length=f["max_length"], clause=f["clause"],
                                      happened=f["happened"], invitation=f["invitation"])
                            for k, f in t["payload"].items())
            transitions.append(TransitionSpec(
                trigger=t["trigger"], sources=(src,) if isinstance(src, str) else tuple(src), dest=t["dest"],
                roles=tuple(t["roles"]), title=t["title"], clause=t["clause"], conditions=tuple(t["conditions"]),
                actions=actions, payload=payload, notify=tuple(t["notify"]), reason_required=t["reason_required"],
                tags=_tags_of(tags, "transition", t["trigger"], wname),
                notify_addresses=tuple(t["notify_addresses"]), local_choice=t["local_choice"]))
        workflows[wname] = Workflow(name=wname, title=w["title"], initial=w["initial"], states=tuple(states),
                                    transitions=tuple(transitions), clause=w["clause"],
                                    started_by=tuple(w["started_by"]), tags=_tags_of(tags, "workflow", wname))
    cal = d["calendar"]
    return Policy(
        id=d["id"], version=d["version"], title=d["title"], staff_groups=tuple(d["staff_groups"]),
        source_document=d["source"]["document"], source_title=d["source"]["title"], source_date=d["source"]["date"],
        timezone=cal["timezone"], holiday_region=cal["holidays"], closure_days=tuple(cal["closure_days"]),
        pa_hours=d["pa_hours"], roles=roles, workflows=workflows, settings=_settings(d["settings"]), path=name, digest=digest,
        content_rules=_content_rules(d.get("content_rules"), d["staff_groups"]), tag_names=tags,
    )


def _settings(given: dict) -> PolicySettings:
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in given.items()}
    return PolicySettings(**values, given=frozenset(given))


def _content_rules(cr: dict | None, staff_groups: list[str]) -> dict[str, StaffGroupRules]:
    """Shared rules, then each staff group's own (a rule of the same name replaces the shared one)."""
    if cr is None:
        return {}
    out = {}
    for group in sorted(set(staff_groups) | set(cr["staff_groups"])):
        g = cr["staff_groups"].get(group) or {"full_time_pas": 10.0, "full_time_hours": None, "weeks_per_year": 42.0,
                                              "rules": []}
        merged = {r["rule"]: r for r in cr["rules"]}
        merged.update({r["rule"]: r for r in g["rules"]})
        out[group] = StaffGroupRules(
            staff_group=group, full_time_pas=g["full_time_pas"], full_time_hours=g["full_time_hours"],
            weeks_per_year=g["weeks_per_year"],
            rules=tuple(ContentRule(r["rule"], r["severity"], r["clause"], dict(r["params"])) for r in merged.values()))
    return out
