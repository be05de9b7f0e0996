"""Reading an uploaded table (CSV or Excel .xlsx) within fixed limits: the one reader of every import.

A spreadsheet is hostile input. Its declared size (``<dimension ref="A1:XFD1048576"/>``) is ignored; the
sheet is read as a stream of XML events (pyexpat), so memory grows with the rows kept, never with what
the file claims, and reading stops with a Danish message at the first row or column past the limit. The
.xlsx zip is checked before anything is unpacked: no member may unpack to more than the limit, nor
compress better than the limit ratio (a zip bomb). A CSV is decoded (UTF-8, UTF-16 with a byte-order
mark or Windows-1252) and refused when it holds NUL bytes (a binary file or a CSV saved wrongly).

The limits are settings (``UPLOAD_MAX_BYTES``, ``TABLE_MAX_ROWS``, ``TABLE_MAX_COLUMNS``,
``XLSX_MAX_UNCOMPRESSED_BYTES``, ``XLSX_MAX_COMPRESSION_RATIO``); docs/operations.md says how to change
them. Callers get the header and every row as text, empty rows kept so that row numbers stay those of the
file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import IO, Any
from xml.parsers import expat

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from indsats.errors import DomainError

MEGABYTE = 1024 * 1024


class TableFileError(DomainError):
    """The file cannot be read as a table, or it is past one of the limits (the message names it)."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int  # data rows under the header
    max_columns: int
    max_cells: int  # rows × columns as written in the file (empty cells inside a row count)
    max_uncompressed_bytes: int  # per .xlsx member
    max_compression_ratio: int  # per .xlsx member larger than 1 MB unpacked

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_rows=settings.TABLE_MAX_ROWS,
            max_columns=settings.TABLE_MAX_COLUMNS,
            max_cells=settings.TABLE_MAX_CELLS,
            max_uncompressed_bytes=settings.XLSX_MAX_UNCOMPRESSED_BYTES,
            max_compression_ratio=settings.XLSX_MAX_COMPRESSION_RATIO,
        )


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]  # as in the file (not padded); an empty row is []


def megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.0f} MB" if size >= MEGABYTE else f"{size} bytes"


def check_size(size: int, limits: Limits | None = None) -> None:
    """Refuse a file larger than the upload limit (call it before reading the file into memory)."""
    limits = limits or Limits.from_settings()
    if size > limits.max_bytes:
        raise TableFileError(
            _("Filen fylder %(size)s. Den må højst fylde %(limit)s. Del den op i flere filer.")
            % {"size": megabytes(size), "limit": megabytes(limits.max_bytes)}
        )


def read_table(content: bytes, file_name: str, *, limits: Limits | None = None) -> Table:
    """The header and the rows of a CSV (comma, semicolon or tab) or an .xlsx (the first sheet)."""
    limits = limits or Limits.from_settings()
    check_size(len(content), limits)
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        rows = _xlsx_rows(content, limits)
    elif lower.endswith((".csv", ".txt")):
        rows = _csv_rows(content, limits)
    else:
        raise TableFileError(_("Filen skal være en CSV-fil (.csv) eller en Excel-fil (.xlsx)."))
    table = list(rows)
    if not table or not any(cell.strip() for cell in table[0]):
        raise TableFileError(_("Filen er tom eller mangler en overskriftsrække i første række."))
    header = [cell.strip() for cell in table[0]]
    while header and not header[-1]:
        header.pop()
    return Table(header=header, rows=table[1:])


def _too_many_rows(limits: Limits) -> TableFileError:
    return TableFileError(
        _("Filen har mere end %(limit)s rækker under overskriften. Del den op i flere filer.")
        % {"limit": f"{limits.max_rows:,}".replace(",", ".")}
    )


def _too_many_columns(limits: Limits) -> TableFileError:
    return TableFileError(
        _("Filen har mere end %(limit)s kolonner. Slet de kolonner, der ikke skal bruges.")
        % {"limit": limits.max_columns}
    )


def _too_many_cells(limits: Limits) -> TableFileError:
    return TableFileError(
        _(
            "Filen har mere end %(limit)s celler. Del den op i flere filer, eller slet de kolonner, der ikke "
            "skal bruges."
        )
        % {"limit": f"{limits.max_cells:,}".replace(",", ".")}
    )


