"""Tables out of the site: CSV (UTF-8 with BOM, so Excel opens Chinese correctly) and Excel (.xlsx, openpyxl)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Iterable, Sequence

from flask import Response
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from contest.domain import clock

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _cell(value: Any) -> Any:
    """Beijing time for datetimes (naive, as spreadsheets expect), text for the rest but numbers."""
    if isinstance(value, datetime):
        return clock.to_local(value).replace(tzinfo=None)
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def table_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, *, sheet: str = "数据") -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if c is None else (_cell(c).strftime("%Y-%m-%d %H:%M:%S")
                                                   if isinstance(c, datetime) else _cell(c)) for c in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        book = Workbook()
        ws = book.active
        ws.title = sheet[:31]
        ws.append(list(headers))
        for row in rows:
            ws.append([_cell(c) for c in row])
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
