"""The work of ``indsats score``: read the answers from a CSV file, score them with the engine, write the
scores back as CSV and report. ``score.py`` reads the arguments; see its docstring for the file format.

Imports no Django.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from indsats.cli import plain_csv
from indsats.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from indsats.engine.instruments import Instrument, UnknownInstrument, list_instruments, load_instrument
from indsats.engine.scoring import AnswerError, ScoreResult, score

PROG = "indsats score"
DELIMITERS = (",", ";", "\t")
# a progress bar only for files big enough to notice (and only on a terminal)
PROGRESS_MIN_ROWS = 200_000
PROGRESS_MIN_BYTES = 20_000_000
# rows read, converted and written at a time: memory holds one chunk of text, never the whole file
CHUNK_ROWS = 20_000


class InputError(ValueError):
    """A problem with the input file; the message names the row/line and column."""


def run(args: argparse.Namespace) -> int:
    """Score the file the arguments name; returns the exit code (0 ok, 2 bad input)."""
    if args.list:
        _print_list(as_json=args.json)
        return EXIT_OK
    if not args.instrument or not args.input:
        print(f"{PROG}: give an INSTRUMENT and an IN.csv (or --list to see the instruments)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json and not args.output:
        print(
            f"{PROG}: --json prints the summary on stdout, so give the scored file with -o OUT.csv",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT

    try:
        instrument = load_instrument(args.instrument, args.instrument_version)
        if args.bands is not None:
            instrument.band_scheme(args.bands)  # an unknown scheme is an error before the file is read
    except (UnknownInstrument, ValueError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT

    path = Path(args.input)
    try:
        layout, answers = _scan(path, instrument)
        result = score(instrument, answers, band_scheme=args.bands)
    except (OSError, UnicodeDecodeError) as error:
        print(f"{PROG}: cannot read {path}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InputError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except AnswerError as error:
        print(f"{path}: {_describe_answer_error(error, layout.lines)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    del answers  # the scores are all the writing needs

    columns = _ScoreColumns(instrument, result)
    clash = [name for name in columns.names if name in layout.header]
    if clash:
        print(
            f"{path}: the input already has the column(s) {', '.join(clash)} that the scores would be "
            "written to; remove or rename them",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        _write(args.output, path, layout, columns)
    except InputError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, UnicodeDecodeError) as error:
        print(f"{PROG}: cannot write {args.output}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT

    if args.json:
        json.dump(
            _summary(result, instrument, args.input, args.output), sys.stdout, indent=2, ensure_ascii=False
        )
        sys.stdout.write("\n")
    else:
        print(result.summary(), file=sys.stdout if args.output else sys.stderr)
    return EXIT_OK


# --- reading ---------------------------------------------------------------------------------------
#
# The file is read twice, a chunk of rows at a time, so that memory holds the answers as one float array
# and never the file's text or its rows as Python lists: the first pass checks every row and turns the
# item cells into numbers, the second (in ``_write``) copies each row to the output beside its scores.


class _Layout:
    """What the first pass learnt of the file: header, delimiter, item columns, each kept row's line."""

    def __init__(self, header: list[str], delimiter: str, positions: list[int]) -> None:
        self.header = header
        self.delimiter = delimiter
        self.positions = positions
        self.lines: array[int] = array("q")  # the file's line number of each data row (blank ones dropped)

    @property
    def n_rows(self) -> int:
        return len(self.lines)


def _open(path: Path) -> tuple[io.TextIOWrapper, str]:
    """The file opened for csv, and its delimiter: the one of , ; TAB most often in the header line."""
    handle = path.open(encoding="utf-8-sig", newline="")
    first_line = handle.readline().split("\n", 1)[0]
    if not first_line.strip():
        handle.close()
        raise InputError("the file is empty or its first line (the header) is blank")
    handle.seek(0)
    return handle, max(DELIMITERS, key=first_line.count)


