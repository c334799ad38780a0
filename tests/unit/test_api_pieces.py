"""Small pure pieces of the API and the import: no database."""
from __future__ import annotations

import pytest

from workflow.policy.diagram import mermaid
from workflow.service.people import parse_contract


@pytest.mark.parametrize("text,expected", [("10 PA", (10.0, None)), ("7.5pas", (7.5, None)),
                                           ("37.5 hours", (None, 37.5)), ("22.5h", (None, 22.5)), ("", (None, None))])
def test_contract_column_reads_pas_or_hours_002_7_1(text, expected):
    assert parse_contract(text) == expected


@pytest.mark.parametrize("text", ["ten", "10", "0 PA", "-3 hours", "10 days"])
def test_contract_column_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        parse_contract(text)


def test_diagram_has_every_state_and_transition_of_the_workflow(policies):
    wf = policies.latest("cpft-medical-2017").workflow("sign_off")
    text = mermaid(wf)
    assert text.startswith("stateDiagram-v2\n")
    assert "[*] --> draft" in text and "superseded --> [*]" in text
    for t in wf.transitions:
        for src in t.sources:
            if src != t.dest:
                assert f"{src} --> {t.dest}: {t.trigger} [" in text
            else:  # steps that stay in a state share its one loop, a line each
                assert f"{t.trigger} [" in next(line for line in text.splitlines() if f"{src} --> {src}: " in line)
    assert '"' not in text.replace('state "', "").replace('" as', "")  # titles cannot break the quoting
