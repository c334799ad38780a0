"""The reports by name, and their rendering, for whichever entry point serves them (an API route such as
``/api/v1/reports/<name>?format=csv``, a page, a CLI command)."""
from __future__ import annotations

from .audit import audit_sample_report
from .capacity import capacity_report
from .compliance import compliance_report, quarterly_completion
from .consistency import consistency_report
from .export import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx
from .master_log import master_log, master_log_summary
from .risks import risk_register
from .stages import stage_times
from .table import Report

# name -> function(svc, actor, **params) -> Report
REPORTS = {
    "master_log": master_log,                      # 002 7.6.8
    "master_log_summary": master_log_summary,      # 002 7.6.8
    "compliance": compliance_report,               # 002 7.6.9, 10; 004 KPIs
    "quarterly_completion": quarterly_completion,  # 002 7.6.9, 10 (param: financial_year)
    "audit_sample": audit_sample_report,           # 002 10 (param: sample_id)
    "consistency": consistency_report,             # 004 consistency panel
    "risks": risk_register,                        # 002 7.10 (escalated_only=True: the highlight report)
    "capacity": capacity_report,                   # 003; 004 DCC ratio KPI
    "stage_times": stage_times,                    # time spent in each stage (dashboard)
}


def render(report: Report, fmt: str) -> tuple[bytes, str, str]:
    """(body, media type, file name) for ``csv`` or ``xlsx``; rows as JSON are ``report.as_dicts()``."""
    if fmt == "csv":
        return to_csv(report).encode("utf-8-sig"), f"{CSV_MEDIA_TYPE}; charset=utf-8", f"{report.name}.csv"
    if fmt == "xlsx":
        return to_xlsx(report), XLSX_MEDIA_TYPE, f"{report.name}.xlsx"
    raise ValueError(f"unknown format {fmt!r}; use csv or xlsx")
