"""All loaded policy versions, side by side. Cases pin (id, version); new cases take the newest."""
from __future__ import annotations

from pathlib import Path

from workflow.errors import NotFound, PolicyError
from workflow.policy.loader import load_policy_file
from workflow.policy.model import Policy


class PolicyRegistry:
    def __init__(self, policies: list[Policy] | None = None):
        self._by_key: dict[tuple[str, int], Policy] = {}
        for p in policies or []:
            self.add(p)

    @classmethod
    def from_directory(cls, directory: str | Path) -> "PolicyRegistry":
        """Load every ``*.yaml`` under the folder (old versions may live in sub-folders such as
        ``archive/``). Any bad file refuses the whole directory: a half-loaded rule set is worse."""
        files = sorted(Path(directory).rglob("*.yaml")) + sorted(Path(directory).rglob("*.yml"))
        problems = []
        policies = []
        for f in files:
            try:
                policies.append(load_policy_file(f))
            except PolicyError as exc:
                problems.extend(exc.problems)
        if problems:
            raise PolicyError(problems)
        reg = cls()
        for p in policies:
            reg.add(p)
        return reg

    def add(self, policy: Policy) -> None:
        existing = self._by_key.get(policy.key)
        if existing is not None and existing.digest != policy.digest:
            raise PolicyError([(policy.path or policy.id, "version",
                                f"{policy.id} version {policy.version} is already loaded from {existing.path} "
                                "with different content: bump the version when you change a policy")])
        self._by_key[policy.key] = policy

    def get(self, policy_id: str, version: int) -> Policy:
        try:
            return self._by_key[(policy_id, version)]
        except KeyError:
            raise NotFound(f"policy {policy_id} version {version} is not loaded") from None

    def latest(self, policy_id: str) -> Policy:
        versions = [p for (pid, _), p in self._by_key.items() if pid == policy_id]
        if not versions:
            raise NotFound(f"no policy with id {policy_id!r}; loaded: {', '.join(self.ids()) or 'none'}")
        return max(versions, key=lambda p: p.version)

    def for_staff_group(self, staff_group: str) -> Policy:
        matches = {p.id for p in self._by_key.values() if staff_group in p.staff_groups}
        if len(matches) != 1:
            raise NotFound(f"staff group {staff_group!r} is covered by {len(matches)} policies "
                           f"({', '.join(sorted(matches)) or 'none'}); name the policy")
        return self.latest(matches.pop())

    def for_person(self, person, policy_id: str | None = None) -> Policy:
        """The newest version of the named policy, or else of the one that covers the person's staff group."""
        return self.latest(policy_id) if policy_id else self.for_staff_group(person.staff_group or "")

    def workflow_keys(self, tag: str) -> list[tuple[str, int, str]]:
        """(policy id, version, workflow) of every loaded workflow carrying ``tag``: a case's workflow is
        named by its own policy version, so "the sign-off cases" are found by these, never by a name."""
        return [(p.id, p.version, w.name) for p in self.all() for w in p.workflows_tagged(tag)]

    def state_keys(self, workflow_tag: str, state_tag: str) -> list[tuple[str, int, str, str]]:
        """(policy id, version, workflow, state) of every state carrying ``state_tag`` in a workflow
        carrying ``workflow_tag``."""
        return [(p.id, p.version, w.name, s.name) for p in self.all() for w in p.workflows_tagged(workflow_tag)
                for s in w.states_tagged(state_tag)]

    def ids(self) -> list[str]:
        return sorted({pid for pid, _ in self._by_key})

    def all(self) -> list[Policy]:
        return sorted(self._by_key.values(), key=lambda p: (p.id, p.version))
