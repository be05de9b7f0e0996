"""Reading and validating a bulk import of questionnaires: plain functions, no database.

A file (CSV or Excel .xlsx) has a header row and one row per questionnaire. Its columns are mapped to
Indsats' columns: ``cpr`` (the child's CPR number), ``dato`` (the date of the measurement) and one column
per item of the instrument (``sdq1`` ... ``sdq25``). A saved mapping translates a case system's own
headings (``{"CPR-nr.": "cpr", "Besvaret": "dato", ...}``; ``""`` ignores a column).

Every row is checked (vectorised where possible) and every problem is reported with its row (the line in
the file, the header being line 1) and column, in Danish: unknown column, missing column, CPR number of
the wrong form, a date that is not a date or lies outside the round, an answer outside the item's scale,
and the same child twice in the file or already measured in the round. Only a file without problems is
turned into a ``ValidatedRows``: pseudonyms, birth years, sexes, ages, dates and the answer matrix; the
CPR numbers are dropped here and go no further.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.utils.translation import gettext as _

from indsats.engine.cpr import PSEUDONYM_CONTEXT, CprError, validate_cpr
from indsats.engine.instruments import Instrument
from indsats.engine.scoring import MAX_PROBLEMS_KEPT, AnswerError, validate_answers
from indsats.errors import DomainError
from indsats.outcomes import tabular
from indsats.ui.engine_messages import engine_message

CPR_COLUMN = "cpr"
DATE_COLUMN = "dato"
MAX_ERRORS_KEPT = 1000
PREVIEW_ROWS = 10
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")
FIRST_DATA_LINE = 2  # the header is line 1


@dataclass(frozen=True)
class RowError:
    """One problem in an import: the file's line (the header is line 1), the column and what to do."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportFileError(DomainError):
    """The file cannot be read at all (not a CSV or an .xlsx, empty, no header)."""


@dataclass
class RawTable:
    """A file's header and cells as text, before any checks: one array per column of the header, holding
    the rows that are not blank in file order (a missing cell is empty).

    The plain-CSV reader (``tabular.read_plain_columns``) gives fixed-width ASCII bytes (``S1``, ``S11``
    ...), without a Python string per cell; every other file (quoted CSV, UTF-16, Windows-1252, .xlsx)
    gives Python strings (object arrays). ``path`` says which: "plain" or "general".
    """

    columns: list[str]
    cells: list[npt.NDArray[Any]]
    rows: int
    path: str = "general"

    @property
    def frame(self) -> pd.DataFrame:
        """Every cell as str ("" for an empty cell) in one frame (a Python string per cell: for small
        tables and tests; the checks read ``cells``)."""
        frame = pd.DataFrame({i: _as_text(values) for i, values in enumerate(self.cells)}, dtype=str)
        if not self.cells:
            frame = pd.DataFrame(index=range(self.rows))
        frame.columns = pd.Index(self.columns[: len(self.cells)])
        return frame


def _as_text(values: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    if values.dtype.kind == "S":
        return np.char.decode(values, "ascii").astype(object)
    return values


def _cell(values: npt.NDArray[Any], position: int) -> str:
    """One cell as text."""
    value = values[position]
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


@dataclass
class ValidatedRows:
    """A checked import, pseudonymised: one entry per row, in file order. Pseudonyms are their ASCII hex
    as bytes (``S64``): a quarter of numpy's UCS-4 text, 192 MB less per million rows."""

    pseudonyms: npt.NDArray[np.bytes_]
    birth_years: npt.NDArray[np.int64]
    sexes: npt.NDArray[np.str_]
    ages: npt.NDArray[np.int64]
    dates: npt.NDArray[np.datetime64]
    answers: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.pseudonyms)

    def pseudonym(self, position: int) -> str:
        """The pseudonym of one row as text."""
        return bytes(self.pseudonyms[position]).decode("ascii")

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            pseudonyms=self.pseudonyms.astype("S64"),
            birth_years=self.birth_years,
            sexes=self.sexes.astype("S6"),
            ages=self.ages,
            dates=self.dates.astype("datetime64[D]").astype(np.int64),
            answers=self.answers,
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ValidatedRows:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            return cls(
                pseudonyms=arrays["pseudonyms"].astype("S64"),
                birth_years=arrays["birth_years"],
                sexes=arrays["sexes"].astype("<U6"),
                ages=arrays["ages"],
                dates=arrays["dates"].astype("datetime64[D]"),
                answers=arrays["answers"],
            )