class _Records:
    """The records of a CSV file exactly as ``csv.reader`` makes them, read faster.

    A line with no quote character, no carriage return inside and no NUL byte is one record, whose fields
    are the line split at the delimiter: just what csv would make of it, and what csv's writer writes
    back unchanged. Any other line goes through ``csv.reader``, which takes further lines where a quoted
    field holds a line break. Iterating gives the line itself for the first kind (without its line
    ending) and the list of fields for the second; ``line_num`` is the last line read, as csv counts.
    """

    def __init__(self, handle: IO[str], delimiter: str) -> None:
        self.lines = iter(handle)
        self.delimiter = delimiter
        self.line_num = 0

    def __iter__(self) -> Iterator[str | list[str]]:
        lines = self.lines
        for line in lines:
            self.line_num += 1
            # a line ends in one of \n, \r\n or \r (the file is read with newline=""), which csv drops too
            body = line.rstrip("\r\n")
            if '"' not in body and "\r" not in body and "\0" not in body:
                yield body
                continue
            before = self.line_num - 1
            reader = csv.reader(chain([line], lines), delimiter=self.delimiter)
            try:
                fields = next(reader)
            except csv.Error as error:
                self.line_num = before + reader.line_num
                raise InputError(f"line {self.line_num}: not valid CSV: {error}") from None
            self.line_num = before + reader.line_num
            yield fields

    def fields(self) -> Iterator[list[str]]:
        """Every record as its list of fields."""
        delimiter = self.delimiter
        for record in self:
            yield record.split(delimiter) if isinstance(record, str) else record


def _data_rows(records: _Records, width: int) -> Iterator[tuple[list[list[str]], list[int]]]:
    """The data rows in chunks with each row's line number, blank lines dropped; a row with another number
    of fields than the header is an error."""
    rows: list[list[str]] = []
    lines: list[int] = []
    kept = 0
    for row in records.fields():
        if not "".join(row).strip():
            continue  # a blank line (Excel often leaves some at the end)
        if len(row) != width:
            raise InputError(
                f"row {kept + 1} (line {records.line_num}) has {len(row)} fields but the header has {width}"
            )
        rows.append(row)
        lines.append(records.line_num)
        kept += 1
        if len(rows) == CHUNK_ROWS:
            yield rows, lines
            rows, lines = [], []
    if rows:
        yield rows, lines


def _scan(path: Path, instrument: Instrument) -> tuple[_Layout, npt.NDArray[np.float64]]:
    """First pass: check the file and read the item columns as an ``n x items`` float array (NaN = empty).

    Errors name the row and column, and come in the order a reader fixes them: the shape of the file
    (fields per row, then the header), then the cells.
    """
    handle, delimiter = _open(path)
    with handle:
        records = _Records(handle, delimiter)
        header = [name.strip() for name in next(records.fields())]
        by_lower = {name.lower(): position for position, name in enumerate(header)}
        positions = [by_lower[key.lower()] for key in instrument.item_keys if key.lower() in by_lower]
        layout = _Layout(header, delimiter, positions)
        cells = _CellReader(instrument.item_keys, positions)
        usable = len(positions) == len(instrument.item_keys) and len(set(header)) == len(header)
        progress = _Progress(path.stat().st_size, unit="B", desc="reading", minimum=PROGRESS_MIN_BYTES)
        try:
            line_count = plain_csv.count_lines_if_plain(path)
            if line_count is not None:
                if usable:
                    cells.allocate(line_count)
                _scan_plain(path, layout, cells if usable else None, progress)
            else:
                for rows, lines in _data_rows(records, len(header)):
                    if usable:
                        cells.read(rows, layout.n_rows, lines)
                    layout.lines.extend(lines)
                    progress.to(handle.buffer.tell())  # type: ignore[attr-defined]
        finally:
            progress.close()
    duplicates = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicates:
        raise InputError(f"the header has the column(s) {', '.join(duplicates)} more than once")
    missing = [key for key in instrument.item_keys if key.lower() not in by_lower]
    if missing:
        raise InputError(
            f"the item column(s) {', '.join(missing)} are missing; {instrument.key} needs the columns "
            f"{instrument.item_keys[0]} ... {instrument.item_keys[-1]} ({len(instrument.item_keys)} in all; "
            "see indsats score --list --json)"
        )
    return layout, cells.answers(layout.n_rows)


