"""A workflow of a policy as a mermaid state diagram, written from the policy model (never from the
runtime machine, which must not carry per-diagram state)."""
from __future__ import annotations

from .model import Workflow


def _label(text: str) -> str:
    return " ".join(text.replace('"', "'").split())


def mermaid(wf: Workflow) -> str:
    lines = ["stateDiagram-v2", f"    %% {wf.title}" + (f" ({wf.clause})" if wf.clause else "")]
    for s in wf.states:
        lines.append(f'    state "{_label(s.title)}" as {s.name}')
    lines.append(f"    [*] --> {wf.initial}")
    for t in wf.transitions:
        for src in t.sources:
            who = ", ".join(t.roles)
            lines.append(f"    {src} --> {t.dest}: {t.trigger} [{who}]")
    for s in wf.states:
        if s.final:
            lines.append(f"    {s.name} --> [*]")
    return "\n".join(lines) + "\n"
