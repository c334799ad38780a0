"""`jobplan policy check` refuses a clause reference that is not in the policy's source (issue 16 item 22).

The index of each source's clauses is committed (workflow/policy/source_clauses.json) because the seeds are
not in the repository; where they are present (a developer's machine), it is rebuilt and compared."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from web.cli import main
from workflow.errors import PolicyError
from workflow.policy import load_policy_text
from workflow.policy.clause_refs import clause_problem, source_index

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
MEDICAL, DENTAL, NON_MEDICAL = (POLICIES / f for f in ("cpft-medical-2017.yaml", "salaried-dental-2007.yaml",
                                                        "non-medical-afc-2022.yaml"))
D002, D001, D004, D000 = ("002_bfbf4f63a3f89374.txt", "001_920ef09824a376eb.txt", "004_8c428c764b3bed70.txt",
                          "000_54f22a5cf8ede8b7.txt")


def problems_of(path: Path, edit) -> list[tuple[str, str]]:
    doc = yaml.safe_load(path.read_text())
    edit(doc)
    with pytest.raises(PolicyError) as exc:
        load_policy_text(yaml.safe_dump(doc, sort_keys=False), name="bad.yaml")
    return [(p, m) for _, p, m in exc.value.problems]


def test_policy_check_refuses_clause_99_99_not_in_002(tmp_path):
    doc = yaml.safe_load(MEDICAL.read_text())
    doc["workflows"]["sign_off"]["states"]["awaiting_signatures"]["clause"] = "99.99"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = CliRunner().invoke(main, ["policy", "check", str(bad)])
    assert out.exit_code == 1
    assert (f"{bad}: workflows.sign_off.states.awaiting_signatures.clause: clause '99.99' is not in {D002} "
            "(it numbers 1 to 11)") in out.output


def test_every_place_a_clause_is_cited_is_checked_002():
    def edit(doc):
        doc["roles"]["practitioner"]["clause"] = "5.9"                                     # a role
        doc["workflows"]["sign_off"]["transitions"][0]["clause"] = "7.4.2, 7.5.1"          # one part of a list
        doc["workflows"]["sign_off"]["states"]["awaiting_signatures"]["deadlines"][0]["escalation"][1]["clause"] = "5.8"
        doc["workflows"]["disagreement"]["clause"] = "7.8.1-7.8.19"                        # a range's end
    found = dict(problems_of(MEDICAL, edit))
    assert found == {
        "roles.practitioner.clause": f"clause '5.9' is not in {D002} (it numbers 1 to 11)",
        "workflows.sign_off.transitions.0.clause": f"clause '7.5.1' is not in {D002} (it numbers 1 to 11)",
        "workflows.sign_off.states.awaiting_signatures.deadlines.0.escalation.1.clause":
            f"clause '5.8' is not in {D002} (it numbers 1 to 11)",
        "workflows.disagreement.clause": f"clause '7.8.19' is not in {D002} (it numbers 1 to 11)",
    }


def test_named_sections_of_004_must_be_headings_of_004():
    def edit(doc):
        doc["workflows"]["appeal"]["clause"] = "Stage 4"
    (path, msg), = problems_of(NON_MEDICAL, edit)
    assert path == "workflows.appeal.clause"
    assert msg == f"clause 'Stage 4' is not a heading of {D004}: cite a numbered clause or a heading's words"
    for heading in ("Stage 3", "Managers check-list", "Minimum standards", "Job Planning Consistency Panel",
                    "Use of Data and Dashboards"):
        assert clause_problem(heading, D004) is None, heading


def test_another_source_is_cited_by_its_prefix_and_checked_there_001_20():
    assert clause_problem("002 7.8.8", D001) is None            # the dental appeal borrows the national route
    assert clause_problem("000 2a", D002) is None               # SAS doctors: 000's referral paragraph
    assert clause_problem("002 7.8.99", D001) == f"clause '7.8.99' is not in {D002} (it numbers 1 to 11)"

    def edit(doc):
        doc["workflows"]["sign_off"]["states"]["awaiting_signatures"]["deadlines"][0]["local_choice"] = (
            "001 sets no time limit for signing; we use the trust's 28 days from the meeting (002 7.55)")
    (path, msg), = problems_of(DENTAL, edit)
    assert path.endswith("deadlines.0.local_choice") and msg == f"clause '7.55' is not in {D002} (it numbers 1 to 11)"


def test_the_index_holds_each_sources_own_numbering():
    idx = source_index()
    assert {"7.4.3", "7.5", "7.6.13", "7.8.13", "7.8.18", "Appendix"} & idx[D002]["numbers"] == {
        "7.4.3", "7.5", "7.6.13", "7.8.13", "7.8.18"}
    assert {"20", "26", "26.9"} <= idx[D001]["numbers"] and "27" not in idx[D001]["numbers"]
    assert {"1", "2", "2a", "4"} <= idx[D000]["numbers"] and "3" not in idx[D000]["numbers"]
    assert "stage 3" in idx[D004]["headings"] and "example sign off hierarchy" in idx[D004]["headings"]


SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not on this machine (../shared/seeds)")
def test_committed_index_matches_the_seeds():
    spec = importlib.util.spec_from_file_location("build_source_index", ROOT / "docs" / "build_source_index.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    committed = (ROOT / "workflow" / "policy" / "source_clauses.json").read_text(encoding="utf-8")
    assert builder.render(builder.build(SEEDS)) == committed, "run python docs/build_source_index.py"


def test_every_clause_in_the_clause_table_is_in_its_source_issue_16_item_21():
    """docs/clauses.md names clauses of 002, 001, 004 and 000: each is one the source holds."""
    table = (ROOT / "docs" / "clauses.md").read_text()
    docs = {"002": D002, "001": D001, "004": D004, "000": D000}
    checked, doc = 0, None
    for line in table.splitlines():
        if line.startswith("## "):
            doc = docs.get(line[3:6])
            continue
        if doc is None or not line.startswith("| ") or line.startswith(("| clause", "| ---", "| all ")):
            continue
        cell = line.split("|")[1].strip()
        cell = re.sub(r"\s*\([^)]*\)", "", cell)  # "7.5 (1)", "Stage 3 (panel)"
        for part in cell.split(","):
            assert clause_problem(part, doc) is None, f"{part!r} ({doc}): {clause_problem(part, doc)}"
            checked += 1
    assert checked > 40


def test_a_steps_local_choice_is_loaded_shown_and_its_references_checked_000_2a_issue_16():
    """Where the source is silent about a step, the trust's choice is a ``local_choice`` on the step (issue 16:
    recorded, never silent), loaded with it, and the references in it are checked as any clause is."""
    from workflow.policy.loader import load_policy_file

    policy = load_policy_file(MEDICAL)
    refer = policy.workflow("disagreement").transition("raise_formal_disagreement", "failure_recorded")
    assert refer.local_choice.startswith("000 2a lets the doctor and clinical manager refer")

    def edit(doc):
        doc["workflows"]["sign_off"]["transitions"][0]["local_choice"] = "as 002 7.99.9 would have it"
    assert dict(problems_of(MEDICAL, edit)) == {
        "workflows.sign_off.transitions.0.local_choice": f"clause '7.99.9' is not in {D002} (it numbers 1 to 11)"}
