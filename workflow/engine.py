"""The state machines: one ``transitions.Machine`` per (policy id, version, workflow), built once and
shared by every case on that version.

A case is never given a Machine of its own. To fire a trigger the engine asks the shared machine which
of its transitions ``trigger`` takes from the case's current state (``Machine.get_transitions``) and
returns its destination; nothing about the case is kept in the machine. Nothing is run on the machine
either: a step's conditions, effects, clocks and mail need the database, so the service runs them, inside
the one transaction that is the rollback ``transitions`` does not do. (Dispatching the event through
``machine.events[trigger]`` with a throw-away model gave the same answer at about ten times the cost;
``bench/engine_overhead.py`` counts every such cost against plain SQL.)"""
from __future__ import annotations

import threading

from transitions import Machine

from workflow.errors import TriggerNotAllowedInState, UnknownTrigger
from workflow.policy.model import Policy, Workflow


class Engine:
    def __init__(self):
        self._machines: dict[tuple[str, int, str], Machine] = {}
        self._lock = threading.Lock()

    def machine(self, policy: Policy, workflow: str) -> Machine:
        key = (policy.id, policy.version, workflow)
        m = self._machines.get(key)
        if m is None:
            with self._lock:
                m = self._machines.get(key)
                if m is None:
                    m = self._machines[key] = build_machine(policy.workflow(workflow))
        return m

    @property
    def machine_count(self) -> int:
        return len(self._machines)

    def fire(self, policy: Policy, workflow: str, state: str, trigger: str) -> str:
        """The state ``trigger`` leads to from ``state``."""
        m = self.machine(policy, workflow)
        if trigger not in m.events:
            raise UnknownTrigger(f"{trigger!r} is not a step of the {workflow} workflow of {policy.id} v{policy.version}")
        moves = m.get_transitions(trigger=trigger, source=state)
        if not moves:
            raise TriggerNotAllowedInState(f"{trigger!r} cannot be fired from state {state!r}")
        return moves[0].dest

    def triggers_from(self, policy: Policy, workflow: str, state: str) -> list[str]:
        return self.machine(policy, workflow).get_triggers(state)


def build_machine(wf: Workflow) -> Machine:
    return Machine(
        model=None,
        states=[s.name for s in wf.states],
        transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in wf.transitions],
        initial=wf.initial,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        model_attribute="state",
    )