def _scan_plain(path: Path, layout: _Layout, cells: _CellReader | None, progress: _Progress) -> None:
    """The first pass over a plain file (see ``plain_csv``): a block of lines at a time."""
    width = len(layout.header)
    done = 0
    for block, first_line in plain_csv.blocks(path):
        block.decode("utf-8")  # a file that is not UTF-8 is refused, as the csv path refuses it
        lines = plain_csv.lines_of(block, layout.delimiter)
        index = np.arange(len(lines), dtype=np.int64)[1 if first_line == 1 else 0 :]  # not the header
        keep = index[~lines.blank[index]]
        wrong = keep[lines.delimiters[keep] != width - 1]
        if wrong.size:
            line = int(wrong[0])
            row = layout.n_rows + int(np.searchsorted(keep, line))
            raise InputError(
                f"row {row + 1} (line {first_line + line}) has {int(lines.delimiters[line]) + 1} fields but "
                f"the header has {width}"
            )
        numbers = first_line + keep
        if cells is not None:
            cells.read_plain(lines, keep, width, layout.n_rows, numbers)
        layout.lines.frombytes(numbers.astype(np.int64).tobytes())
        done += len(block)
        progress.to(done)


class _CellReader:
    """Turns the item cells of each chunk into numbers, keeping the first cell that is not one.

    A cell is read as before: spaces stripped, a Danish decimal comma taken as a point, empty = missing.
    The file has few distinct cell texts (0, 1, 2 and empty for the SDQ), so each is parsed once.
    """

    def __init__(self, keys: Sequence[str], positions: list[int]) -> None:
        self.keys = keys
        self.positions = positions
        self.parsed: dict[str, float] = {}
        self.not_numbers: dict[str, str] = {}  # cell text -> the text the message quotes
        self.typed_non_finite: set[str] = set()  # "nan", "inf" typed into a cell
        self.chunks: list[npt.NDArray[np.float64]] = []
        self.first_not_number: str | None = None
        self.first_non_finite: str | None = None
        self.matrix: npt.NDArray[np.float64] | None = None

    def allocate(self, rows: int) -> None:
        """Room for at most ``rows`` rows, filled in place by ``read_plain``: column by column, so that
        the engine reads each item's answers as one contiguous run without a copy."""
        self.matrix = np.empty((rows, len(self.positions)), dtype=np.float64, order="F")

    def read(self, rows: list[list[str]], first_row: int, lines: list[int]) -> None:
        if self.first_not_number is not None:
            return  # the file is refused already; the first pass only checks the shape of the rest
        positions = self.positions
        if len(positions) == 1:
            flat = [row[positions[0]] for row in rows]
        else:
            flat = list(chain.from_iterable(map(itemgetter(*positions), rows)))
        distinct = set(flat)
        for text in distinct.difference(self.parsed):
            self.parsed[text] = self._parse(text)
        values = np.fromiter(map(self.parsed.__getitem__, flat), dtype=np.float64, count=len(flat))
        width = len(positions)
        if not distinct.isdisjoint(self.not_numbers):
            at = next(i for i, text in enumerate(flat) if text in self.not_numbers)
            row, column = divmod(at, width)
            quoted = self.not_numbers[flat[at]]
            self.first_not_number = _cell_message(
                first_row + row, lines[row], self.keys[column], f"'{quoted}' is not a number"
            )
            self.chunks = []
            return
        if self.first_non_finite is None and not distinct.isdisjoint(self.typed_non_finite):
            at = next(i for i, text in enumerate(flat) if text in self.typed_non_finite)
            row, column = divmod(at, width)
            self.first_non_finite = _cell_message(
                first_row + row, lines[row], self.keys[column], "is not a number"
            )
        self.chunks.append(values.reshape(len(rows), width))

    def read_plain(
        self,
        lines: plain_csv.Lines,
        keep: npt.NDArray[np.int64],
        width: int,
        first_row: int,
        numbers: npt.NDArray[np.int64],
    ) -> None:
        """``read`` for the kept lines of a plain block: a cell of one digit is its value, an empty one
        missing, and only the other cells (a decimal, a space, a word) are parsed one by one."""
        if self.first_not_number is not None:
            return
        assert self.matrix is not None, "allocate() comes first"
        values = self.matrix[first_row : first_row + len(keep)]
        last = len(lines.data) - 1
        not_numbers: list[tuple[int, int, str]] = []
        non_finite: list[tuple[int, int]] = []
        for column, position in enumerate(self.positions):
            start, end = plain_csv.field_spans(lines, keep, width, position)
            length = end - start
            byte = lines.data[np.minimum(start, last)].astype(np.float64)
            digit = (length == 1) & (byte >= 48) & (byte <= 57)
            values[:, column] = np.where(digit, byte - 48, np.nan)
            for at in np.flatnonzero((length > 0) & ~digit):
                row = int(at)
                text = bytes(lines.data[start[row] : end[row]]).decode("utf-8")
                if text not in self.parsed:
                    self.parsed[text] = self._parse(text)
                values[row, column] = self.parsed[text]
                if text in self.not_numbers:
                    not_numbers.append((row, column, self.not_numbers[text]))
                elif text in self.typed_non_finite:
                    non_finite.append((row, column))
        if not_numbers:
            row, column, quoted = min(not_numbers)
            self.first_not_number = _cell_message(
                first_row + row, int(numbers[row]), self.keys[column], f"'{quoted}' is not a number"
            )
            self.chunks = []
            return
        if non_finite and self.first_non_finite is None:
            row, column = min(non_finite)
            self.first_non_finite = _cell_message(
                first_row + row, int(numbers[row]), self.keys[column], "is not a number"
            )

    def _parse(self, text: str) -> float:
        cleaned = text.strip().replace(",", ".")
        if not cleaned:
            return math.nan
        try:
            # numpy's own reading of a number, as the whole-array conversion before the chunks did
            value = float(np.array([cleaned], dtype=np.str_).astype(np.float64)[0])
        except ValueError:
            self.not_numbers[text] = cleaned
            return math.nan
        if not math.isfinite(value):
            self.typed_non_finite.add(text)
        return value

    def answers(self, rows: int) -> npt.NDArray[np.float64]:
        """The ``rows x items`` answers read, or the first cell that is not a number as an error."""
        if self.first_not_number is not None:
            raise InputError(self.first_not_number)
        if self.first_non_finite is not None:
            raise InputError(self.first_non_finite)
        if self.matrix is not None:
            return self.matrix[:rows]
        if not self.chunks:
            return np.empty((0, len(self.positions)), dtype=np.float64)
        answers = np.concatenate(self.chunks)
        self.chunks = []
        return answers