@dataclass
class ValidationReport:
    """The outcome of checking a file: the problems (all of them counted, the first 1,000 kept) or rows."""

    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    total_rows: int = 0
    rows: ValidatedRows | None = None
    preview: list[dict[str, str]] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0 and self.rows is not None

    def add(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RowError(row, column, message))


# --- reading -------------------------------------------------------------------------------------------


def read_table(
    content: bytes, file_name: str, *, limits: tabular.Limits | None = None, plain: bool = True
) -> RawTable:
    """Read a CSV (comma, semicolon or tab; UTF-8, UTF-16 or Windows-1252) or an .xlsx within the upload
    limits (``tabular``; ``limits`` defaults to the settings); rows with no value at all are skipped.

    A plain CSV (no quotes, ASCII rows: what case systems and ``indsats`` write) is read column by column
    with numpy (``tabular.read_plain_columns``); any other file with the general reader, which gives the
    same cells and the same errors (``plain=False`` takes the general reader whatever the file).
    """
    try:
        columns = tabular.read_plain_columns(content, file_name, limits=limits) if plain else None
        if columns is not None:
            return RawTable(columns=columns.header, cells=columns.columns, rows=columns.rows, path="plain")
        table = tabular.read_table(content, file_name, limits=limits)
    except tabular.TableFileError as error:
        raise ImportFileError(error.text) from None
    width = len(table.header)
    kept = [row for row in table.rows if any(cell.strip() for cell in row)]
    cells = [_compact([row[j] if j < len(row) else "" for row in kept]) for j in range(width)]
    return RawTable(columns=table.header, cells=cells, rows=len(kept))


def _compact(texts: list[str]) -> npt.NDArray[Any]:
    """A column of the general reader as the plain reader would give it (fixed-width ASCII bytes) when
    every cell is short ASCII text without NUL; Python strings otherwise. The checks read both alike."""
    if any(len(text) > tabular.PLAIN_MAX_CELL_BYTES or "\0" in text or not text.isascii() for text in texts):
        return np.array(texts, dtype=object)
    return np.array(texts, dtype="S") if texts else np.zeros(0, dtype="S1")


# --- mapping -------------------------------------------------------------------------------------------


def parse_mapping_text(text: str) -> dict[str, str]:
    """``Kolonne i filen = cpr`` per line (an empty right side ignores the column)."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if "=" not in line:
            raise DomainError(
                _("Linje %(n)s mangler et lighedstegn: skriv “Kolonne i filen = sdq1”.") % {"n": number},
                field="mapping",
            )
        source, target = line.split("=", 1)
        mapping[source.strip()] = target.strip().lower()
    return mapping


def target_columns(instrument: Instrument) -> tuple[str, ...]:
    """Indsats' columns for an instrument: cpr, dato, then the item keys."""
    return (CPR_COLUMN, DATE_COLUMN, *instrument.item_keys)


