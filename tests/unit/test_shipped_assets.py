"""Issue 18 item 16: a fresh machine needs no Node.js. The front-end files the app serves ship in the
Python package (web/static/vendor/), built from web/frontend/package-lock.json; these tests are the CI
check that they still match the lockfile, and that nothing the app serves comes from node_modules."""
from __future__ import annotations

import json
import shutil

import pytest

from web import vendoring


@pytest.fixture
def shipped_copy(tmp_path, monkeypatch):
    """A copy of the shipped files to spoil, so the real ones are never touched."""
    copy = tmp_path / "vendor"
    shutil.copytree(vendoring.SHIPPED, copy)
    monkeypatch.setattr(vendoring, "SHIPPED", copy)
    monkeypatch.setattr(vendoring, "MANIFEST", copy / "MANIFEST.json")
    return copy


def test_item_16_the_shipped_files_match_the_lockfile_and_node_modules():
    assert vendoring.check() == []


def test_item_16_the_manifest_names_the_versions_the_lockfile_pins():
    locked = vendoring.locked_versions(dev=False)
    manifest = json.loads(vendoring.MANIFEST.read_text())
    shipped = {(e["package"], e["version"]) for e in manifest["files"]}
    assert shipped == {(s.package, locked[f"node_modules/{s.package}"]) for s in vendoring.SOURCES}


def test_item_16_what_the_pages_load_is_shipped():
    paths = {e["path"] for e in json.loads(vendoring.MANIFEST.read_text())["files"]}
    assert {"nhsuk-frontend/nhsuk-frontend.min.css", "nhsuk-frontend/nhsuk-frontend.min.js",
            "mermaid/mermaid.min.js", "nhsuk-frontend/assets/images/favicon.ico",
            "nhsuk-frontend/assets/images/favicon.svg", "nhsuk-frontend/assets/manifest.json"} <= paths


def test_item_16_a_changed_shipped_file_is_caught(shipped_copy):
    (shipped_copy / "mermaid" / "mermaid.min.js").write_text("/* not mermaid */")
    problems = vendoring.check()
    assert any("mermaid/mermaid.min.js differs from the file the build recorded" in p for p in problems)


def test_item_16_a_lockfile_upgrade_without_a_rebuild_is_caught(shipped_copy, tmp_path, monkeypatch):
    lock = json.loads(vendoring.LOCKFILE.read_text())
    lock["packages"]["node_modules/mermaid"]["version"] = "99.0.0"
    upgraded = tmp_path / "package-lock.json"
    upgraded.write_text(json.dumps(lock))
    monkeypatch.setattr(vendoring, "LOCKFILE", upgraded)
    problems = vendoring.check()
    assert any("mermaid/mermaid.min.js comes from mermaid 11.12.1, the lockfile has 99.0.0" in p for p in problems)


def test_item_16_a_file_left_out_of_the_manifest_is_caught(shipped_copy):
    (shipped_copy / "mermaid" / "extra.js").write_text("")
    assert "mermaid/extra.js is shipped but not in the manifest" in vendoring.check()


def test_item_16_assets_dev_skips_npm_when_the_lockfile_is_installed(tmp_path, monkeypatch):
    modules = tmp_path / "node_modules"
    modules.mkdir()
    shutil.copyfile(vendoring.LOCKFILE, modules / ".package-lock.json")  # what `npm ci` leaves behind
    monkeypatch.setattr(vendoring, "MODULES", modules)
    monkeypatch.setattr(shutil, "which", lambda name: pytest.fail("npm looked up"))
    assert vendoring.npm_ci(dev=True) is False
    lock = json.loads(vendoring.LOCKFILE.read_text())
    del lock["packages"]["node_modules/axe-core"]
    (modules / ".package-lock.json").write_text(json.dumps(lock))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="npm is needed to install axe-core"):
        vendoring.npm_ci(dev=True)  # axe-core missing: npm is needed, and the message says so
