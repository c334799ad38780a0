"""The annual 360 audit: a random 10% of completed job plans, checked for completion and consistency
(002 10). The sample is drawn with a recorded seed over a recorded population, so anyone can draw it
again and get the same plans."""
from __future__ import annotations

import math
import random
import secrets
from datetime import date

from sqlalchemy import select

from workflow.actors import Actor
from workflow.errors import NotFound, PermissionDenied
from workflow.store.models import AuditSample, JobPlan
from workflow.store.uow import operation
from workflow.timing.calendar import TrustCalendar
from workflow.service.report_scope import report_scope
from workflow.service.reports.table import Report

FRACTION = 0.10  # 002 10: "Audit of 10% of completed job plans"
CAL = TrustCalendar()


def completed_plans(svc, financial_year: int) -> list[int]:
    """Individual plans agreed during the financial year starting 1 April ``financial_year``, by id."""
    start = CAL.start_of_day(date(financial_year, 4, 1))
    end = CAL.start_of_day(date(financial_year + 1, 4, 1))
    return list(svc.session.scalars(select(JobPlan.id).where(
        JobPlan.kind == "individual", JobPlan.agreed_version.is_not(None),
        JobPlan.agreed_at >= start, JobPlan.agreed_at < end).order_by(JobPlan.id)))


def draw(population: list[int], fraction: float, seed: str) -> list[int]:
    """The sample: ceil(fraction x N) plans (at least one when any), by ``random.Random(seed)``."""
    if not population:
        return []
    n = max(1, math.ceil(fraction * len(population) - 1e-9))
    return sorted(random.Random(int(seed)).sample(sorted(population), n))


def draw_audit_sample(svc, actor: Actor, financial_year: int, *, fraction: float = FRACTION,
                      seed: int | None = None) -> AuditSample:
    if report_scope(svc.session, actor) is not None:
        raise PermissionDenied("the trust-wide audit sample is drawn by the Medical Directorate (002 10)")
    with operation(svc.session):
        population = completed_plans(svc, financial_year)
        seed_text = str(seed if seed is not None else secrets.randbits(63))
        sample = AuditSample(year=financial_year, fraction=fraction, seed=seed_text, population=population,
                             sample=draw(population, fraction, seed_text), drawn_at=svc.clock.now(),
                             drawn_by_id=actor.person_id)
        svc.session.add(sample)
    return sample


def redraw(svc, sample_id: int) -> list[int]:
    """Draw a recorded sample again from its seed and population (to check it)."""
    s = svc.session.get(AuditSample, sample_id)
    if s is None:
        raise NotFound(f"audit sample {sample_id} was not found")
    return draw(list(s.population), s.fraction, s.seed)


COLUMNS = [("sample_id", "Sample"), ("year", "Financial year"), ("seed", "Seed"), ("plan_id", "Plan"),
           ("person", "Practitioner"), ("staff_group", "Staff group"), ("agreed_at", "Agreed")]


def audit_sample_report(svc, actor: Actor, sample_id: int) -> Report:
    report_scope(svc.session, actor)
    s = svc.session.get(AuditSample, sample_id)
    if s is None:
        raise NotFound(f"audit sample {sample_id} was not found")
    rows = []
    for pid in s.sample:
        plan = svc.session.get(JobPlan, pid)
        rows.append({"sample_id": s.id, "year": f"{s.year}/{(s.year + 1) % 100:02d}", "seed": s.seed, "plan_id": pid,
                     "person": plan.person.name if plan and plan.person else None,
                     "staff_group": plan.person.staff_group if plan and plan.person else None,
                     "agreed_at": plan.agreed_at if plan else None})
    return Report("audit_sample", f"360 audit sample {s.id}: {len(s.sample)} of {len(s.population)} completed plans",
                  COLUMNS, rows, notes=[f"Drawn at random from the {len(s.population)} plans agreed in "
                                        f"{s.year}/{(s.year + 1) % 100:02d}. The draw's seed ({s.seed}) is kept, so "
                                        f"the same sample can be drawn again to check it (Policy section 10)."])