def apply_mapping(
    table: RawTable, instrument: Instrument, mapping: Mapping[str, str], report: ValidationReport
) -> dict[str, npt.NDArray[Any]] | None:
    """The file's columns by Indsats' names (each an array of ``table.cells``); unknown and missing columns
    are errors (then None)."""
    targets = set(target_columns(instrument))
    lowered_mapping = {str(k).strip().lower(): v for k, v in mapping.items()}
    renamed: dict[int, str] = {}  # the column's place in the file -> Indsats' column
    for number, column in enumerate(table.columns, start=1):
        shown = _shown(column)
        if not shown.startswith("“"):  # a heading that may be a CPR number: the file has no header row
            report.add(
                1,
                f"kolonne {number}",
                f"{shown} står i overskriftsrækken. Filen skal starte med "
                "en overskriftsrække (cpr, dato, sdq1 ...).",
            )
            continue
        if column.lower() in lowered_mapping:
            target = lowered_mapping[column.lower()]
            if target == "":
                continue
        else:
            target = column.lower()
        if target not in targets:
            report.add(
                1,
                column,
                f"Kolonnen “{column}” kendes ikke for {instrument.key}. Omdøb den til en af "
                f"{', '.join(target_columns(instrument)[:4])} ..., eller gem en kolonneopsætning, der "
                "ignorerer den.",
            )
            continue
        if target in renamed.values():
            report.add(1, column, f"Kolonnen “{target}” findes to gange i filen. Slet den ene.")
            continue
        renamed[number - 1] = target
    missing = [t for t in target_columns(instrument) if t not in renamed.values()]
    for target in missing:
        report.add(
            1,
            target,
            f"Kolonnen “{target}” mangler i filen. Tilføj den "
            "(den må gerne være tom for et ubesvaret spørgsmål)."
            if target not in (CPR_COLUMN, DATE_COLUMN)
            else f"Kolonnen “{target}” mangler i filen. Tilføj den.",
        )
    if report.error_count:
        return None
    return {target: table.cells[index] for index, target in renamed.items()}


# --- validation ----------------------------------------------------------------------------------------


def _parse_dates(values: pd.Series) -> npt.NDArray[np.datetime64]:
    """The day of each text in the first of DATE_FORMATS that reads it (NaT where none does). Days, not
    pandas' nanoseconds: a year like 2300 is a date (outside the round), not an overflow."""
    stripped = values.str.strip()
    parsed = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    for fmt in DATE_FORMATS:
        todo = np.isnat(parsed) & (stripped != "").to_numpy(dtype=bool)
        if not todo.any():
            break
        found = pd.to_datetime(stripped[todo], format=fmt, errors="coerce")
        parsed[todo] = found.to_numpy().astype("datetime64[D]")
    return parsed


_LONG_NUMBER = re.compile(r"[0-9]{5,}")


def _shown(cell: str) -> str:
    """A cell quoted in an error message, unless it could hold a CPR number (five or more digits in a row):
    a CPR column mapped to an item by mistake must not end up in the job's list of errors."""
    digits_only = cell.replace("-", "").replace(".", "").replace("e+", "")
    if _LONG_NUMBER.search(digits_only) or len(cell) > 40:
        return "Et langt tal (måske et CPR-nummer, vises ikke)"
    return f"“{cell}”"


def _number_or_nan(text: str) -> float:
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return np.nan
    try:
        return float(cleaned)
    except ValueError:
        return np.inf  # marks "not a number"; reported below


# the value of a one-byte answer cell (b"" is NUL: empty), for the plain reader's S1 columns
_BYTE_VALUES = np.array([np.nan] + [_number_or_nan(chr(byte)) for byte in range(1, 256)], dtype=np.float64)


def _answer_codes(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64]]:
    """One answer column as codes into a table of numbers (NaN: empty, inf: not a number): each distinct
    text is converted once. A one-byte column's codes are its bytes (the table ``_BYTE_VALUES``)."""
    if values.dtype.kind == "S":
        width = values.dtype.itemsize
        if width == 1:
            return values.view(np.uint8), _BYTE_VALUES
        if width <= 8:  # the cells as one integer each: distinct values found without comparing text
            padded = np.zeros((len(values), 8), dtype=np.uint8)
            padded[:, :width] = values.view(np.uint8).reshape(len(values), width)
            distinct, codes = np.unique(padded.view("<u8").ravel(), return_inverse=True)
            texts = [int(number).to_bytes(8, "little").rstrip(b"\0").decode("ascii") for number in distinct]
        else:
            distinct_bytes, codes = np.unique(values, return_inverse=True)
            texts = [text.decode("ascii") for text in distinct_bytes.tolist()]
    else:
        codes, distinct_objects = pd.factorize(values, use_na_sentinel=False)
        texts = [str(text) for text in distinct_objects]
    return codes.ravel(), np.array([_number_or_nan(text) for text in texts], dtype=np.float64)


ANSWER_CHUNK_ROWS = 1 << 16  # rows converted and checked at a time (a few MB: in the cache)


