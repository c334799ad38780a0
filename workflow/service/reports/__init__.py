"""Governance reports (002 7.6.8-7.6.12, 7.10, 10; 004 consistency panel and KPIs) as service functions
returning plain rows, with CSV and XLSX export (``export.py``)."""
from workflow.service.reports.table import Report

__all__ = ["Report"]
