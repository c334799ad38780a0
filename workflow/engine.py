"""The state machines: one ``transitions.Machine`` per (policy id, version, workflow), built once and
shared by every case on that version.

A case is never given a Machine of its own. To fire a trigger the engine hands the shared machine a
throw-away handle that carries only the current state, dispatches the event through
``machine.events[trigger]`` and reads the new state back; nothing about the case stays in the machine.
The database transaction around the call is the rollback ``transitions`` does not do."""
from __future__ import annotations

import threading

from transitions import Machine, MachineError

from .errors import TriggerNotAllowedInState, UnknownTrigger
from .policy.model import Policy, Workflow


class _Handle:
    """What ``transitions`` sees of a case: its state, nothing else."""

    __slots__ = ("state",)

    def __init__(self, state: str):
        self.state = state


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
        """Run ``trigger`` from ``state`` and return the state it leads to."""
        m = self.machine(policy, workflow)
        event = m.events.get(trigger)
        if event is None:
            raise UnknownTrigger(f"{trigger!r} is not a step of the {workflow} workflow of {policy.id} v{policy.version}")
        handle = _Handle(state)
        try:
            event.trigger(handle)
        except MachineError:
            raise TriggerNotAllowedInState(f"{trigger!r} cannot be fired from state {state!r}") from None
        return handle.state

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
