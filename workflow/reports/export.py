"""CSV and XLSX renderings of a ``Report`` (header row of labels, one row per report row)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .table import Report

CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([label for _, label in report.columns])
    for row in report.rows:
        w.writerow(["" if row.get(k) is None else _cell(row.get(k)) for k in report.keys])
    return buf.getvalue()


def _xlsx_cell(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value  # Excel has no time zones: UTC
    if isinstance(value, date) or value is None or isinstance(value, (int, float, bool)):
        return value
    return _cell(value)


def to_xlsx(report: Report) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = report.name[:31]
    ws.append([label for _, label in report.columns])
    for row in report.rows:
        ws.append([_xlsx_cell(row.get(k)) for k in report.keys])
    for i, (_, label) in enumerate(report.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(50, len(label) + 2))
    ws.freeze_panes = "A2"
    if report.notes:
        notes = wb.create_sheet("notes")
        notes.append([report.title])
        for n in report.notes:
            notes.append([n])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
