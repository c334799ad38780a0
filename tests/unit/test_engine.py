"""One Machine per (policy, version, workflow), shared by every case; nothing of a case stays in it
(issue 3: engine on transitions; LIBRARY-NOTES: a Machine per object is costly)."""
from pathlib import Path

import pytest

from workflow.engine import Engine
from workflow.errors import TriggerNotAllowedInState, UnknownTrigger
from workflow.policy import load_policy_file

POLICY = load_policy_file(Path(__file__).resolve().parents[2] / "policies" / "cpft-medical-2017.yaml")


def test_machine_is_built_once_per_policy_version_and_shared():
    engine = Engine()
    m1 = engine.machine(POLICY, "sign_off")
    for _ in range(500):
        assert engine.fire(POLICY, "sign_off", "draft", "record_meeting") == "awaiting_signatures"
    assert engine.machine(POLICY, "sign_off") is m1
    assert engine.machine_count == 1
    assert m1.models == []  # no case is left attached


def test_firing_from_the_wrong_state_is_refused():
    with pytest.raises(TriggerNotAllowedInState):
        Engine().fire(POLICY, "sign_off", "agreed", "record_meeting")


def test_unknown_trigger_is_refused():
    with pytest.raises(UnknownTrigger):
        Engine().fire(POLICY, "sign_off", "draft", "launch_rocket")


def test_triggers_from_a_state_come_from_the_policy():
    assert set(Engine().triggers_from(POLICY, "sign_off", "awaiting_signatures")) == {
        "sign", "complete_signatures", "record_failure_to_agree"}
