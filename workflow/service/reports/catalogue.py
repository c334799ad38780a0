"""The reports by name, and their rendering, for whichever entry point serves them (an API route such as
``/api/v1/reports/<name>?format=csv``, a page, a CLI command)."""
from __future__ import annotations

from collections.abc import Iterator

from workflow.service.reports.audit import audit_sample_report
from workflow.service.reports.capacity import capacity_report
from workflow.service.reports.compliance import compliance_report, quarterly_completion
from workflow.service.reports.consistency import consistency_report
from workflow.service.reports.export import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, report_csv, report_xlsx
from workflow.service.reports.master_log import master_log, master_log_summary
from workflow.service.reports.risks import risk_register
from workflow.service.reports.stages import stage_times
from workflow.service.reports.table import Report
from workflow.service.reports.trend import compliance_trend

# name -> function(svc, actor, **params) -> Report
REPORTS = {
    "master_log": master_log,                      # 002 7.6.8
    "master_log_summary": master_log_summary,      # 002 7.6.8
    "compliance": compliance_report,               # 002 7.6.9, 10; 004 KPIs
    "compliance_trend": compliance_trend,          # 002 7.6.9 monitoring: the same rule, month by month
    "quarterly_completion": quarterly_completion,  # 002 7.6.9, 10 (param: financial_year)
    "audit_sample": audit_sample_report,           # 002 10 (param: sample_id)
    "consistency": consistency_report,             # 004 consistency panel
    "risks": risk_register,                        # 002 7.10 (escalated_only=True: the highlight report)
    "capacity": capacity_report,                   # 003; 004 DCC ratio KPI
    "stage_times": stage_times,                    # time spent in each stage (dashboard)
}


TITLES = {
    "compliance": "Compliance: plans approved in the last 12 months (more than 90% target)",
    "compliance_trend": "Compliance by month",
    "quarterly_completion": "Quarterly completion",
    "master_log": "Master log of job planning activity",
    "master_log_summary": "Master log: one line per person",
    "audit_sample": "Annual audit sample (10%)",
    "consistency": "Consistency with agreed splits",
    "risks": "Job planning risks",
    "capacity": "Team capacity",
    "stage_times": "Time spent in each stage",
}

# The parameters each report takes, by type; anything else in a request is ignored.
PARAMS = {
    "quarterly_completion": {"financial_year": int},
    "audit_sample": {"sample_id": int},
    "master_log": {"care_group_id": int, "person_id": int, "page": int},
    "risks": {"escalated_only": bool, "open_only": bool},
}


def financial_year(day) -> int:
    """The NHS financial year (April to March) a day falls in, by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


PAGED = {"master_log"}  # reports that grow with the cases a trust keeps: a page on screen, every row downloaded


def run(svc, actor, name: str, raw, *, download: bool = False) -> Report:
    """A report by name with parameters from a query string (strings), checked and defaulted here so
    every entry point reads them the same way. Unknown name: NotFound; bad value: InvalidPayload.
    ``download``: a paged report gives every row, read as the file is written (a CSV or XLSX streams)."""
    from workflow.errors import InvalidPayload, NotFound
    from workflow.timing.calendar import TrustCalendar

    fn = REPORTS.get(name)
    if fn is None:
        raise NotFound(f"no report named {name!r}; reports: {', '.join(REPORTS)}")
    params, problems = {}, {}
    for key, kind in PARAMS.get(name, {}).items():
        value = raw.get(key)
        if value in (None, ""):
            continue
        if kind is bool:
            params[key] = str(value).lower() in ("1", "true", "yes")
            continue
        try:
            params[key] = int(value)
            if not 0 < params[key] < 2**31:
                raise ValueError
        except ValueError:
            problems[key] = ["must be a whole number"]
    if problems:
        raise InvalidPayload(f"the {name} report's parameters are not valid", fields=problems)
    if name == "quarterly_completion" and "financial_year" not in params:
        params["financial_year"] = financial_year(TrustCalendar().local_date(svc.clock.now()))
    if name == "audit_sample" and "sample_id" not in params:
        raise InvalidPayload("name the audit sample (sample_id), or draw one first",
                             fields={"sample_id": ["required"]})
    if name in PAGED and download:
        params["page"] = None
    return fn(svc, actor, **params)


def json_rows(report: Report) -> list[dict]:
    """Rows with dates and times as ISO 8601 text."""
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
            for row in report.as_dicts()]


def stream(report: Report, fmt: str) -> tuple[Iterator[bytes], str, str]:
    """(chunks of the file, media type, file name) for ``csv`` or ``xlsx``, for an entry point to stream;
    rows as JSON are ``report.as_dicts()``."""
    if fmt == "csv":
        return report_csv(report), f"{CSV_MEDIA_TYPE}; charset=utf-8", f"{report.name}.csv"
    if fmt == "xlsx":
        return report_xlsx(report), XLSX_MEDIA_TYPE, f"{report.name}.xlsx"
    raise ValueError(f"unknown format {fmt!r}; use csv or xlsx")


def render(report: Report, fmt: str) -> tuple[bytes, str, str]:
    """The whole file at once: ``stream`` joined."""
    chunks, media_type, filename = stream(report, fmt)
    return b"".join(chunks), media_type, filename
