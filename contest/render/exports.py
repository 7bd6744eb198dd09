"""Tables out of the site: CSV (UTF-8 with BOM, so Excel opens Chinese correctly) and Excel (.xlsx, openpyxl).

Every cell goes through :func:`safe_cell`, so no cell is ever a formula (CSV injection, OWASP):
text that a spreadsheet would read as a formula — it begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return — is prefixed with a single quote, and Excel cells holding text are
written as strings. Numbers and times stay numbers and times.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Iterable, Sequence

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from contest import clock

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# What a spreadsheet may take for the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` that no spreadsheet reads as a formula: without the control characters a
    workbook cannot hold (so none can hide a formula's first character), then a single
    quote before it when it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Any) -> Any:
    """One cell of an export, CSV or Excel: Beijing time for datetimes (naive, as spreadsheets
    expect), numbers as numbers, ``None`` as empty, everything else as neutralised text."""
    if isinstance(value, datetime):
        return clock.to_local(value).replace(tzinfo=None)
    if value is None or isinstance(value, (int, float)):  # bool is an int: True/False, never text
        return value
    return neutralise(str(value))


def _csv_cell(value: Any) -> Any:
    value = safe_cell(value)
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else value


def _xlsx_row(ws, values: Sequence[Any]) -> None:
    """Append a row whose text cells are strings, never formulas (data type ``s``)."""
    ws.append([safe_cell(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def table_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, *, sheet: str = "数据") -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_csv_cell(h) for h in headers])
        for row in rows:
            writer.writerow([_csv_cell(c) for c in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        book = Workbook()
        ws = book.active
        ws.title = sheet[:31]
        _xlsx_row(ws, headers)
        for row in rows:
            _xlsx_row(ws, row)
        for i, header in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(header)) * 2 + 4))
        ws.freeze_panes = "A2"
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    raise ValueError(f"unknown export format: {fmt}")


def table_response(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, filename: str) -> Response:
    """A download of the table as ``filename.<fmt>`` (``fmt``: csv or xlsx)."""
    body = table_bytes(headers, rows, fmt, sheet=filename)
    response = Response(body, content_type=FORMATS[fmt])
    from urllib.parse import quote

    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}.{fmt}"
    response.headers["Cache-Control"] = "no-store"
    return response