def _parse_answers(
    columns: Mapping[str, npt.NDArray[Any]], n: int, instrument: Instrument, report: ValidationReport
) -> npt.NDArray[np.float64]:
    """All answer cells into one matrix (NaN for a missing answer), checked against the instrument's
    scales (``validate_answers``), a chunk of rows at a time; the errors as if checked all at once."""
    keys = list(instrument.item_keys)
    coded = [_answer_codes(columns[key]) for key in keys]
    offsets = np.cumsum([0] + [len(numbers) for _codes, numbers in coded]).tolist()
    table = np.concatenate([numbers for _codes, numbers in coded])
    # the numbers each column holds, each once: when none is "not a number" or off its item's scale, no
    # cell is, and the cells need not be checked one by one
    present = [
        numbers[np.bincount(codes, minlength=256) > 0] if codes.dtype == np.uint8 else numbers
        for codes, numbers in coded
    ]
    any_not_number = any(bool(np.isinf(values).any()) for values in present)
    distinct = np.full((max(len(values) for values in present), len(keys)), np.nan)
    for j, values in enumerate(present):
        distinct[: len(values), j] = np.where(np.isinf(values), np.nan, values)
    try:
        validate_answers(instrument, distinct, copy=False)
        any_off_scale = False
    except AnswerError:
        any_off_scale = True
    matrix = np.empty((n, len(keys)), dtype=np.float64)
    block = np.empty(
        (min(n, ANSWER_CHUNK_ROWS), len(keys)), dtype=np.uint16 if len(table) < 1 << 16 else np.intp
    )
    not_numbers: list[tuple[int, int]] = []
    n_not_numbers = 0
    problems: list[tuple[int, str, float]] = []
    n_problems = 0
    for start in range(0, n, ANSWER_CHUNK_ROWS):
        stop = min(n, start + ANSWER_CHUNK_ROWS)
        codes = block[: stop - start]
        for j, (column_codes, _numbers) in enumerate(coded):
            codes[:, j] = column_codes[start:stop]
            if offsets[j]:
                codes[:, j] += offsets[j]
        part = matrix[start:stop]
        part[...] = table[codes]  # (np.take with out= is several times slower)
        if any_not_number:
            bad = np.isinf(part)
            bad_rows, bad_columns = np.nonzero(bad)
            n_not_numbers += len(bad_rows)
            room = max(0, MAX_ERRORS_KEPT - len(not_numbers))
            not_numbers += zip((bad_rows[:room] + start).tolist(), bad_columns[:room].tolist(), strict=True)
            part[bad] = np.nan
        if not any_off_scale:
            continue
        try:
            validate_answers(instrument, part, copy=False)
        except AnswerError as error:
            n_problems += error.n_problems
            for problem in error.problems[: max(0, MAX_PROBLEMS_KEPT - len(problems))]:
                problems.append((problem.row + start, problem.item, problem.value))
    for row, column in not_numbers:
        key = keys[column]
        report.add(
            row + FIRST_DATA_LINE,
            key,
            f"{_shown(_cell(columns[key], row))} er ikke et tal. Skriv svaret som et tal på skalaen "
            f"{instrument.item_scale(key).describe()}, eller lad feltet stå tomt.",
        )
    report.error_count += n_not_numbers - len(not_numbers)
    for row, item, value in problems:
        scale = instrument.item_scale(item)
        report.add(
            row + FIRST_DATA_LINE,
            item,
            f"Værdien {_shown(f'{value:g}')} ligger uden for skalaen {scale.describe()}. "
            "Ret svaret, eller lad feltet stå tomt.",
        )
    report.error_count += n_problems - len(problems)
    return matrix


_YEARS = (1, 9999)  # years ÅÅÅÅ that _parse_dates reads as the same day


