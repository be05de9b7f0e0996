"""Reading and checking a file of dose and fidelity: plain functions, no database (messages via gettext).

A file (CSV or Excel .xlsx) has a header row and one row per child. Its columns:

* ``cpr`` (municipality staff) or ``pseudonym`` (the code shown on the page: the short pseudonym for
  municipality staff; for evaluators and the agency the ``deltager`` code of the evaluator's exports, so
  ``deltager`` is accepted as another name for the column). Exactly one of the two.
* ``sessions``: sessions received, a whole number 0 or more (``12``, also ``12,0`` as Excel writes it).
* ``fidelity``: the share of the core elements delivered as intended, 0 to 1. A decimal comma is
  accepted (``0,8``) and so is a percentage with the sign (``80 %``, ``80%``); a bare number above 1
  (``80``) is refused rather than guessed to be a percentage.

At least one of ``sessions`` and ``fidelity`` must be there. A column that is left out leaves that value as
it is; an empty cell means "not known" and clears a value stored earlier. Every row is checked and every
problem reported with its row (the line in the file, the header being row 1) and column, in Danish, before
anything is written (``services.import_exposures``). A CPR number never appears in a message.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from indsats.errors import DomainError
from indsats.outcomes import tabular

CPR_COLUMN = "cpr"
PSEUDONYM_COLUMN = "pseudonym"
PSEUDONYM_ALIASES = ("pseudonym", "deltager")
SESSIONS_COLUMN = "sessions"
FIDELITY_COLUMN = "fidelity"
FIRST_DATA_ROW = 2  # the header is row 1
MAX_ERRORS_KEPT = 500

_LONG_NUMBER = re.compile(r"[0-9]{5,}")


class ExposureFileError(DomainError):
    """The file cannot be read at all (not a CSV or an .xlsx, empty, no header)."""


class ExposureValueError(DomainError):
    """A cell that is not a valid number of sessions or share of fidelity, with a Danish message."""


@dataclass(frozen=True)
class RowError:
    """One problem in a file: the row (the header is row 1), the column and what to do about it."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ExposureRow:
    """One checked row; ``identifier`` is a CPR number (dropped by the service) or a pseudonym code."""

    row: int
    identifier: str
    sessions: int | None
    fidelity: float | None


@dataclass
class ExposureImport:
    """The outcome of an import of dose and fidelity: the errors (nothing written) or the counts."""

    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0


@dataclass
class ParsedFile:
    identifier_column: str = ""
    has_sessions: bool = False
    has_fidelity: bool = False
    rows: list[ExposureRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RowError(row, column, message))


# --- cells ---------------------------------------------------------------------------------------------


def shown(cell: str) -> str:
    """A cell quoted in a message, unless it could be a CPR number (five or more digits in a row)."""
    if _LONG_NUMBER.search(cell.replace("-", "").replace(" ", "")) or len(cell) > 40:
        return _("Et langt tal (måske et CPR-nummer, vises ikke)")
    return f"“{cell}”"


def parse_sessions(text: str) -> int | None:
    """Sessions received: a whole number 0 or more; empty is "not known" (None)."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise ExposureValueError(
            _(
                "%(value)s er ikke et tal. Skriv antallet af modtagne sessioner som et helt tal, fx 12, "
                "eller lad feltet stå tomt, hvis det ikke kendes."
            )
            % {"value": shown(text.strip())}
        ) from None
    if not math.isfinite(value) or not value.is_integer() or value < 0:
        raise ExposureValueError(
            _(
                "%(value)s er ikke et helt tal på 0 eller mere. Skriv antallet af modtagne sessioner som "
                "et helt tal, fx 12."
            )
            % {"value": shown(text.strip())}
        )
    return int(value)


def parse_fidelity(text: str) -> float | None:
    """Fidelity as a share 0-1: ``0.8``, ``0,8`` or ``80 %``; empty is "not known" (None)."""
    cleaned = text.strip().replace(",", ".").replace("\u00a0", " ")
    if not cleaned:
        return None
    percent = cleaned.endswith("%")
    number = cleaned.rstrip("%").strip() if percent else cleaned
    try:
        value = float(number)
    except ValueError:
        raise ExposureValueError(
            _(
                "%(value)s er ikke et tal. Skriv troskaben som en andel mellem 0 og 1 (fx 0,8) eller som "
                "procent (fx 80 %%), eller lad feltet stå tomt."
            )
            % {"value": shown(text.strip())}
        ) from None
    if percent:
        value = value / 100
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise ExposureValueError(
            _(
                "%(value)s ligger uden for 0-1. Troskab er andelen af kerneelementerne, der blev leveret "
                "som beskrevet: skriv en andel mellem 0 og 1 (fx 0,8) eller en procent mellem 0 %% og "
                "100 %% (fx 80 %%)."
            )
            % {"value": shown(text.strip())}
        )
    return round(value, 6)


# --- reading -------------------------------------------------------------------------------------------


def read_table(content: bytes, file_name: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV (comma, semicolon or tab; UTF-8, UTF-16 or Windows-1252) or an
    .xlsx (the first sheet), every cell as text, read within the upload limits (``outcomes.tabular``)."""
    try:
        table = tabular.read_table(content, file_name)
    except tabular.TableFileError as error:
        raise ExposureFileError(error.text) from None
    return table.header, _padded(table.rows, len(table.header))


