"""What a signature step signs, and who has signed it: the case's plan version with its PA summary for the
sign, approve and governance forms; who signed which version and when for the case page; and the roles whose
signature on the current version is already given, so the case no longer waits on them nor offers them
"Sign" again (002 7.5: both sign the same version; an edit is a new version, to be signed afresh)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from workflow.store.models import Case, Person, Signature

SIGNING_ACTION = "record_signature"  # the rule vocabulary's action that records a signature (workflow.rules)


def is_signing(spec) -> bool:
    return spec is not None and any(name == SIGNING_ACTION for name, _ in spec.actions)


def state_collects_signatures(wf, state: str) -> bool:
    return any(state in t.sources and is_signing(t) for t in wf.transitions)


def signed_roles(case: Case) -> set[str]:
    """The roles that signed the version of the case's plan now current."""
    plan = case.job_plan
    if plan is None:
        return set()
    version = next((v for v in plan.versions if v.number == plan.current_version), None)
    return {s.role for s in version.signatures} if version else set()


def done_roles(svc, case: Case) -> set[str]:
    """Roles the case no longer waits on: in a state that collects signatures, those already signed."""
    wf = svc.policy_of(case).workflow(case.workflow)
    return signed_roles(case) if state_collects_signatures(wf, case.state) else set()


@dataclass(frozen=True)
class SignatureRow:
    version: int
    role: str
    name: str
    at: datetime
    current: bool


def signature_rows(svc, case: Case) -> list[SignatureRow]:
    """Who signed which version of the case's plan, and when, newest version first."""
    plan = case.job_plan
    if plan is None:
        return []
    policy = svc.policy_of(case)
    names = dict(svc.session.execute(select(Person.id, Person.name).join(Signature, Signature.person_id == Person.id)
                                     .where(Signature.version_id.in_([v.id for v in plan.versions]))).all())
    rows = []
    for v in sorted(plan.versions, key=lambda v: -v.number):
        for s in sorted(v.signatures, key=lambda s: s.signed_at):
            title = policy.roles[s.role].title if s.role in policy.roles else s.role.replace("_", " ").capitalize()
            rows.append(SignatureRow(v.number, title, names.get(s.person_id, ""), s.signed_at,
                                     v.number == plan.current_version))
    return rows