def _digit_values(
    raw: npt.NDArray[np.uint8], places: list[int]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """The number written by the ASCII digits at ``places`` (at most 9) of each row of ``raw``, and
    whether all are digits."""
    picked = raw[:, places] - np.uint8(48)  # a byte that is not a digit wraps above 9
    ok: npt.NDArray[np.bool_] = np.asarray((picked <= 9).all(axis=1))
    powers = 10 ** np.arange(len(places) - 1, -1, -1, dtype=np.int32)
    return (picked.astype(np.int32) @ powers).astype(np.int64), ok


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _days(
    years: npt.NDArray[np.int64], months: npt.NDArray[np.int64], days: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """The dates of (year, month, day) in the proleptic Gregorian calendar, and whether each is a real date
    (NaT where not): integer arithmetic (H. Hinnant's days_from_civil), no per-element calendar code."""
    valid = (months >= 1) & (months <= 12) & (days >= 1)
    month = np.where(valid, months, 1)
    leap = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
    valid &= days <= _MONTH_DAYS[month] + (leap & (month == 2))
    year = years - (month <= 2)
    era = np.floor_divide(year, 400)
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + days - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    result = (era * 146097 + day_of_era - 719468).astype("datetime64[D]")
    result[~valid] = np.datetime64("NaT")
    return result, valid


def _civil(
    dates: npt.NDArray[np.datetime64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Year, month and day of each date (H. Hinnant's civil_from_days; garbage where NaT)."""
    z = dates.astype("datetime64[D]").astype(np.int64) + 719468
    era = np.floor_divide(z, 146097)
    day_of_era = z - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = np.where(shifted_month < 10, shifted_month + 3, shifted_month - 9)
    return year_of_era + era * 400 + (month <= 2), month, day


def _date_column(values: npt.NDArray[Any]) -> npt.NDArray[np.datetime64]:
    """The dates of a column (NaT where not a date): cells written ÅÅÅÅ-MM-DD in plain bytes at once, the
    rest through ``_parse_dates`` (every format of DATE_FORMATS)."""
    n = len(values)
    result = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    todo = np.ones(n, dtype=bool)
    if values.dtype.kind == "S" and values.dtype.itemsize >= 10 and n:
        raw = values.view(np.uint8).reshape(n, values.dtype.itemsize)
        number, digits = _digit_values(raw[:, :10], [0, 1, 2, 3, 5, 6, 8, 9])
        shaped = digits & (raw[:, 4] == 45) & (raw[:, 7] == 45)
        if values.dtype.itemsize > 10:
            shaped &= raw[:, 10] == 0
        years, months, days = number // 10_000, number // 100 % 100, number % 100
        shaped &= (years >= _YEARS[0]) & (years <= _YEARS[1])
        parsed, real = _days(years, months, days)
        done = shaped & real
        result[done] = parsed[done]
        todo = ~done
    rest = np.flatnonzero(todo)
    if rest.size:
        texts = pd.Series([_cell(values, int(i)) for i in rest], dtype=object)
        result[rest] = _parse_dates(texts)
    return result


def validate_import(
    table: RawTable,
    *,
    instrument: Instrument,
    mapping: Mapping[str, str],
    key: bytes,
    municipality_code: str,
    opens_on: date,
    closes_on: date,
    already_measured: Iterable[str] = (),
    today: date | None = None,
) -> ValidationReport:
    """Check every row of ``table`` and, when nothing is wrong, return its pseudonymised rows.

    ``already_measured`` are the pseudonyms that already have this instrument in this round (duplicates).
    """
    report = ValidationReport(total_rows=table.rows)
    columns = apply_mapping(table, instrument, mapping, report)
    if columns is None:
        return report
    if table.rows == 0:
        report.add(FIRST_DATA_LINE, "", "Filen har ingen rækker under overskriften.")
        return report
    n = table.rows

    # CPR numbers: checked for all rows at once, then dropped; only the pseudonym goes on.
    checked = check_cprs(columns[CPR_COLUMN], key=key, municipality_code=municipality_code, today=today)
    for cpr_position, message in checked.problems:
        report.add(cpr_position + FIRST_DATA_LINE, CPR_COLUMN, message)
    pseudonyms, birth_days, sexes = checked.pseudonyms, checked.birth_dates, checked.sexes

    day_values = _date_column(columns[DATE_COLUMN])
    not_a_date = np.isnat(day_values)
    for position in np.flatnonzero(not_a_date).tolist():
        value = _cell(columns[DATE_COLUMN], position).strip()
        report.add(
            position + FIRST_DATA_LINE,
            DATE_COLUMN,
            "Datoen mangler. Skriv den som ÅÅÅÅ-MM-DD, fx 2025-03-14."
            if not value
            else f"{_shown(value)} er ikke en dato. Skriv den som ÅÅÅÅ-MM-DD, fx 2025-03-14.",
        )
    outside = ~not_a_date & (
        (day_values < np.datetime64(opens_on, "D")) | (day_values > np.datetime64(closes_on, "D"))
    )
    for position in np.flatnonzero(outside).tolist():
        report.add(
            position + FIRST_DATA_LINE,
            DATE_COLUMN,
            f"Datoen {str(day_values[position])} ligger uden for målerunden "
            f"({opens_on.isoformat()} til {closes_on.isoformat()}). "
            "Ret datoen, eller vælg den rigtige runde.",
        )

    answers = _parse_answers(columns, n, instrument, report)

    # Duplicates: the same child twice in the file (the same ten digits: the same pseudonym), or already
    # measured in this round.
    valid_pseudonym = checked.numbers >= 0
    for position, first in _repeats(checked.numbers):
        report.add(
            position + FIRST_DATA_LINE,
            CPR_COLUMN,
            f"Samme barn står også i række {first + FIRST_DATA_LINE}. "
            "Et barn kan kun måles én gang "
            "med samme redskab i en runde: slet den ene række.",
        )
    existing = set(already_measured)
    if existing:
        for position in _already_measured(checked, existing).tolist():
            report.add(
                position + FIRST_DATA_LINE,
                CPR_COLUMN,
                "Barnet er allerede målt med dette redskab i denne runde. Slet rækken, eller ret den "
                "eksisterende måling.",
            )

    valid = valid_pseudonym & ~not_a_date
    before_birth = valid & (day_values < birth_days)
    for position in np.flatnonzero(before_birth).tolist():
        report.add(
            position + FIRST_DATA_LINE,
            DATE_COLUMN,
            "Datoen ligger før barnets fødselsdato. Tjek datoen og CPR-nummeret.",
        )

    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.error_count:
        return report

    report.rows = ValidatedRows(
        pseudonyms=pseudonyms,
        birth_years=_civil(birth_days)[0],
        sexes=sexes,
        ages=ages_on(birth_days, day_values),
        dates=day_values,
        answers=answers,
    )
    report.preview = preview_rows(report.rows, instrument)
    return report


def _repeats(numbers: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """(position, position of its first row) of every row whose number (>= 0) came before, in file order."""
    positions = np.flatnonzero(numbers >= 0)
    order = positions[np.argsort(numbers[positions], kind="stable")]
    ordered = numbers[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    if starts.all():
        return []
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    repeated = np.flatnonzero(~starts)
    pairs = sorted(zip(order[repeated].tolist(), order[group_start[repeated]].tolist(), strict=True))
    return pairs


def _already_measured(checked: CheckedCprs, existing: set[str]) -> npt.NDArray[np.int64]:
    """The positions whose pseudonym is one of ``existing`` (compared by the first 16 hex digits at once,
    then in full)."""
    prefixes = []
    for text in existing:
        try:
            prefixes.append(int(text[:16], 16) if len(text) == 64 else -1)
        except ValueError:
            continue
    known = np.array([p for p in prefixes if p >= 0], dtype=np.uint64)
    candidates = np.flatnonzero(np.isin(checked.prefixes, known) & (checked.numbers >= 0))
    return np.array(
        [p for p in candidates.tolist() if checked.pseudonyms[p].decode("ascii") in existing], dtype=np.int64
    )


@dataclass
class CheckedCprs:
    pseudonyms: npt.NDArray[np.bytes_]  # ASCII hex (S64); b"" where the number is wrong
    birth_dates: npt.NDArray[np.datetime64]  # NaT where wrong
    sexes: npt.NDArray[np.str_]
    problems: list[tuple[int, str]]  # (position, Danish message from the engine)
    numbers: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # -1: wrong
    prefixes: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))


def _normalised(text: str) -> str | None:
    """The ten digits of a CPR number as ``engine.cpr.normalise_cpr`` finds them, or None."""
    stripped = text.strip()
    digits = stripped[:6] + stripped[7:] if stripped[6:7] == "-" else stripped
    if len(digits) == 10 and all("0" <= character <= "9" for character in digits):
        return digits
    return None


def _cpr_digits(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    """Each CPR cell's ten digits as ASCII bytes (n x 10; "0101000000" where the form is wrong) and
    whether the form is right. Plain bytes written DDMMYYSSSS or DDMMYY-SSSS are read at once; anything
    else (spaces, another form, Python strings) goes through ``_normalised``."""
    n = len(values)
    digits = np.tile(np.frombuffer(b"0101000000", dtype=np.uint8), (n, 1))
    well_formed = np.zeros(n, dtype=bool)
    todo = np.ones(n, dtype=bool)
    width = values.dtype.itemsize if values.dtype.kind == "S" else 0
    if width >= 10 and n:
        raw = np.ascontiguousarray(values).view(np.uint8).reshape(n, width)
        padded = np.zeros((n, 12), dtype=np.uint8)
        padded[:, : min(width, 12)] = raw[:, :12]
        tail_empty = (raw[:, 12:] == 0).all(axis=1) if width > 12 else np.ones(n, dtype=bool)
        is_digit = (padded >= 48) & (padded <= 57)
        plain = tail_empty & is_digit[:, :10].all(axis=1) & (padded[:, 10] == 0)
        hyphenated = (
            tail_empty
            & is_digit[:, :6].all(axis=1)
            & (padded[:, 6] == 45)
            & is_digit[:, 7:11].all(axis=1)
            & (padded[:, 11] == 0)
        )
        digits[plain] = padded[plain, :10]
        digits[hyphenated] = np.concatenate([padded[hyphenated, :6], padded[hyphenated, 7:11]], axis=1)
        well_formed = plain | hyphenated
        todo = ~well_formed
    for position in np.flatnonzero(todo).tolist():
        number = _normalised(_cell(values, position))
        if number is not None:
            digits[position] = np.frombuffer(number.encode("ascii"), dtype=np.uint8)
            well_formed[position] = True
    return digits, well_formed


try:  # CPython's own SHA-256: the same digests as OpenSSL's, with less work per call (a million calls)
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - Python 3.12 renamed it; OpenSSL's otherwise
    try:
        from _sha2 import sha256 as _sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
    except ImportError:
        _sha256 = hashlib.sha256


def _pseudonym_digests(key: bytes, municipality_code: str, numbers: list[bytes]) -> bytes:
    """``engine.cpr.pseudonym``'s HMAC-SHA256 (RFC 2104) of each ten-digit number, the 32-byte digests one
    after the other. The key's inner and outer blocks and the message's fixed prefix are hashed once;
    each number then costs two small hash updates (a third of ``hmac.new`` a row)."""
    block = hashlib.sha256().block_size
    padded_key = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
    prefix = f"{PSEUDONYM_CONTEXT}|{municipality_code}|".encode()
    inner = _sha256(bytes(byte ^ 0x36 for byte in padded_key) + prefix)
    outer = _sha256(bytes(byte ^ 0x5C for byte in padded_key))
    inner_copy, outer_copy = inner.copy, outer.copy
    digests: list[bytes] = []
    append = digests.append
    for number in numbers:
        inner_hash = inner_copy()
        inner_hash.update(number)
        outer_hash = outer_copy()
        outer_hash.update(inner_hash.digest())
        append(outer_hash.digest())
    return b"".join(digests)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).astype(np.uint16)
# byte -> its two hex digits as two ASCII bytes, read as one little-endian 16-bit number
_HEX_PAIRS = (_HEX[np.arange(256) >> 4] | (_HEX[np.arange(256) & 15] << np.uint16(8))).astype("<u2")


def check_cprs(
    texts: pd.Series | npt.NDArray[Any], *, key: bytes, municipality_code: str, today: date | None = None
) -> CheckedCprs:
    """The form, date and century of every CPR number at once (the rules of ``engine.cpr.validate_cpr``,
    vectorised), and the keyed pseudonym of each valid one (``engine.cpr.pseudonym``'s HMAC).

    ``texts`` are Python strings or the plain reader's ASCII bytes. A number the vectorised check rejects
    is passed to ``validate_cpr`` itself, so its message is the engine's; the tests check that the
    pseudonyms equal ``engine.cpr.pseudonym``.
    """
    values = texts.to_numpy(dtype=object) if isinstance(texts, pd.Series) else np.asarray(texts)
    if values.dtype.kind not in "SO":
        values = values.astype(object)
    n = len(values)
    digits, well_formed = _cpr_digits(values)
    birth, _ = _digit_values(digits, [0, 1, 2, 3, 4, 5])
    serial, _ = _digit_values(digits, [6, 7, 8, 9])
    number = birth * 10_000 + serial
    day, month, two_digit_year = birth // 10_000, birth // 100 % 100, birth % 100
    century_digit = serial // 1000
    century = np.where(
        century_digit <= 3,
        1900,
        np.where(
            (century_digit == 4) | (century_digit == 9),
            np.where(two_digit_year <= 36, 2000, 1900),
            np.where(two_digit_year <= 57, 2000, 1800),
        ),
    )
    born, real = _days(century + two_digit_year, month, day)
    limit = np.datetime64(today or date.today(), "D")
    good = well_formed & real & (born <= limit)
    sexes = np.where(serial % 2 == 1, "male", "female").astype("<U6")
    problems: list[tuple[int, str]] = []
    for position in np.flatnonzero(~good).tolist():
        try:
            validate_cpr(_cell(values, position), today=today)
        except CprError as error:
            problems.append((int(position), engine_message(error)))
        else:  # pragma: no cover - the vectorised rules are the engine's; kept as a safety net
            good[position] = True
    positions = np.flatnonzero(good)
    chosen = digits if len(positions) == n else digits[positions]
    numbers = np.ascontiguousarray(chosen).view("S10").ravel().tolist()
    found = np.frombuffer(_pseudonym_digests(key, municipality_code, numbers), dtype=np.uint8).reshape(-1, 32)
    del numbers
    if len(positions) == n:
        digests = found
    else:
        digests = np.zeros((n, 32), dtype=np.uint8)
        digests[positions] = found
    pseudonyms = _HEX_PAIRS[digests].view("S64").ravel()  # two hex digits (ASCII) per byte at once
    if len(positions) < n:
        pseudonyms[~good] = b""
        born[~good] = np.datetime64("NaT")
    prefixes = digests[:, :8].copy().view(">u8").ravel().astype(np.uint64)
    return CheckedCprs(
        pseudonyms=pseudonyms,
        birth_dates=born,
        sexes=sexes,
        problems=problems,
        numbers=np.where(good, number, -1),
        prefixes=prefixes,
    )


def ages_on(birth_dates: npt.NDArray[np.datetime64], on: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """Completed years on each date (``engine.cpr.age_on``, vectorised); 0 where a date is missing."""
    born = np.asarray(birth_dates).astype("datetime64[D]")
    measured = np.asarray(on).astype("datetime64[D]")
    born_year, born_month, born_day = _civil(born)
    year, month, day = _civil(measured)
    ages = year - born_year - ((month * 100 + day) < (born_month * 100 + born_day))
    return np.where(np.isnat(born) | np.isnat(measured), 0, ages).astype(np.int64)


def preview_rows(
    rows: ValidatedRows, instrument: Instrument, limit: int = PREVIEW_ROWS
) -> list[dict[str, str]]:
    """The first rows as they will be stored (pseudonym shortened, no CPR number)."""
    preview = []
    for i in range(min(limit, len(rows))):
        entry = {
            "deltager": rows.pseudonym(i)[:10],
            "fødselsår": str(int(rows.birth_years[i])),
            "køn": "dreng" if rows.sexes[i] == "male" else "pige",
            "alder": str(int(rows.ages[i])),
            "dato": str(rows.dates[i]),
        }
        for j, key in enumerate(instrument.item_keys):
            value = rows.answers[i, j]
            entry[key] = "" if np.isnan(value) else f"{value:g}"
        preview.append(entry)
    return preview
