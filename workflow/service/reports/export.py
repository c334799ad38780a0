"""CSV and XLSX files safe to open in a spreadsheet, written as they are read.

Every CSV and XLSX the service produces goes through this module (the reports, the audit log), so the
one rule against CSV injection lives here (OWASP "CSV Injection"): text that begins with ``=``, ``+``,
``-``, ``@``, tab or carriage return (or their full-width forms, which some spreadsheets also read as
formulas) is prefixed with ``'`` in a CSV; in an XLSX it is written as a string cell (never a formula)
marked "quote prefix", Excel's own flag for text that must not be evaluated. Numbers stay numbers: a
negative number is a number, not text.

Both formats stream: a CSV line is produced as each row is read, and the XLSX is built by openpyxl's
write-only workbook (rows go to a temporary file, not a tree in memory) and then read out in chunks."""
from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from workflow.service.reports.table import Report

CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CHUNK_BYTES = 64 * 1024


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def neutralise(text: str) -> str:
    """Text a spreadsheet will show as text, never evaluate (OWASP: prefix a single quote)."""
    return "'" + text if is_formula_like(text) else text


def _plain(value):
    """A value as CSV text or a number; lists joined; dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, int):
        return value
    if isinstance(value, (list, tuple)):
        return neutralise("; ".join(str(v) for v in value))
    return neutralise(str(value))


class _Line:
    """A file-like target for csv.writer that hands back what was written."""

    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV, one line at a time (header first), every cell made safe."""
    line = _Line()
    writer = csv.writer(line, lineterminator="\r\n")
    writer.writerow([neutralise(str(h)) for h in header])
    yield line.text
    for values in rows:
        line.text = ""
        writer.writerow([_plain(v) for v in values])
        yield line.text


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable], *, bom: bool = False) -> Iterator[bytes]:
    """The CSV as UTF-8 in chunks of whole lines; ``bom`` starts it with a byte-order mark, which makes
    Excel read it as UTF-8."""
    buf, size, first = [], 0, bom
    for line in csv_lines(header, rows):
        if first:
            line, first = "\ufeff" + line, False
        data = line.encode("utf-8")
        buf.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            yield b"".join(buf)
            buf, size = [], 0
    if buf:
        yield b"".join(buf)


def _xlsx_cell(ws, value):
    if isinstance(value, datetime) and value.tzinfo:
        value = value.replace(tzinfo=None)  # Excel has no time zones: the value is UTC
    if value is None or isinstance(value, (bool, int, float, date)):
        return value
    text = "; ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)  # control characters XML cannot hold
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # openpyxl would make text that begins with "=" a formula
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell


def xlsx_chunks(sheets: Iterable[tuple[str, list[str], Iterable[Iterable], list[float] | None]]) -> Iterator[bytes]:
    """An XLSX of (title, header, rows, column widths) sheets, built with the write-only workbook on a
    temporary file, then read out in chunks."""
    wb = Workbook(write_only=True)
    for title, header, rows, widths in sheets:
        ws = wb.create_sheet(title[:31])
        for i, width in enumerate(widths or [], start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        if header:
            ws.freeze_panes = "A2"
            ws.append([_xlsx_cell(ws, h) for h in header])
        for values in rows:
            ws.append([_xlsx_cell(ws, v) for v in values])
    with tempfile.TemporaryFile() as f:
        wb.save(f)
        f.seek(0)
        while chunk := f.read(CHUNK_BYTES):
            yield chunk


def _report_rows(report: Report) -> Iterator[list]:
    keys = report.keys
    for row in report.rows:
        yield [row.get(k) for k in keys]


def report_csv(report: Report) -> Iterator[bytes]:
    return csv_bytes([label for _, label in report.columns], _report_rows(report), bom=True)


def report_xlsx(report: Report) -> Iterator[bytes]:
    labels = [label for _, label in report.columns]
    sheets = [(report.name, labels, _report_rows(report), [max(10, min(50, len(x) + 2)) for x in labels])]
    if report.notes:
        sheets.append(("notes", None, [[report.title], *([n] for n in report.notes)], None))
    return xlsx_chunks(sheets)


def to_csv(report: Report) -> str:
    """The whole CSV as text (for tests and small callers; entry points stream ``report_csv``)."""
    return b"".join(report_csv(report)).decode("utf-8-sig")


def to_xlsx(report: Report) -> bytes:
    return b"".join(report_xlsx(report))