# --- CSV -----------------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError:
            pass
    raise TableFileError(
        _("Filen er ikke en tekstfil. Gem den fra Excel som “CSV UTF-8 (kommasepareret)” eller som .xlsx.")
    )


def _csv_rows(content: bytes, limits: Limits) -> Iterator[list[str]]:
    text = _decode(content)
    if "\x00" in text:
        raise TableFileError(
            _(
                "Filen indeholder binære data (NUL-tegn), så den er ikke en CSV-fil. Gem den fra Excel "
                "som “CSV UTF-8 (kommasepareret)” eller som .xlsx."
            )
        )
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise TableFileError(_("Filen er tom eller mangler en overskriftsrække i første række."))
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _limited(reader, limits)


def _limited(reader: Iterator[list[str]], limits: Limits) -> Iterator[list[str]]:
    cells = 0
    try:
        for number, row in enumerate(reader):
            if number > limits.max_rows:
                if any(cell.strip() for cell in row):
                    raise _too_many_rows(limits)
                continue
            if len(row) > limits.max_columns:
                if any(cell.strip() for cell in row[limits.max_columns :]):
                    raise _too_many_columns(limits)
                row = row[: limits.max_columns]
            cells += len(row)
            if cells > limits.max_cells:
                raise _too_many_cells(limits)
            yield row
    except csv.Error:
        raise TableFileError(
            _("Filen kan ikke læses som CSV (fx et felt med et citationstegn, der aldrig lukkes).")
        ) from None


# --- Excel .xlsx ---------------------------------------------------------------------------------------

_BROKEN_XLSX = gettext_noop(
    "Filen kan ikke læses som Excel-fil (.xlsx). Gem den igen fra Excel som .xlsx, eller brug CSV."
)
_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
_EXCEL_EPOCH = datetime(1899, 12, 30)
_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


_LOCAL_NAMES: dict[str, str] = {}


def _local(name: str) -> str:
    """An element's name without its namespace prefix (``x:c`` -> ``c``)."""
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = name.rpartition(":")[2]
        if len(_LOCAL_NAMES) < 1000:
            _LOCAL_NAMES[name] = local
    return local


