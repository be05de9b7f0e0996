"""Builders of import files (CSV and .xlsx) for the outcomes tests. CPR numbers here are made up."""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter

SDQ_ITEMS = [f"sdq{i}" for i in range(1, 26)]


def fake_cpr(n: int, *, year: int = 15) -> str:
    """A CPR number of the right form (born 2000-2036 through the 7th digit 4): day/month vary with n."""
    day = 1 + n % 28
    month = 1 + (n // 28) % 12
    serial = 4000 + n % 1000
    return f"{day:02d}{month:02d}{year:02d}-{serial:04d}"


def sdq_rows(count: int, *, measured_on: str = "2025-02-10", start: int = 0) -> list[list[str]]:
    rows = []
    for n in range(start, start + count):
        answers = [str((n + i) % 3) for i in range(25)]
        rows.append([fake_cpr(n), measured_on, *answers])
    return rows


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]], delimiter: str = ";") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Data")
    sheet.write_row(0, 0, list(header))
    for i, row in enumerate(rows, start=1):
        sheet.write_row(
            i, 0, [int(v) if isinstance(v, str) and v.isdigit() and len(v) == 1 else v for v in row]
        )
    workbook.close()
    return buffer.getvalue()


HEADER = ["cpr", "dato", *SDQ_ITEMS]
