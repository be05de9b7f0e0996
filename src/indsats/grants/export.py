"""The programme overview as a real Excel workbook (openpyxl): one row per pool."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from indsats.grants.selectors import PoolMoney

MONEY_FORMAT = '#,##0.00 "kr."'


def columns() -> list[str]:
    return [
        _("Program"),
        _("Programår"),
        _("Initiativ"),
        _("Pulje"),
        _("Budget (kr.)"),
        _("Bevilget (kr.)"),
        _("Udbetalt (kr.)"),
        _("Tilbagebetalt (kr.)"),
        _("Udestående (kr.)"),
        _("Rapporter for sent"),
        _("Tilskud i fare for at bortfalde"),
    ]


def overview_workbook(rows: Iterable[PoolMoney]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Oversigt")
    sheet.append(columns())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        year = row.pool.initiative.programme_year
        sheet.append(
            [
                year.programme.name,
                year.year,
                row.pool.initiative.name,
                row.pool.title,
                row.budget,
                row.committed,
                row.paid,
                row.repaid,
                row.outstanding,
                row.overdue_reports,
                row.at_risk_of_lapsing,
            ]
        )
    for column in range(5, 10):
        for cell in sheet[get_column_letter(column)][1:]:
            cell.number_format = MONEY_FORMAT
    for index, title in enumerate(columns(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(len(title) + 4, 40))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
