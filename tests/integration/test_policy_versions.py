"""Editing a policy and bumping its version leaves in-flight cases on the version they started under;
new cases take the newest; both machines live side by side (issue 3, policy versions)."""
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from tests.conftest import actor
from web.services import service
from workflow.errors import PolicyError
from workflow.store.models import Deadline
from workflow.policy import PolicyRegistry, load_policy_file, load_policy_text

MEDICAL = Path(__file__).resolve().parents[2] / "policies" / "archive" / "cpft-medical-2017-v1.yaml"  # version 1


def version_2(days: int = 21):
    doc = yaml.safe_load(MEDICAL.read_text())
    doc["version"] = 2
    doc["workflows"]["sign_off"]["states"]["awaiting_signatures"]["deadlines"][0]["within"] = {"days": days}
    return load_policy_text(yaml.safe_dump(doc, sort_keys=False), name="cpft-medical-2017-v2.yaml")


def sign_off_due(svc, case_id):
    svc.session.rollback()
    return svc.session.scalar(select(Deadline.due_at).where(Deadline.case_id == case_id, Deadline.name == "sign_off"))


def test_in_flight_case_keeps_its_version_new_cases_take_the_newest(app, trust):
    registry = PolicyRegistry([load_policy_file(MEDICAL)])
    app.extensions["jobplan"]["policies"] = registry
    svc = service()
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {})
    old = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    assert (old.policy_id, old.policy_version) == ("cpft-medical-2017", 1)

    registry.add(version_2(days=21))  # the trust edits its rules
    plan2 = svc.create_job_plan(actor(trust.manager), trust.colleague.id, {})
    new = svc.start_case(actor(trust.manager), "sign_off", trust.colleague.id, job_plan_id=plan2.id)
    assert new.policy_version == 2

    for cid in (old.id, new.id):
        svc.fire(actor(trust.manager), cid, "record_meeting", {"meeting_date": "2027-03-01"})
    # v1: 28 days → end of 29 March (BST); v2: 21 days → end of 22 March (GMT)
    assert sign_off_due(svc, old.id) == datetime(2027, 3, 29, 23, tzinfo=timezone.utc)
    assert sign_off_due(svc, new.id) == datetime(2027, 3, 23, 0, tzinfo=timezone.utc)
    assert svc.engine.machine_count == 2  # one machine per version, side by side


def test_changing_a_policy_without_bumping_its_version_is_refused():
    registry = PolicyRegistry([load_policy_file(MEDICAL)])
    doc = yaml.safe_load(MEDICAL.read_text())
    doc["title"] = "Edited in place"
    with pytest.raises(PolicyError) as exc:
        registry.add(load_policy_text(yaml.safe_dump(doc), name="edited.yaml"))
    assert "bump the version" in exc.value.message


def test_old_versions_load_from_an_archive_folder(tmp_path):
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "cpft-medical-2017-v1.yaml").write_text(MEDICAL.read_text())
    doc = yaml.safe_load(MEDICAL.read_text())
    doc["version"] = 2
    (tmp_path / "cpft-medical-2017.yaml").write_text(yaml.safe_dump(doc))
    registry = PolicyRegistry.from_directory(tmp_path)
    assert registry.latest("cpft-medical-2017").version == 2
    assert registry.get("cpft-medical-2017", 1).version == 1


def test_one_bad_file_refuses_the_whole_directory(tmp_path):
    (tmp_path / "good.yaml").write_text(MEDICAL.read_text())
    (tmp_path / "bad.yaml").write_text("id: [")
    with pytest.raises(PolicyError) as exc:
        PolicyRegistry.from_directory(tmp_path)
    assert str(tmp_path / "bad.yaml") in exc.value.message
