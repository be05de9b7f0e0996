"""The portfolio as a real Excel workbook (openpyxl): one row per intervention, the filters applied."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from indsats.interventions.models import Intervention
from indsats.interventions.selectors import days_in_state, is_review_due
from indsats.ui.spreadsheets import force_text_cells

MONEY_FORMAT = '#,##0 "kr."'
DATE_FORMAT = "dd-mm-yyyy"


def columns() -> list[str]:
    return [
        _("Navn"),
        _("Kort beskrivelse"),
        _("Fase"),
        _("I fasen siden"),
        _("Dage i fasen"),
        _("Ejer"),
        _("Oprindelse"),
        _("Program eller initiativ"),
        _("Problemområder"),
        _("Alder fra"),
        _("Alder til"),
        _("Partnerkommuner"),
        _("Antal partnerkommuner"),
        _("Bevilget i fasen (kr.)"),
        _("Venter på styregruppen"),
        _("Gate review forfalden"),
        _("Åben for nye kommuner"),
    ]


def portfolio_workbook(interventions: Iterable[Intervention]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Indsatser")
    sheet.append(columns())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    today = timezone.localdate()
    yes, no = _("Ja"), _("Nej")
    for intervention in interventions:
        extra: Any = intervention
        partners = [p.municipality.name for p in intervention.partnerships.all()]
        sheet.append(
            [
                intervention.name,
                intervention.short_description,
                str(intervention.get_state_display()),
                timezone.localtime(intervention.state_entered_at).date(),
                days_in_state(intervention, today),
                intervention.owner.name,
                str(intervention.get_origin_display()),
                intervention.programme,
                ", ".join(area.name for area in intervention.problem_areas.all()),
                intervention.age_from,
                intervention.age_to,
                ", ".join(partners),
                len(partners),
                extra.committed_in_phase,
                yes if extra.waiting_review else no,
                yes if is_review_due(intervention, today) else no,
                yes if intervention.is_open_to_join else no,
            ]
        )
        row = sheet.max_row
        sheet.cell(row=row, column=4).number_format = DATE_FORMAT
        sheet.cell(row=row, column=14).number_format = MONEY_FORMAT
    widths = [40, 60, 22, 14, 12, 36, 24, 30, 40, 10, 10, 50, 12, 20, 14, 14, 14]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    force_text_cells(sheet)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
