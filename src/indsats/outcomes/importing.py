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
import hmac
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.utils.translation import gettext as _

from indsats.engine.cpr import PSEUDONYM_CONTEXT, CprError, validate_cpr
from indsats.engine.instruments import Instrument
from indsats.engine.scoring import AnswerError, validate_answers
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
    """A file's header and cells as text, before any checks."""

    columns: list[str]
    frame: pd.DataFrame  # every cell a str ("" for an empty cell)


@dataclass
class ValidatedRows:
    """A checked import, pseudonymised: one entry per row, in file order."""

    pseudonyms: npt.NDArray[np.str_]
    birth_years: npt.NDArray[np.int64]
    sexes: npt.NDArray[np.str_]
    ages: npt.NDArray[np.int64]
    dates: npt.NDArray[np.datetime64]
    answers: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.pseudonyms)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            pseudonyms=self.pseudonyms.astype("S64"),  # ASCII hex: a quarter of numpy's UCS-4 text
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
                pseudonyms=arrays["pseudonyms"].astype("<U64"),
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


def read_table(content: bytes, file_name: str) -> RawTable:
    """Read a CSV (comma, semicolon or tab; UTF-8, UTF-16 or Windows-1252) or an .xlsx within the upload
    limits (``tabular``); rows with no value at all are skipped."""
    try:
        table = tabular.read_table(content, file_name)
    except tabular.TableFileError as error:
        raise ImportFileError(error.text) from None
    width = len(table.header)
    cells = [(row + [""] * width)[:width] for row in table.rows if any(cell.strip() for cell in row)]
    frame = (
        pd.DataFrame(cells, columns=table.header, dtype=str)
        if cells
        else pd.DataFrame(columns=table.header, dtype=str)
    )
    return RawTable(columns=table.header, frame=frame.fillna(""))


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
) -> pd.DataFrame | None:
    """Rename the file's columns to Indsats' columns; unknown and missing columns are errors."""
    targets = set(target_columns(instrument))
    lowered_mapping = {str(k).strip().lower(): v for k, v in mapping.items()}
    renamed: dict[str, str] = {}
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
        renamed[column] = target
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
    return table.frame[list(renamed)].rename(columns=renamed)


# --- validation ----------------------------------------------------------------------------------------


def _parse_dates(values: pd.Series) -> pd.Series:
    stripped = values.str.strip()
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & (stripped != "")
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(stripped[todo], format=fmt, errors="coerce")
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