def _xlsx_rows(content: bytes, limits: Limits) -> Iterator[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        _check_members(archive, limits)
        sheet = _first_sheet(archive)
        strings = _shared_strings(archive)
        date_styles = _date_styles(archive)
        with archive.open(sheet) as stream:
            return iter(_SheetReader(strings, date_styles, limits).read(stream))
    except TableFileError:
        raise
    except (
        zipfile.BadZipFile,
        KeyError,
        IndexError,
        ValueError,
        OverflowError,
        expat.ExpatError,
        EOFError,
        NotImplementedError,
    ):
        raise TableFileError(_(_BROKEN_XLSX)) from None


def _check_members(archive: zipfile.ZipFile, limits: Limits) -> None:
    total = 0
    for member in archive.infolist():
        total += member.file_size
        if member.file_size > limits.max_uncompressed_bytes or total > 4 * limits.max_uncompressed_bytes:
            raise TableFileError(
                _(
                    "Regnearket fylder %(size)s, når det pakkes ud. Det må højst fylde %(limit)s. Del det op "
                    "i flere filer."
                )
                % {"size": megabytes(member.file_size), "limit": megabytes(limits.max_uncompressed_bytes)}
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MEGABYTE and ratio > limits.max_compression_ratio:
            raise TableFileError(
                _(
                    "Regnearket er pakket %(ratio)s gange sammen; højst %(limit)s gange er tilladt (en "
                    "større faktor er typisk en “zip-bombe”). Gem filen igen fra Excel, eller brug CSV."
                )
                % {"ratio": int(ratio), "limit": limits.max_compression_ratio}
            )


def _parse_small(archive: zipfile.ZipFile, name: str, start: object) -> None:
    parser = expat.ParserCreate()
    parser.StartElementHandler = start  # type: ignore[assignment]
    with archive.open(name) as stream:
        parser.ParseFile(stream)


def _first_sheet(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    sheets: list[str] = []
    targets: dict[str, str] = {}

    def workbook(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            sheets.extend(value for key, value in attrs.items() if _local(key) == "id")

    def relations(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    if "xl/workbook.xml" in names and "xl/_rels/workbook.xml.rels" in names:
        _parse_small(archive, "xl/workbook.xml", workbook)
        _parse_small(archive, "xl/_rels/workbook.xml.rels", relations)
        if sheets and sheets[0] in targets:
            target = targets[sheets[0]]
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            if path in names:
                return path
    candidates = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if not candidates:
        raise KeyError("no worksheet")
    return candidates[0]


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"text": False, "phonetic": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            parts.clear()
        elif local == "t" and not state["phonetic"]:
            state["text"] = True
        elif local == "rPh":
            state["phonetic"] += 1

    def data(text: str) -> None:
        if state["text"]:
            parts.append(text)

    def end(name: str) -> None:
        local = _local(name)
        if local == "t":
            state["text"] = False
        elif local == "rPh":
            state["phonetic"] -= 1
        elif local == "si":
            strings.append("".join(parts))

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.CharacterDataHandler = data
    parser.EndElementHandler = end
    with archive.open("xl/sharedStrings.xml") as stream:
        parser.ParseFile(stream)
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """The indices of the cell styles (``s``) whose number format shows a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom_dates: set[int] = set()
    formats: list[int] = []
    state = {"cell_xfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt":
            code = re.sub(r"\[[^]]*]|\"[^\"]*\"", "", attrs.get("formatCode", ""))
            if _DATE_CODE.search(code):
                custom_dates.add(int(attrs.get("numFmtId", "-1")))
        elif local == "cellXfs":
            state["cell_xfs"] = True
        elif local == "xf" and state["cell_xfs"]:
            formats.append(int(attrs.get("numFmtId", "0")))

    def end(name: str) -> None:
        if _local(name) == "cellXfs":
            state["cell_xfs"] = False

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    with archive.open("xl/styles.xml") as stream:
        parser.ParseFile(stream)
    dates = _DATE_FORMAT_IDS | custom_dates
    return {index for index, number_format in enumerate(formats) if number_format in dates}


_COLUMN_INDEX: dict[str, int] = {}


def _column(reference: str) -> int:
    """0-based column of a cell reference (``AB12`` -> 27)."""
    letters = reference.rstrip("0123456789")
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        index = 0
        for letter in letters.upper():
            if not "A" <= letter <= "Z":
                raise ValueError(reference)
            index = index * 26 + ord(letter) - 64
        index -= 1
        if len(_COLUMN_INDEX) < 20_000:
            _COLUMN_INDEX[letters] = index
    return index


class _SheetReader:
    """The rows of a worksheet from a stream of XML events; nothing of the file is kept but the rows."""

    CHUNK = 1024 * 1024

    def __init__(self, strings: list[str], date_styles: set[int], limits: Limits) -> None:
        self.strings = strings
        self.date_styles = date_styles
        self.limits = limits
        self.rows: list[list[str]] = []
        self.cell_count = 0
        # The text of each distinct number once: a sheet of answers holds a few values millions of times,
        # and one string object each would cost ~50 bytes a cell.
        self.numbers: dict[tuple[str, str], str] = {}
        self.row_elements = 0
        self.row_number = 0  # 1-based, as in Excel
        self.cells: dict[int, str] = {}
        self.column = -1
        self.cell_type = ""
        self.cell_style = ""
        self.text: list[str] = []
        self.collecting = False
        self.phonetic = 0

    def read(self, stream: IO[bytes]) -> list[list[str]]:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        while chunk := stream.read(self.CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
        return self.rows

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            reference = attrs.get("r")
            self.column = _column(reference) if reference else self.column + 1
            self.cell_type = attrs.get("t", "n")
            self.cell_style = attrs.get("s", "")
            self.text = []
        elif local == "v" or (local == "t" and not self.phonetic):
            self.collecting = True
        elif local == "rPh":
            self.phonetic += 1
        elif local == "row":
            self.row_elements += 1
            if self.row_elements > self.limits.max_rows + 1:
                raise _too_many_rows(self.limits)
            reference = attrs.get("r")
            self.row_number = int(reference) if reference else self.row_number + 1
            self.cells = {}
            self.column = -1

    def data(self, text: str) -> None:
        if self.collecting:
            self.text.append(text)

    def end(self, name: str) -> None:
        local = _local(name)
        if local in ("v", "t"):
            self.collecting = False
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "c":
            value = self.value("".join(self.text))
            if value:
                if self.column >= self.limits.max_columns:
                    raise _too_many_columns(self.limits)
                self.cells[self.column] = value
        elif local == "row" and self.cells:
            if self.row_number > self.limits.max_rows + 1:
                raise _too_many_rows(self.limits)
            while len(self.rows) < self.row_number - 1:
                self.rows.append([])
            if len(self.rows) >= self.row_number:  # rows out of order: a broken or hostile file
                raise ValueError("row out of order")
            width = max(self.cells) + 1
            self.cell_count += width
            if self.cell_count > self.limits.max_cells:
                raise _too_many_cells(self.limits)
            row = [""] * width
            for column, value in self.cells.items():
                row[column] = value
            self.rows.append(row)

    def value(self, text: str) -> str:
        kind = self.cell_type
        if kind == "s":
            return self.strings[int(text)] if text else ""
        if kind in ("inlineStr", "str", "e"):
            return text
        if kind == "b":
            return "True" if text.strip() == "1" else "False" if text.strip() else ""
        if kind == "d":
            return text.strip()[:10]
        key = (text, self.cell_style)
        known = self.numbers.get(key)
        if known is not None:
            return known
        text = text.strip()
        if not text:
            return ""
        number = float(text)
        if self.cell_style and int(self.cell_style) in self.date_styles:
            shown = (_EXCEL_EPOCH + timedelta(days=number)).date().isoformat()
        elif number.is_integer() and abs(number) < 1e16:
            shown = str(int(number))
        else:
            shown = str(number)
        if len(self.numbers) < 10_000:
            self.numbers[key] = shown
        return shown


# --- the fast path of a plain CSV ----------------------------------------------------------------------
#
# A CSV is *plain* when it holds no quote character, no NUL byte and no carriage return except in a CRLF
# line ending, and every line under the header is ASCII. In such a file every line is one record and its
# fields are the line split at the delimiter, which is exactly what the csv module makes of it; so the
# records' shapes (where each field starts and ends, whether a line is blank, how many fields it has) are
# found a block of lines at a time with numpy from the positions of the delimiter and newline bytes, and
# each column becomes one array of fixed-width bytes: no Python string per cell. A file the fast path
# cannot prove it reads as ``read_table`` does (quotes, other encodings, a row past the column limit, a
# cell longer than ``PLAIN_MAX_CELL_BYTES``) is left to ``read_table``: ``read_plain_columns`` returns None.

PLAIN_BLOCK_BYTES = 1 << 22  # 4 MiB of lines at a time
PLAIN_MAX_CELL_BYTES = 64  # a longer cell would make its whole column as wide: read_table keeps it as text
_BOM_UTF8 = codecs.BOM_UTF8
# ASCII bytes that str.strip keeps: a line holding one (other than the delimiter) is not blank
_VISIBLE = np.array([byte < 128 and not chr(byte).isspace() for byte in range(256)], dtype=bool)


@dataclass
class PlainColumns:
    """The header (as ``read_table`` gives it) and, for each of its columns, the cells of the rows that
    are not blank, in file order: fixed-width ASCII bytes (``S1``, ``S11`` ...; a missing cell is b"")."""

    header: list[str]
    columns: list[npt.NDArray[np.bytes_]]
    rows: int


def read_plain_columns(
    content: bytes, file_name: str, *, limits: Limits | None = None
) -> PlainColumns | None:
    """A plain CSV's columns (see above), within the same limits and with the same messages as
    ``read_table``; None when the file is not plain (then ``read_table`` reads it)."""
    limits = limits or Limits.from_settings()
    check_size(len(content), limits)
    if not file_name.lower().endswith((".csv", ".txt")):
        return None
    has_bom = content.startswith(_BOM_UTF8)
    body = content[len(_BOM_UTF8) :] if has_bom else content
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b'"' in body or b"\0" in body:
        return None
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return None
    newline = body.find(b"\n")
    header_end = len(body) if newline < 0 else newline
    if not body[header_end + 1 :].isascii():
        return None
    header_bytes = body[:header_end].removesuffix(b"\r")
    try:
        header_text = header_bytes.decode("utf-8")
    except UnicodeDecodeError:
        if has_bom:  # read_table would decode the whole file, BOM and all, as Windows-1252
            return None
        header_text = _decode(header_bytes)  # the whole file is Windows-1252 (its rows are ASCII)
    if not header_text.strip():
        return None
    delimiter = max((";", ",", "\t"), key=header_text.count)
    header_cells = header_text.split(delimiter)
    if len(header_cells) > limits.max_columns:
        return None
    if len(header_cells) > limits.max_cells:
        raise _too_many_cells(limits)
    header = [cell.strip() for cell in header_cells]
    while header and not header[-1]:
        header.pop()
    if not header:
        return None
    reader = _PlainReader(len(header), ord(delimiter), limits, cells=len(header_cells))
    position = header_end + 1
    while position < len(body):
        cut = body.rfind(b"\n", position, position + PLAIN_BLOCK_BYTES) + 1
        if cut <= position:  # a line longer than a block
            cut = body.find(b"\n", position + PLAIN_BLOCK_BYTES) + 1 or len(body)
        if not reader.add(body[position:cut]):
            return None
        position = cut
    return reader.result(header)


# per line of a block: its fields' starts, lengths and first bytes (lines x header columns), its number of
# fields, and whether it is blank
_Shape = tuple[
    npt.NDArray[np.intp],
    npt.NDArray[np.intp],
    npt.NDArray[np.uint8],
    npt.NDArray[np.intp],
    npt.NDArray[np.bool_],
]


class _PlainReader:
    def __init__(self, width: int, delimiter: int, limits: Limits, *, cells: int) -> None:
        self.width = width
        self.delimiter = delimiter
        self.limits = limits
        self.cells = cells  # the header's
        self.records = 1  # the header is record 0
        self.parts: list[list[npt.NDArray[np.bytes_]]] = [[] for _ in range(width)]
        self.rows = 0
        self.visible = _VISIBLE.copy()
        self.visible[delimiter] = False

    def add(self, block: bytes) -> bool:
        """Read a block of whole lines; False if a line is one the fast path does not read."""
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n")
        if not block.endswith(b"\n"):
            block += b"\n"
        # zero bytes after the last line: a cell near the end can be copied as a whole window of bytes
        data = np.frombuffer(block + bytes(PLAIN_MAX_CELL_BYTES), dtype=np.uint8)
        separators = np.flatnonzero((data == self.delimiter) | (data == 10))
        is_newline = data[separators] == 10
        lines = int(np.count_nonzero(is_newline))
        per_line = len(separators) // lines
        if (
            per_line >= 2
            and len(separators) == lines * per_line
            and is_newline[per_line - 1 :: per_line].all()
        ):
            shape = self._uniform(data, separators, lines, per_line)
        else:
            shape = self._ragged(data, separators, is_newline)
        if shape is None:
            return False
        starts, lengths, first, fields, blank = shape
        self._check_limits(fields, blank)
        keep = ~blank
        if not keep.all():
            starts, lengths, first = starts[keep], lengths[keep], first[keep]
        if not len(starts):
            return True
        widths = lengths.max(axis=0).tolist()
        for j in range(self.width):
            if widths[j] <= 1:  # an answer: the field's first byte, or b"" when it is empty
                one = np.where(lengths[:, j] == 1, first[:, j], np.uint8(0))
                self.parts[j].append(one.view("S1"))
                continue
            cells = _fixed_width(data, starts[:, j], lengths[:, j])
            if cells is None:
                return False
            self.parts[j].append(cells)
        self.rows += len(starts)
        return True

    def _uniform(
        self, data: npt.NDArray[np.uint8], separators: npt.NDArray[np.intp], lines: int, per_line: int
    ) -> _Shape | None:
        """Every line has ``per_line`` fields (the usual file): each field lies between two separators."""
        if per_line > self.limits.max_columns:
            return None
        field_starts = np.empty_like(separators)
        field_starts[0] = 0
        field_starts[1:] = separators[:-1] + 1
        lengths = (separators - field_starts).reshape(lines, per_line)
        field_starts = field_starts.reshape(lines, per_line)
        first = data.take(field_starts)  # each field's first byte
        # a line is not blank when its first field starts with a visible byte (nearly every line); the
        # others are looked at in full
        blank = ~(self.visible[first[:, 0]] & (lengths[:, 0] > 0))
        line_ends = separators[per_line - 1 :: per_line]
        for line in np.flatnonzero(blank).tolist():
            blank[line] = not self.visible[data[field_starts[line, 0] : line_ends[line]]].any()
        fields = np.full(lines, per_line)
        return (
            self._columns(field_starts),
            self._columns(lengths),
            self._columns(first),
            fields,
            blank,
        )

    def _columns(self, matrix: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """The header's columns of a lines x fields matrix (a missing field: length 0)."""
        if matrix.shape[1] >= self.width:
            return matrix[:, : self.width]
        padded = np.zeros((len(matrix), self.width), dtype=matrix.dtype)
        padded[:, : matrix.shape[1]] = matrix
        return padded

    def _ragged(
        self, data: npt.NDArray[np.uint8], separators: npt.NDArray[np.intp], is_newline: npt.NDArray[np.bool_]
    ) -> _Shape | None:
        """Lines of different lengths, empty lines: each line's fields found from its delimiters."""
        ends = separators[is_newline]
        starts = np.empty_like(ends)
        starts[:1] = 0
        starts[1:] = ends[:-1] + 1
        delimiter_positions = separators[~is_newline]
        before = np.searchsorted(delimiter_positions, starts)
        delimiters = np.searchsorted(delimiter_positions, ends) - before
        fields = np.where(ends > starts, delimiters + 1, 0)
        if fields.size and int(fields.max()) > self.limits.max_columns:
            return None
        visible = np.zeros(data.size + 1, dtype=np.int32)
        np.cumsum(self.visible[data], out=visible[1:])
        blank = visible[ends] == visible[starts]
        columns = np.arange(self.width)
        present = columns < fields[:, None]
        if delimiter_positions.size:
            last = len(delimiter_positions) - 1
            following = delimiter_positions[np.minimum(before[:, None] + columns, last)]
            field_starts = np.empty((len(ends), self.width), dtype=starts.dtype)
            field_starts[:, 0] = starts
            field_starts[:, 1:] = following[:, :-1] + 1
            field_ends = np.where(columns < delimiters[:, None], following, ends[:, None])
        else:  # every line has one field
            field_starts = np.repeat(starts[:, None], self.width, axis=1)
            field_ends = np.repeat(ends[:, None], self.width, axis=1)
        lengths = np.where(present, field_ends - field_starts, 0)
        field_starts = np.where(present, field_starts, 0)
        first = data.take(field_starts, mode="clip")
        return field_starts, lengths, first, fields, blank

    def _check_limits(self, fields: npt.NDArray[np.intp], blank: npt.NDArray[np.bool_]) -> None:
        """The limits, record by record as read_table checks them: the first record past one raises."""
        numbers = self.records + np.arange(len(fields))
        self.records += len(fields)
        over_rows = numbers > self.limits.max_rows
        running = self.cells + np.cumsum(np.where(over_rows, 0, fields))
        row_error = np.flatnonzero(over_rows & ~blank)
        cell_error = np.flatnonzero(~over_rows & (running > self.limits.max_cells))
        if row_error.size or cell_error.size:
            first_row = int(row_error[0]) if row_error.size else len(fields)
            first_cell = int(cell_error[0]) if cell_error.size else len(fields)
            raise _too_many_rows(self.limits) if first_row < first_cell else _too_many_cells(self.limits)
        self.cells = int(running[-1]) if running.size else self.cells

    def result(self, header: list[str]) -> PlainColumns:
        columns = [np.concatenate(parts) if parts else np.zeros(0, dtype="S1") for parts in self.parts]
        return PlainColumns(header=header, columns=columns, rows=self.rows)


def _fixed_width(
    data: npt.NDArray[np.uint8], start: npt.NDArray[np.int64], length: npt.NDArray[np.int64]
) -> npt.NDArray[np.bytes_] | None:
    """The cells ``data[start:start+length]`` as one array of fixed-width bytes (None if one is too long)."""
    width = int(length.max()) if length.size else 0
    if width > PLAIN_MAX_CELL_BYTES:
        return None
    if width <= 1:
        cells = np.where(length == 1, data[np.minimum(start, data.size - 1)], 0).astype(np.uint8)
        return cells.view("S1")
    # each cell's ``width`` bytes from a (copy-free) view of every window of the block; the bytes past a
    # shorter cell's end are then cleared (the block ends in PLAIN_MAX_CELL_BYTES zero bytes)
    matrix = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(data, width)[start])
    if not (length == width).all():
        matrix[np.arange(width) >= length[:, None]] = 0
    return matrix.view(f"S{width}").reshape(len(start))
