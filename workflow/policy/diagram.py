"""A workflow of a policy as a mermaid state diagram, written from the policy model (never from the
runtime machine, which must not carry per-diagram state).

Mermaid reads `;` as the end of a statement and `#…;` as an entity, and an unquoted state description
splits at punctuation, so every label is written in a form it cannot misread: state titles quoted
(`state "…" as name`), and the characters mermaid gives a meaning written as its entity codes."""
from __future__ import annotations

from workflow.policy.model import Workflow

# Mermaid's own entity codes (`#59;` shows a `;`); `#` goes first so the codes written are not re-escaped.
_ENTITIES = (("#", "#35;"), (";", "#59;"), (":", "#58;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"),
             ("{", "#123;"), ("}", "#125;"))


def label(text: str) -> str:
    """Text safe anywhere mermaid takes a label: one line, its special characters as entity codes."""
    text = " ".join(text.split())
    for char, code in _ENTITIES:
        text = text.replace(char, code)
    return text


def mermaid(wf: Workflow, current: str | None = None, *, steps: str = "trigger") -> str:
    """The workflow as `stateDiagram-v2`. ``steps="trigger"`` labels a transition with its trigger and
    roles, every step included (the API's view, for people who script against it); ``steps="title"``
    with its plain title, leaving out steps that stay in their state (the page's view: the table beside
    it lists those, and a state with six loops cannot be read). ``current`` marks a case's state."""
    lines = ["stateDiagram-v2", f"    %% {label(wf.title)}" + (f" ({label(wf.clause)})" if wf.clause else "")]
    for s in wf.states:
        lines.append(f'    state "{label(s.title)}" as {s.name}')
    lines.append(f"    [*] --> {wf.initial}")
    loops: dict[str, list[str]] = {}
    for t in wf.transitions:
        text = label(t.title) if steps == "title" else f"{t.trigger} [{label(', '.join(t.roles))}]"
        for src in t.sources:
            if src == t.dest:
                loops.setdefault(src, []).append(text)
            else:
                lines.append(f"    {src} --> {t.dest}: {text}")
    if steps != "title":  # mermaid draws one loop per state: the state's loops share it, a line each
        lines += [f"    {state} --> {state}: {'<br/>'.join(texts)}" for state, texts in loops.items()]
    for s in wf.states:
        if s.final:
            lines.append(f"    {s.name} --> [*]")
    if current:
        lines += ["    classDef current fill:#005eb8,color:#fff,font-weight:bold", f"    class {current} current"]
    return "\n".join(lines) + "\n"
