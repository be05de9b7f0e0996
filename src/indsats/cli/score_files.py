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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indsats.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from indsats.engine.instruments import Instrument, UnknownInstrument, list_instruments, load_instrument
from indsats.engine.scoring import AnswerError, ScoreResult, score

PROG = "indsats score"
DELIMITERS = (",", ";", "\t")
# write with a progress bar only for files big enough to notice (and only on a terminal)
PROGRESS_MIN_ROWS = 200_000
WRITE_CHUNK_ROWS = 20_000


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
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{PROG}: cannot read {path}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        table = _read_table(text)
        answers = _answers(instrument, table)
        result = score(instrument, answers, band_scheme=args.bands)
    except InputError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except AnswerError as error:
        print(f"{path}: {_describe_answer_error(error, table.lines)}", file=sys.stderr)
        return EXIT_BAD_INPUT

    columns = _output_columns(instrument, result)
    clash = [name for name in columns if name in table.header]
    if clash:
        print(
            f"{path}: the input already has the column(s) {', '.join(clash)} that the scores would be "
            "written to; remove or rename them",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    rows = _output_rows(table, columns)
    try:
        _write(args.output, table.delimiter, [*table.header, *columns.keys()], rows)
    except OSError as error:
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


class _Table:
    """The input file: header, data rows (blank lines dropped) and each row's line number."""

    def __init__(self, header: list[str], rows: list[list[str]], lines: list[int], delimiter: str) -> None:
        self.header = header
        self.rows = rows
        self.lines = lines
        self.delimiter = delimiter


def _read_table(text: str) -> _Table:
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise InputError("the file is empty or its first line (the header) is blank")
    # the delimiter is the one of , ; TAB that occurs most often in the header line
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # a blank line (Excel often leaves some at the end)
            if len(row) != len(header):
                raise InputError(
                    f"row {len(rows) + 1} (line {reader.line_num}) has {len(row)} fields but the header has "
                    f"{len(header)}"
                )
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as error:
        raise InputError(f"line {reader.line_num}: not valid CSV: {error}") from None
    duplicates = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicates:
        raise InputError(f"the header has the column(s) {', '.join(duplicates)} more than once")
    return _Table(header, rows, lines, delimiter)


def _answers(instrument: Instrument, table: _Table) -> npt.NDArray[np.float64]:
    """The item columns as an ``n x items`` float array, NaN for empty cells; errors name row and column."""
    by_lower = {name.lower(): position for position, name in enumerate(table.header)}
    positions = []
    missing = []
    for key in instrument.item_keys:
        position = by_lower.get(key.lower())
        if position is None:
            missing.append(key)
        else:
            positions.append(position)
    if missing:
        raise InputError(
            f"the item column(s) {', '.join(missing)} are missing; {instrument.key} needs the columns "
            f"{instrument.item_keys[0]} ... {instrument.item_keys[-1]} ({len(instrument.item_keys)} in all; "
            "see indsats score --list --json)"
        )
    if not table.rows:
        return np.empty((0, len(positions)), dtype=np.float64)
    cells = np.array([[row[p] for p in positions] for row in table.rows], dtype=np.str_)
    cells = np.char.replace(np.char.strip(cells), ",", ".")  # a Danish decimal comma
    empty = cells == ""
    try:
        values = np.where(empty, "nan", cells).astype(np.float64)
    except ValueError:
        values = _parse_cell_by_cell(cells, empty, instrument.item_keys, table.lines)
    bad = ~empty & ~np.isfinite(values)  # "nan" or "inf" typed into a cell
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise InputError(
            _cell_message(row, table.lines[row], instrument.item_keys[column], "is not a number")
        )
    return values


def _parse_cell_by_cell(
    cells: npt.NDArray[np.str_], empty: npt.NDArray[np.bool_], keys: Sequence[str], lines: Sequence[int]
) -> npt.NDArray[np.float64]:
    """Only reached when some cell is not a number: find the first one to name it."""
    for row in range(cells.shape[0]):
        for column in range(cells.shape[1]):
            if empty[row, column]:
                continue
            try:
                float(cells[row, column])
            except ValueError:
                raise InputError(
                    _cell_message(row, lines[row], keys[column], f"'{cells[row, column]}' is not a number")
                ) from None
    raise AssertionError("unreachable: some cell failed to parse")  # pragma: no cover


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


def _output_columns(instrument: Instrument, result: ScoreResult) -> dict[str, npt.NDArray[np.str_]]:
    """Output column name -> its cells as text: the scores, then a ``_band`` column per banded score."""
    decimals = {s.key: s.decimals for s in instrument.subscales}
    decimals.update({c.key: c.decimals for c in instrument.composites})
    columns: dict[str, npt.NDArray[np.str_]] = {}
    for key in result.score_keys:
        columns[key] = _format_scores(result.scores[key], decimals[key])
    for key in result.score_keys:
        if key in result.bands:
            columns[f"{key}_band"] = result.bands[key]
    return columns


def _format_scores(values: npt.NDArray[np.float64], decimals: int | None) -> npt.NDArray[np.str_]:
    pattern = f"%.{decimals}f" if decimals is not None else "%.10g"
    text = np.char.mod(pattern, np.where(np.isnan(values), 0.0, values))
    text = np.where(text == "-0", "0", text)
    return np.where(np.isnan(values), "", text).astype(np.str_)


def _output_rows(table: _Table, columns: dict[str, npt.NDArray[np.str_]]) -> list[list[str]]:
    added = np.column_stack(list(columns.values())).tolist() if table.rows else []
    return [row + extra for row, extra in zip(table.rows, added, strict=True)]


def _write(output: str | None, delimiter: str, header: list[str], rows: list[list[str]]) -> None:
    """Write the CSV: to stdout, or all-or-nothing to a file (a temporary file renamed into place)."""
    if output is None or output == "-":
        writer = csv.writer(sys.stdout, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    target = Path(output)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, renamed into place)
        "w", encoding="utf-8", newline="", dir=target.parent, prefix=f".{target.name}.", delete=False
    )
    try:
        with handle:
            writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
            writer.writerow(header)
            advance, close = _progress_bar(len(rows))
            try:
                for start in range(0, len(rows), WRITE_CHUNK_ROWS):
                    chunk = rows[start : start + WRITE_CHUNK_ROWS]
                    writer.writerows(chunk)
                    advance(len(chunk))
            finally:
                close()
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _progress_bar(total: int) -> tuple[Callable[[int], Any], Callable[[], Any]]:
    if total < PROGRESS_MIN_ROWS or not sys.stderr.isatty():
        return (lambda _n: None), (lambda: None)
    # loaded after the arguments are read, so --help starts fast
    from tqdm import tqdm

    bar = tqdm(total=total, unit="rows", file=sys.stderr, desc="writing")
    return bar.update, bar.close


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