def _parse_answers(
    frame: pd.DataFrame, instrument: Instrument, report: ValidationReport
) -> npt.NDArray[np.float64]:
    """All answer cells at once: each distinct text is converted once (a file holds few: "0", "1", "")."""
    columns = list(instrument.item_keys)
    block = frame[columns].to_numpy(dtype=object)
    codes, distinct = pd.factorize(block.ravel(), use_na_sentinel=False)
    values = np.array([_number_or_nan(str(text)) for text in distinct], dtype=np.float64)
    matrix = values[codes].reshape(block.shape)
    not_numbers = np.isinf(matrix) & np.isin(codes.reshape(block.shape), np.flatnonzero(np.isinf(values)))
    bad_rows, bad_columns = np.nonzero(not_numbers)
    for row, column in zip(
        bad_rows[:MAX_ERRORS_KEPT].tolist(), bad_columns[:MAX_ERRORS_KEPT].tolist(), strict=True
    ):
        key = columns[column]
        report.add(
            row + FIRST_DATA_LINE,
            key,
            f"{_shown(str(block[row, column]))} er ikke et tal. Skriv svaret som et tal på skalaen "
            f"{instrument.item_scale(key).describe()}, eller lad feltet stå tomt.",
        )
    report.error_count += max(0, len(bad_rows) - MAX_ERRORS_KEPT)
    matrix[not_numbers] = np.nan
    try:
        validate_answers(instrument, np.nan_to_num(matrix, nan=np.nan))
    except AnswerError as error:
        for problem in error.problems:
            scale = instrument.item_scale(problem.item)
            report.add(
                problem.row + FIRST_DATA_LINE,
                problem.item,
                f"Værdien {_shown(f'{problem.value:g}')} ligger uden for skalaen {scale.describe()}. "
                "Ret svaret, eller lad feltet stå tomt.",
            )
        report.error_count += error.n_problems - len(error.problems)
    return matrix


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
    report = ValidationReport(total_rows=len(table.frame))
    frame = apply_mapping(table, instrument, mapping, report)
    if frame is None:
        return report
    if len(frame) == 0:
        report.add(FIRST_DATA_LINE, "", "Filen har ingen rækker under overskriften.")
        return report
    n = len(frame)
    lines = np.arange(n) + FIRST_DATA_LINE

    # CPR numbers: checked for all rows at once, then dropped; only the pseudonym goes on.
    checked = check_cprs(frame[CPR_COLUMN], key=key, municipality_code=municipality_code, today=today)
    for cpr_position, message in checked.problems:
        report.add(int(lines[cpr_position]), CPR_COLUMN, message)
    pseudonyms, birth_days, sexes = checked.pseudonyms, checked.birth_dates, checked.sexes

    dates = _parse_dates(frame[DATE_COLUMN])
    not_a_date = dates.isna().to_numpy()
    for position in np.flatnonzero(not_a_date).tolist():
        value = frame[DATE_COLUMN].iloc[position].strip()
        report.add(
            int(lines[position]),
            DATE_COLUMN,
            "Datoen mangler. Skriv den som ÅÅÅÅ-MM-DD, fx 2025-03-14."
            if not value
            else f"{_shown(value)} er ikke en dato. Skriv den som ÅÅÅÅ-MM-DD, fx 2025-03-14.",
        )
    day_values = dates.to_numpy(dtype="datetime64[D]")
    outside = ~not_a_date & (
        (day_values < np.datetime64(opens_on, "D")) | (day_values > np.datetime64(closes_on, "D"))
    )
    for position in np.flatnonzero(outside).tolist():
        report.add(
            int(lines[position]),
            DATE_COLUMN,
            f"Datoen {str(day_values[position])} ligger uden for målerunden "
            f"({opens_on.isoformat()} til {closes_on.isoformat()}). "
            "Ret datoen, eller vælg den rigtige runde.",
        )

    answers = _parse_answers(frame, instrument, report)

    # Duplicates: the same child twice in the file, or already measured in this round.
    valid_pseudonym = pseudonyms != ""
    series = pd.Series(pseudonyms)
    repeated = (series.duplicated(keep="first").to_numpy()) & valid_pseudonym
    firsts = series[~series.duplicated(keep="first")]
    first_position = dict(zip(firsts.to_numpy().tolist(), firsts.index.tolist(), strict=True))
    for position in np.flatnonzero(repeated).tolist():
        report.add(
            int(lines[position]),
            CPR_COLUMN,
            f"Samme barn står også i række {first_position[pseudonyms[position]] + FIRST_DATA_LINE}. "
            "Et barn kan kun måles én gang "
            "med samme redskab i en runde: slet den ene række.",
        )
    existing = set(already_measured)
    if existing:
        known = np.isin(pseudonyms, list(existing)) & valid_pseudonym
        for position in np.flatnonzero(known).tolist():
            report.add(
                int(lines[position]),
                CPR_COLUMN,
                "Barnet er allerede målt med dette redskab i denne runde. Slet rækken, eller ret den "
                "eksisterende måling.",
            )

    valid = (pseudonyms != "") & ~not_a_date
    before_birth = valid & (day_values < birth_days)
    for position in np.flatnonzero(before_birth).tolist():
        report.add(
            int(lines[position]),
            DATE_COLUMN,
            "Datoen ligger før barnets fødselsdato. Tjek datoen og CPR-nummeret.",
        )
    ages = ages_on(birth_days, day_values)

    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.error_count:
        return report

    report.rows = ValidatedRows(
        pseudonyms=pseudonyms,
        birth_years=birth_days.astype("datetime64[Y]").astype(np.int64) + 1970,
        sexes=sexes,
        ages=ages,
        dates=day_values,
        answers=answers,
    )
    report.preview = preview_rows(report.rows, instrument)
    return report


