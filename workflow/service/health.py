"""What an operator checks before trusting the service (issue 17, "Operators"): one answer for
`jobplan doctor` and `/healthz/ready`, and the gauges the metrics endpoint shows.

"The scheduler ran recently" is read from the data, not from a heartbeat: a sweep that runs leaves no
deadline whose ``next_check_at`` is long past, and a relay that runs leaves no due message waiting.
So the lag is the age of the oldest piece of work that is due and not yet done."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select, text

from workflow.store.deadline_rules import RUNNING, overdue_clause
from workflow.store.models import Case, Deadline, OutboxMessage, Person, RoleAssignment

SWEPT_STATUSES = RUNNING  # the statuses the sweep reads (a paused clock waits for no sweep)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


@dataclass(frozen=True)
class Gauges:
    """What an operator watches, read in a handful of aggregate queries (never a row per case)."""
    deadlines_due: int  # clocks whose next check has come: work the sweep has still to do
    deadlines_overdue: int  # overdue as workflow.store.deadline_rules.is_overdue says
    sweep_lag_seconds: float  # age of the oldest check still waiting for a sweep (0 when none)
    mail_pending: int
    mail_oldest_pending_seconds: float  # age of the oldest message due to leave and still waiting
    mail_failed: int


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def gauges(svc) -> Gauges:
    s, now = svc.session, svc.clock.now()
    due, oldest_check = s.execute(
        select(func.count(Deadline.id), func.min(Deadline.next_check_at))
        .where(Deadline.status.in_(SWEPT_STATUSES), Deadline.next_check_at <= now)).one()
    overdue = s.scalar(select(func.count(Deadline.id)).where(overdue_clause(now, Deadline)))
    pending, oldest_mail = s.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.next_attempt_at))
        .where(OutboxMessage.status == "pending")).one()
    due_mail = s.scalar(select(func.min(OutboxMessage.next_attempt_at))
                        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now))
    failed = s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "failed"))
    return Gauges(due, overdue, _age(now, oldest_check), pending, _age(now, due_mail), failed)


def readiness(svc, *, expected_heads: set[str] | None, smtp: Callable[[], str | None] | None,
              sweep_seconds: int, mail_seconds: int) -> list[Check]:
    """Every check, in the order an operator mends them. ``expected_heads`` are the migration heads the
    code ships (None: not checked); ``smtp`` answers None when the server greets us, else what failed."""
    checks = [_database(svc)]
    if not checks[0].ok:
        return checks  # nothing else can be read
    if expected_heads is not None:
        checks.append(_migrations(svc, expected_heads))
    checks.append(_policies_in_use(svc))
    checks.append(_role_holders(svc))
    if smtp is not None:
        error = smtp()
        checks.append(Check("mail server", error is None, error or "answers"))
    checks.extend(_scheduler(svc, sweep_seconds, mail_seconds))
    return checks


def _database(svc) -> Check:
    try:
        svc.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 — any failure to reach it is the answer
        svc.session.rollback()
        return Check("database", False, f"cannot be reached: {str(exc).splitlines()[0]}")
    return Check("database", True, f"reachable ({svc.session.get_bind().dialect.name})")


def _migrations(svc, expected: set[str]) -> Check:
    try:
        current = set(svc.session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:  # noqa: BLE001 — no table: never upgraded
        svc.session.rollback()
        current = set()
    if current == expected:
        return Check("migrations", True, f"current ({', '.join(sorted(current))})")
    return Check("migrations", False, f"database at {', '.join(sorted(current)) or 'no revision'}, code expects "
                                      f"{', '.join(sorted(expected))}: run `jobplan db upgrade`")


def missing_policy_versions(svc) -> list[str]:
    """Policy versions that cases still use but that are not loaded: such a case cannot be shown or moved."""
    used = svc.session.execute(select(Case.policy_id, Case.policy_version).distinct()).all()
    loaded = {p.key for p in svc.policies.all()}
    return sorted(f"{pid} version {v}" for pid, v in used if (pid, v) not in loaded)


def _policies_in_use(svc) -> Check:
    missing = missing_policy_versions(svc)
    if missing:
        return Check("policies", False, f"cases use {', '.join(missing)}, which is not in the policy folder: "
                                        "restore the file (old versions live in sub-folders)")
    return Check("policies", True, f"{len(svc.policies.all())} loaded; every version in use is loaded")


def _role_holders(svc) -> Check:
    """Every office a current policy routes work to (scope office or care group) has someone active in it."""
    held = set(svc.session.scalars(select(RoleAssignment.role).join(Person, RoleAssignment.person_id == Person.id)
                                   .where(Person.active.is_(True)).distinct()))
    latest = {p.id: p for p in svc.policies.all()}  # all() is sorted by version: the newest wins
    empty = sorted({f"{role.title} ({pid})" for pid, p in latest.items() for name, role in p.roles.items()
                    if role.scope in ("office", "care_group") and name not in held})
    if empty:
        return Check("role holders", False, f"nobody holds {'; '.join(empty)}: assign them before cases need them")
    return Check("role holders", True, "every office the policies route work to has a holder")


def _scheduler(svc, sweep_seconds: int, mail_seconds: int) -> list[Check]:
    g = gauges(svc)
    sweep_limit = max(3 * sweep_seconds, 300)
    mail_limit = max(3 * mail_seconds, 300)
    return [
        Check("sweep", g.sweep_lag_seconds <= sweep_limit,
              f"{g.deadlines_due} deadline checks due, the oldest waiting {_words(g.sweep_lag_seconds)}"
              + ("" if g.sweep_lag_seconds <= sweep_limit else ": is `jobplan scheduler` running?")),
        Check("mail relay", g.mail_oldest_pending_seconds <= mail_limit and g.mail_failed == 0,
              f"{g.mail_pending} pending, the oldest due one waiting {_words(g.mail_oldest_pending_seconds)}, "
              f"{g.mail_failed} failed" + ("" if g.mail_oldest_pending_seconds <= mail_limit
                                           else ": is `jobplan scheduler` running, and the mail server up?")),
    ]


def _words(seconds: float) -> str:
    td = timedelta(seconds=round(seconds))
    if td < timedelta(minutes=2):
        return f"{td.seconds} s"
    if td < timedelta(hours=2):
        return f"{td.seconds // 60} min"
    return f"{td.days * 24 + td.seconds // 3600} h"
