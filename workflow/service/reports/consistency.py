"""The consistency panel's view (004 "Job Planning Consistency Panel", "Benchmarking", "Example of
consistency approach"): each agreed plan's DCC / SPA / other split against the split agreed for its
role and band. Within the tolerance (5 percentage points by default) of every share passes; outside it,
the panel records a warranted variance (with its reason) or an unwarranted one (with actions)."""
from __future__ import annotations

from sqlalchemy import select

from workflow.actors import Actor
from workflow.content.assess import totals_for, version_of
from workflow.errors import InvalidPayload, NotFound, PermissionDenied
from workflow.store.models import AgreedSplit, JobPlan, VarianceRecord
from workflow.service import trust_log
from workflow.store.uow import operation
from workflow.service.report_scope import care_group_of, report_scope
from workflow.service.reports.table import Report

TOLERANCE = 0.05  # 004 consistency panel, step 6: "within 5% of agreed templates (or agreed variances)"


def _require_trust_wide(svc, actor: Actor, what: str) -> None:
    if report_scope(svc.session, actor) is not None:
        raise PermissionDenied(f"{what} is for the trust-wide job planning team (004 consistency panel)")


def set_agreed_split(svc, actor: Actor, job_title: str, band: str | None, *, dcc: float, spa: float, other: float,
                     tolerance: float = TOLERANCE) -> AgreedSplit:
    _require_trust_wide(svc, actor, "agreeing a split")
    if abs(dcc + spa + other - 1.0) > 1e-4 or min(dcc, spa, other) < 0:
        raise InvalidPayload("the DCC, SPA and other shares must be fractions adding up to 1",
                             fields={"dcc": ["shares must add up to 1"]})
    with operation(svc.session):
        row = svc.session.scalar(select(AgreedSplit).where(AgreedSplit.job_title == job_title,
                                                           AgreedSplit.band == (band or "")))
        if row is None:
            row = AgreedSplit(job_title=job_title, band=band or "")
            svc.session.add(row)
        row.dcc, row.spa, row.other, row.tolerance = dcc, spa, other, tolerance
        row.agreed_at, row.agreed_by_id = svc.clock.now(), actor.person_id
        svc.session.flush()
        trust_log.record(svc, "agreed_split_set", trust_log.subject_of("agreed_split", row.id), actor=actor,
                         role=trust_log.role_of(actor), payload={"job_title": job_title, "band": band or "",
                                                                 "dcc": dcc, "spa": spa, "other": other,
                                                                 "tolerance": tolerance})
    return row


def record_variance(svc, actor: Actor, plan_id: int, *, warranted: bool, reason: str,
                    actions: str | None = None) -> VarianceRecord:
    """Record the panel's view of the plan's agreed version (004 steps 7-8)."""
    _require_trust_wide(svc, actor, "recording a variance")
    if not (reason or "").strip():
        raise InvalidPayload("say why the variance is or is not warranted", fields={"reason": ["required"]})
    if not warranted and not (actions or "").strip():
        raise InvalidPayload("an unwarranted variance needs its actions (004 step 8)", fields={"actions": ["required"]})
    with operation(svc.session):
        plan = svc.session.get(JobPlan, plan_id)
        if plan is None or plan.agreed_version is None:
            raise NotFound(f"agreed job plan {plan_id} was not found")
        rec = VarianceRecord(job_plan_id=plan.id, version_number=plan.agreed_version, warranted=warranted,
                             reason=reason.strip(), actions=(actions or "").strip() or None,
                             recorded_by_id=actor.person_id, recorded_at=svc.clock.now())
        svc.session.add(rec)
    return rec


COLUMNS = [("care_group", "Care group"), ("team", "Team"), ("person", "Employee"), ("job_title", "Role"),
           ("band", "Band"), ("plan_id", "Plan"), ("version", "Version"),
           ("contracted_hours", "Contracted Hours"), ("plan_hours", "Job Plan Hours"),
           ("plan_vs_contracted", "Job Plan Vs Contracted"), ("dcc_hours", "Total DCC Hours"),
           ("direct_contact_hours", "Direct Contact"), ("spa_hours", "SPA Hours"), ("other_hours", "Other Hours"),
           ("dcc_share", "DCC %"), ("spa_share", "SPA %"), ("other_share", "Other %"),
           ("agreed_dcc", "Agreed DCC %"), ("agreed_spa", "Agreed SPA %"), ("agreed_other", "Agreed other %"),
           ("largest_deviation", "Largest deviation"), ("status", "Status"), ("variance_reason", "Variance reason"),
           ("variance_actions", "Actions")]


def consistency_report(svc, actor: Actor, *, outside_only: bool = False) -> Report:
    """One row per practitioner's latest agreed plan. Status: ``within``, ``no agreed split``,
    ``outside: warranted``, ``outside: unwarranted`` or ``outside: to review``."""
    scope = report_scope(svc.session, actor)
    s = svc.session
    splits = {(a.job_title, a.band): a for a in s.scalars(select(AgreedSplit))}
    plans = s.scalars(select(JobPlan).where(JobPlan.kind == "individual", JobPlan.agreed_version.is_not(None))
                      .order_by(JobPlan.person_id, JobPlan.agreed_at.desc(), JobPlan.id.desc())).all()
    seen, rows = set(), []
    for plan in plans:
        person = plan.person
        if person.id in seen or not person.active:
            continue
        seen.add(person.id)
        cg = care_group_of(person)
        if scope is not None and (cg is None or cg.id not in scope):
            continue
        policy = svc.policies.latest(plan.policy_id)
        content = version_of(plan, plan.agreed_version).content
        t = totals_for(plan, content, policy)
        post = content.get("post") or {}
        title = post.get("job_title") or person.job_title or ""
        band = post.get("band") or ""
        split = t.split()
        agreed = splits.get((title, band))
        row = {"care_group": cg.name if cg else None, "team": person.team.name if person.team else None,
               "person": person.name, "job_title": title, "band": band or None, "plan_id": plan.id,
               "version": plan.agreed_version, "contracted_hours": t.contracted_hours, "plan_hours": t.total_hours,
               "plan_vs_contracted": t.difference_hours, "dcc_hours": t.hours["DCC"],
               "direct_contact_hours": t.direct_contact_hours, "spa_hours": t.hours["SPA"],
               "other_hours": t.other_hours, "dcc_share": split["DCC"], "spa_share": split["SPA"],
               "other_share": split["other"]}
        if agreed is None:
            row["status"] = "no agreed split"
        else:
            dev = max(abs(split["DCC"] - agreed.dcc), abs(split["SPA"] - agreed.spa), abs(split["other"] - agreed.other))
            row.update(agreed_dcc=agreed.dcc, agreed_spa=agreed.spa, agreed_other=agreed.other, largest_deviation=dev)
            if dev <= agreed.tolerance + 1e-9:
                row["status"] = "within"
            else:
                rec = s.scalars(select(VarianceRecord).where(VarianceRecord.job_plan_id == plan.id,
                                                             VarianceRecord.version_number == plan.agreed_version)
                                .order_by(VarianceRecord.id.desc())).first()
                row["status"] = ("outside: to review" if rec is None
                                 else "outside: warranted" if rec.warranted else "outside: unwarranted")
                if rec is not None:
                    row.update(variance_reason=rec.reason, variance_actions=rec.actions)
        if not outside_only or row["status"].startswith("outside"):
            rows.append(row)
    rows.sort(key=lambda r: (r["care_group"] or "", r["person"]))
    return Report("consistency", "Consistency of job plans with the agreed split for role and band", COLUMNS, rows)