def _cell_message(row: int, line: int, column: str, problem: str) -> str:
    return f"row {row + 1} (line {line}), column {column}: {problem}"


def _describe_answer_error(error: AnswerError, lines: Sequence[int]) -> str:
    """The engine's problems re-phrased with the file's line numbers (the engine knows only rows)."""
    if not error.problems:
        return error.message
    shown = "; ".join(_cell_message(p.row, lines[p.row], p.item, p.reason) for p in error.problems[:5])
    more = error.n_problems - 5
    return shown + (f" (and {more} more)" if more > 0 else "")


# --- writing ---------------------------------------------------------------------------------------


class _ScoreColumns:
    """The output's score columns: one per score, then a ``_band`` column per banded score.

    Their cells are formatted a chunk of rows at a time, as the rows are written.
    """

    def __init__(self, instrument: Instrument, result: ScoreResult) -> None:
        decimals = {s.key: s.decimals for s in instrument.subscales}
        decimals.update({c.key: c.decimals for c in instrument.composites})
        self.names: list[str] = [*result.score_keys]
        self._sources: list[tuple[npt.NDArray[Any], int | None, bool]] = [
            (result.scores[key], decimals[key], True) for key in result.score_keys
        ]
        for key in result.score_keys:
            if key in result.bands:
                self.names.append(f"{key}_band")
                self._sources.append((result.bands[key], None, False))
        self._band_codes = [result.band_codes[key] for key in result.score_keys if key in result.bands]

    def plain(self, delimiter: str) -> bool:
        """Whether csv's writer writes every score cell as it stands (no quoting) with this delimiter."""
        special = (delimiter, '"', "\r", "\n")
        return not any(mark in code for codes in self._band_codes for code in codes for mark in special)

    def coded(self, start: int, stop: int) -> list[tuple[list[str], npt.NDArray[np.int64]]]:
        """Each column's cells of rows ``start`` to ``stop`` (from 0) as its distinct texts and, per row,
        the index of its text: a score column takes few values, so each is formatted once."""
        columns = []
        for values, decimals, is_score in self._sources:
            part = values[start:stop]
            if is_score:
                distinct, where = np.unique(part, return_inverse=True)
                texts = _format_scores(distinct, decimals).tolist()
            else:
                texts, where = _band_codes(part)
            columns.append((texts, where.reshape(-1).astype(np.int64)))
        return columns

    def cells(self, start: int, stop: int) -> list[tuple[str, ...]]:
        """The score cells of rows ``start`` to ``stop`` (counted from 0), a tuple per row."""
        return list(zip(*self.column_lists(start, stop), strict=True))

    def column_lists(self, start: int, stop: int, *, line_break: str = "") -> list[list[str]]:
        """The score cells of rows ``start`` to ``stop`` (from 0), a list per column; ``line_break`` is
        added to the last column's cells, so that joining a row's cells gives its whole line ending."""
        columns = self.coded(start, stop)
        texts, where = columns[-1]
        columns[-1] = ([text + line_break for text in texts], where)
        return [np.array(texts, dtype=object)[where].tolist() for texts, where in columns]