def _padded(rows: list[list[str]], width: int) -> list[list[str]]:
    """Rows cut or padded to the header's width. Empty rows are kept, so that the row numbers stay those
    of the file; the caller skips them."""
    return [(row + [""] * width)[:width] for row in rows]


# --- checking ------------------------------------------------------------------------------------------


def parse_exposure_file(content: bytes, file_name: str, *, allow_cpr: bool) -> ParsedFile:
    """Read a file and check its header and every cell's form (not yet who the children are).

    ``allow_cpr`` is False for evaluators and the agency: they identify a child by pseudonym only.
    Raises ``ExposureFileError`` for a file that cannot be read at all.
    """
    header, body = read_table(content, file_name)
    parsed = ParsedFile()
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        column = name.lower()
        target = PSEUDONYM_COLUMN if column in PSEUDONYM_ALIASES else column
        if _LONG_NUMBER.search(name):
            parsed.add(
                1,
                _("kolonne %(n)s") % {"n": index + 1},
                _(
                    "%(value)s står i overskriftsrækken. Filen skal starte med en overskriftsrække "
                    "(fx cpr;sessions;fidelity)."
                )
                % {"value": shown(name)},
            )
            continue
        if target not in {CPR_COLUMN, PSEUDONYM_COLUMN, SESSIONS_COLUMN, FIDELITY_COLUMN}:
            if name:
                parsed.add(
                    1,
                    name,
                    _(
                        "Kolonnen “%(column)s” kendes ikke. Brug kolonnerne cpr eller pseudonym, sessions "
                        "og fidelity, eller slet kolonnen."
                    )
                    % {"column": name},
                )
            continue
        if target in positions:
            parsed.add(
                1,
                name,
                _("Kolonnen “%(column)s” findes to gange i filen. Slet den ene.") % {"column": target},
            )
            continue
        positions[target] = index
    if CPR_COLUMN in positions and not allow_cpr:
        parsed.add(
            1,
            CPR_COLUMN,
            _(
                "Evaluatorer og styrelsen angiver børnene med pseudonym, aldrig med CPR-nummer. Slet "
                "kolonnen cpr, og brug kolonnen pseudonym med deltagerkoden fra jeres eksport."
            ),
        )
    elif CPR_COLUMN in positions and PSEUDONYM_COLUMN in positions:
        parsed.add(
            1, PSEUDONYM_COLUMN, _("Angiv børnene med enten cpr eller pseudonym, ikke begge. Slet den ene.")
        )
    elif CPR_COLUMN not in positions and PSEUDONYM_COLUMN not in positions:
        parsed.add(
            1,
            CPR_COLUMN if allow_cpr else PSEUDONYM_COLUMN,
            _(
                "Filen mangler kolonnen cpr (barnets CPR-nummer) eller pseudonym (koden vist på siden). "
                "Tilføj den."
            )
            if allow_cpr
            else _("Filen mangler kolonnen pseudonym (deltagerkoden fra jeres eksport). Tilføj den."),
        )
    if SESSIONS_COLUMN not in positions and FIDELITY_COLUMN not in positions:
        parsed.add(
            1,
            SESSIONS_COLUMN,
            _("Filen mangler både kolonnen sessions og kolonnen fidelity. Tilføj mindst én."),
        )
    if parsed.error_count:
        return parsed
    parsed.identifier_column = CPR_COLUMN if CPR_COLUMN in positions else PSEUDONYM_COLUMN
    parsed.has_sessions = SESSIONS_COLUMN in positions
    parsed.has_fidelity = FIDELITY_COLUMN in positions
    seen_rows = 0
    for offset, cells in enumerate(body):
        line = offset + FIRST_DATA_ROW
        if not any(cell.strip() for cell in cells):
            continue
        identifier = cells[positions[parsed.identifier_column]].strip()
        if not identifier:
            parsed.add(
                line,
                parsed.identifier_column,
                _("CPR-nummeret mangler. Skriv barnets CPR-nummer, eller slet rækken.")
                if parsed.identifier_column == CPR_COLUMN
                else _("Pseudonymet mangler. Skriv barnets kode, eller slet rækken."),
            )
        sessions = fidelity = None
        if parsed.has_sessions:
            try:
                sessions = parse_sessions(cells[positions[SESSIONS_COLUMN]])
            except ExposureValueError as error:
                parsed.add(line, SESSIONS_COLUMN, error.text)
        if parsed.has_fidelity:
            try:
                fidelity = parse_fidelity(cells[positions[FIDELITY_COLUMN]])
            except ExposureValueError as error:
                parsed.add(line, FIDELITY_COLUMN, error.text)
        seen_rows += 1
        if identifier:  # kept even with a bad value, so the child is checked too and every error is listed
            parsed.rows.append(ExposureRow(line, identifier, sessions, fidelity))
    if not seen_rows:
        parsed.add(FIRST_DATA_ROW, "", _("Filen har ingen rækker under overskriften."))
    return parsed
