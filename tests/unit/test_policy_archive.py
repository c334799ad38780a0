"""A policy version that cases may have started on is never edited in place (issue 16): a change of rules is a
new version, and the old one stays, unchanged, in policies/archive/ for the cases that keep it."""
from __future__ import annotations

import hashlib
from pathlib import Path

from workflow.policy import PolicyRegistry, load_policy_file

POLICIES = Path(__file__).resolve().parents[2] / "policies"
# The archived versions as released. Changing one of these digests means changing the rules of cases already
# running on that version: make a new version instead.
FROZEN = {
    "archive/cpft-medical-2017-v1.yaml": "1f8ce4eb6471ccc8c015b4f064e71d96833afd950f0b590715d4be9b4ad3da62",
    "archive/salaried-dental-2007-v1.yaml": "0019838b30bdf342ebf93c283c2b1cd759bf76c3e6da568ad2f3542c1402d304",
}


def test_archived_policy_versions_are_not_edited_in_place():
    for name, digest in FROZEN.items():
        assert hashlib.sha256((POLICIES / name).read_bytes()).hexdigest() == digest, name


def test_each_archived_version_is_older_than_the_shipped_one():
    registry = PolicyRegistry.from_directory(POLICIES)
    for name in FROZEN:
        old = load_policy_file(POLICIES / name)
        assert registry.latest(old.id).version > old.version
        assert registry.get(old.id, old.version).digest == old.digest