def _band_codes(bands: npt.NDArray[np.str_]) -> tuple[list[str], npt.NDArray[np.int64]]:
    """A band column's distinct codes and each row's index among them (a handful of codes, compared
    one at a time, which is faster than sorting a million strings)."""
    codes: list[str] = []
    where = np.full(bands.shape, -1, dtype=np.int64)
    while (left := where < 0).any():
        code = str(bands[np.argmax(left)])
        where[left & (bands == code)] = len(codes)
        codes.append(code)
    return codes, where


def _format_scores(values: npt.NDArray[np.float64], decimals: int | None) -> npt.NDArray[np.str_]:
    pattern = f"%.{decimals}f" if decimals is not None else "%.10g"
    text = np.char.mod(pattern, np.where(np.isnan(values), 0.0, values))
    text = np.where(text == "-0", "0", text)
    return np.where(np.isnan(values), "", text).astype(np.str_)


def _write(output: str | None, path: Path, layout: _Layout, columns: _ScoreColumns) -> None:
    """Write the CSV: to stdout, or all-or-nothing to a file (a temporary file renamed into place)."""
    if output is None or output == "-":
        _copy_rows(sys.stdout, path, layout, columns)
        return
    target = Path(output)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, renamed into place)
        "w", encoding="utf-8", newline="", dir=target.parent, prefix=f".{target.name}.", delete=False
    )
    try:
        with handle:
            _copy_rows(handle, path, layout, columns)
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _copy_rows(out: IO[str], path: Path, layout: _Layout, columns: _ScoreColumns) -> None:
    """Second pass: each data row of the input as csv's writer writes it, then its score cells.

    A line that csv reads as plain fields (see ``_Records``) is written back as it stands; the others
    through csv's writer, so the output is the same as writing every row through it, only faster.
    """
    delimiter = layout.delimiter
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow([*layout.header, *columns.names])
    plain_scores = columns.plain(delimiter)
    progress = _Progress(layout.n_rows, unit="rows", desc="writing", minimum=PROGRESS_MIN_ROWS)
    try:
        if plain_scores and plain_csv.count_lines_if_plain(path) is not None:
            written = _copy_plain(out, path, layout, columns, progress)
        else:
            written = _copy_records(out, writer, path, layout, columns, progress, plain_scores=plain_scores)
    finally:
        progress.close()
    if written != layout.n_rows:
        raise InputError("the file changed while it was being scored; score it again")


