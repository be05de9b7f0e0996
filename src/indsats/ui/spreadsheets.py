"""Text that a person typed, written into an Excel or CSV export as text, never as a formula.

A name typed as ``=HYPERLINK("http://…"&B5,"klik")`` must not become a live formula in the file someone
else opens (CSV or formula injection, OWASP). Every exporter passes its cells through this module:

- Excel (.xlsx): xlsxwriter workbooks are opened with ``XLSXWRITER_OPTIONS`` (strings are strings, never
  formulas or links) and openpyxl cells go through ``force_text_cells``, so the cell's type is text and
  the value stays as typed.
- CSV: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  apostrophe (``csv_text``), which spreadsheet programs show as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# xlsxwriter's defaults turn a string starting with "=" into a formula and "http://…" into a link.
XLSXWRITER_OPTIONS: dict[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False}


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value: object) -> object:
    """A CSV cell: text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if is_formula_like(value):
        return "'" + str(value)
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    return [csv_text(value) for value in values]


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are safe in a CSV (numbers are left alone)."""
    from pandas.api.types import is_numeric_dtype  # pandas loaded lazily: only data exports need it

    safe = frame.copy()
    for column in safe.columns:
        if not is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(csv_text)
    safe.columns = [str(csv_text(str(column))) for column in safe.columns]
    return safe


def force_text_cells(sheet: Worksheet) -> None:
    """Every openpyxl cell holding formula-like text is typed as text (openpyxl writes "=…" as a formula)."""
    for row in sheet.iter_rows():
        for cell in row:
            if is_formula_like(cell.value):
                cell.data_type = "s"