@dataclass
class CheckedCprs:
    pseudonyms: npt.NDArray[np.str_]  # "" where the number is wrong
    birth_dates: npt.NDArray[np.datetime64]  # NaT where wrong
    sexes: npt.NDArray[np.str_]
    problems: list[tuple[int, str]]  # (position, Danish message from the engine)


def check_cprs(
    texts: pd.Series, *, key: bytes, municipality_code: str, today: date | None = None
) -> CheckedCprs:
    """The form, date and century of every CPR number at once (the rules of ``engine.cpr.validate_cpr``,
    vectorised), and the keyed pseudonym of each valid one (``engine.cpr.pseudonym``'s HMAC).

    A number the vectorised check rejects is passed to ``validate_cpr`` itself, so its message is the
    engine's; the tests check that the pseudonyms equal ``engine.cpr.pseudonym``.
    """
    n = len(texts)
    stripped = texts.astype(str).str.strip()
    hyphenated = (stripped.str.len() == 11) & (stripped.str[6] == "-")
    digits = stripped.where(~hyphenated, stripped.str[:6] + stripped.str[7:])
    well_formed = digits.str.fullmatch(r"[0-9]{10}").fillna(False).to_numpy(dtype=bool)
    safe = digits.where(well_formed, "0101000000")
    day = safe.str[0:2].astype(np.int64).to_numpy()
    month = safe.str[2:4].astype(np.int64).to_numpy()
    two_digit_year = safe.str[4:6].astype(np.int64).to_numpy()
    century_digit = safe.str[6].astype(np.int64).to_numpy()
    century = np.where(
        century_digit <= 3,
        1900,
        np.where(
            (century_digit == 4) | (century_digit == 9),
            np.where(two_digit_year <= 36, 2000, 1900),
            np.where(two_digit_year <= 57, 2000, 1800),
        ),
    )
    born = pd.to_datetime(
        pd.DataFrame({"year": century + two_digit_year, "month": month, "day": day}), errors="coerce"
    ).to_numpy(dtype="datetime64[D]")
    limit = np.datetime64(today or date.today(), "D")
    good = well_formed & ~np.isnat(born) & (born <= limit)
    sexes = np.where(safe.str[9].astype(np.int64).to_numpy() % 2 == 1, "male", "female").astype("<U6")
    problems: list[tuple[int, str]] = []
    for position in np.flatnonzero(~good).tolist():
        try:
            validate_cpr(stripped.iloc[position], today=today)
        except CprError as error:
            problems.append((int(position), engine_message(error)))
        else:  # pragma: no cover - the vectorised rules are the engine's; kept as a safety net
            good[position] = True
    pseudonyms = np.full(n, "", dtype="<U64")
    prefix = f"{PSEUDONYM_CONTEXT}|{municipality_code}|"
    cache: dict[str, str] = {}
    digit_list = digits.tolist()
    for position in np.flatnonzero(good).tolist():
        number = digit_list[position]
        code = cache.get(number)
        if code is None:
            code = hmac.new(key, (prefix + number).encode(), hashlib.sha256).hexdigest()
            cache[number] = code
        pseudonyms[position] = code
    born[~good] = np.datetime64("NaT")
    return CheckedCprs(pseudonyms=pseudonyms, birth_dates=born, sexes=sexes, problems=problems)


def ages_on(birth_dates: npt.NDArray[np.datetime64], on: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """Completed years on each date (``engine.cpr.age_on``, vectorised); 0 where a date is missing."""
    born = pd.DatetimeIndex(birth_dates)
    measured = pd.DatetimeIndex(on)
    before_birthday = (measured.month.to_numpy() * 100 + measured.day.to_numpy()) < (
        born.month.to_numpy() * 100 + born.day.to_numpy()
    )
    years = measured.year.to_numpy() - born.year.to_numpy() - before_birthday.astype(np.int64)
    return np.where(np.isnan(years.astype(float)), 0, years).astype(np.int64)


def preview_rows(
    rows: ValidatedRows, instrument: Instrument, limit: int = PREVIEW_ROWS
) -> list[dict[str, str]]:
    """The first rows as they will be stored (pseudonym shortened, no CPR number)."""
    preview = []
    for i in range(min(limit, len(rows))):
        entry = {
            "deltager": str(rows.pseudonyms[i])[:10],
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