def _copy_plain(
    out: IO[str], path: Path, layout: _Layout, columns: _ScoreColumns, progress: _Progress
) -> int:
    """The second pass over a plain file: each kept line as it stands, then its scores."""
    delimiter = layout.delimiter
    written = 0
    numbers = np.frombuffer(layout.lines, dtype=np.int64)  # the line of each row the first pass kept
    for block, first_line in plain_csv.blocks(path):
        lines = block.decode("utf-8").split("\n")
        lines.pop()  # after the block's last LF
        first, stop = np.searchsorted(numbers, [first_line, first_line + len(lines)])
        if stop - first == len(lines):
            kept = lines
        else:  # the header, or blank lines, which the first pass dropped
            kept = [lines[line] for line in (numbers[first:stop] - first_line).tolist()]
        if written + len(kept) > layout.n_rows:
            raise InputError("the file changed while it was being scored; score it again")
        cells = columns.column_lists(written, written + len(kept), line_break="\n")
        out.write("".join(map(delimiter.join, zip(kept, *cells, strict=True))))
        written += len(kept)
        progress.to(written)
    return written


def _copy_records(
    out: IO[str],
    writer: Any,
    path: Path,
    layout: _Layout,
    columns: _ScoreColumns,
    progress: _Progress,
    *,
    plain_scores: bool,
) -> int:
    """The second pass over any other file, a chunk of records at a time."""
    delimiter = layout.delimiter
    pending: list[str | list[str]] = []
    written = 0

    def flush() -> None:
        nonlocal written
        if written + len(pending) > layout.n_rows:
            raise InputError("the file changed while it was being scored; score it again")
        scores = columns.cells(written, written + len(pending))
        text: list[str] = []
        for row, more in zip(pending, scores, strict=True):
            if isinstance(row, str) and plain_scores:
                text.append(f"{row}{delimiter}{delimiter.join(more)}\n")
            else:
                out.write("".join(text))
                text = []
                fields = row.split(delimiter) if isinstance(row, str) else row
                writer.writerow([*fields, *more])
        out.write("".join(text))
        written += len(pending)
        pending.clear()
        progress.to(written)

    source, _ = _open(path)
    with source:
        records = _Records(source, delimiter)
        next(records.fields())  # the header
        for record in records:
            if isinstance(record, str):
                if record.replace(delimiter, "").strip():
                    pending.append(record)
            elif "".join(record).strip():
                pending.append(record)
            if len(pending) == CHUNK_ROWS:
                flush()
        flush()
    return written


class _Progress:
    """A progress bar on stderr for big files, only on a terminal; nothing otherwise."""

    def __init__(self, total: int, *, unit: str, desc: str, minimum: int) -> None:
        self.done = 0
        self.bar: Any = None
        if total >= minimum and sys.stderr.isatty():
            # loaded only when a bar is shown, so --help starts fast
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, unit_scale=True, file=sys.stderr, desc=desc)

    def to(self, position: int) -> None:
        if self.bar is not None:
            self.bar.update(position - self.done)
        self.done = position

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --- reporting -------------------------------------------------------------------------------------


def _summary(result: ScoreResult, instrument: Instrument, input_path: str, output: str) -> dict[str, Any]:
    scores: dict[str, Any] = {}
    for key in result.score_keys:
        values = result.scores[key]
        scored = result.n_scored(key)
        mean = float(np.nanmean(values)) if scored else None
        scores[key] = {
            "scored": scored,
            "not_scorable": result.n - scored,
            "mean": mean if mean is None or math.isfinite(mean) else None,
            "bands": result.band_counts(key) if key in result.bands else None,
        }
    return {
        "instrument": instrument.key,
        "version": instrument.version,
        "band_scheme": result.band_scheme,
        "input": input_path,
        "output": output,
        "rows": result.n,
        "rows_with_missing_items": len(result.rows_with_warnings()),
        "scores": scores,
        "warnings": list(result.warnings),
    }


def _print_list(*, as_json: bool) -> None:
    instruments = list_instruments()
    if as_json:
        json.dump([i.to_summary() for i in instruments], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    for instrument in instruments:
        ages = (
            f"{instrument.age_min if instrument.age_min is not None else ''}-"
            f"{instrument.age_max if instrument.age_max is not None else ''}"
        )
        ages = "" if ages == "-" else f", ages {ages}"
        items = f"{instrument.item_keys[0]} ... {instrument.item_keys[-1]}"
        print(
            f"{instrument.key} (v{instrument.version}, {instrument.respondent}{ages}): {instrument.name.en}\n"
            f"    items {items}; scores {', '.join(instrument.score_keys)}"
        )
