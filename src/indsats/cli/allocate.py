"""``indsats allocate FILE.csv --budget N [--top K] [--must-include KEY] [--must-exclude KEY]
[--group-min NAME=N] [--group-max NAME=N] [--group-cost NAME=AMOUNT] [--json]``: the allocation helper
from the command line, with the same engine as the web page (engine/allocation.py).

The CSV file (comma or semicolon separated, UTF-8, a header row) has the columns ``key``, ``name``,
``cost`` and ``value``, and optionally ``min_share`` and ``max_share`` (part-funding: 0 < min <= max <= 1)
and ``group`` (a group name per row, for the --group-* limits). Numbers are plain decimals with a point
or a comma as the decimal mark (``12000000``, ``0.75``, ``0,75``); anything else, a thousands separator
included, is refused with the line and column, so a value is never misread or silently rounded. Costs
and values must be 0 or more. Needs no database and imports no Django. Exit codes: 0 on success, 2 for
input that cannot be used (the message on stderr says where).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from indsats.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK

REQUIRED_COLUMNS = ("key", "name", "cost", "value")
OPTIONAL_COLUMNS = ("min_share", "max_share", "group")
PLAIN_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")


class InputProblem(Exception):
    """Input the command cannot use; the text names the line and column."""


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    cost: Decimal
    value: Decimal
    min_share: Decimal
    max_share: Decimal
    group: str


def parse_number(text: str, *, line: int, column: str, allow_negative: bool = False) -> Decimal:
    """A plain decimal read exactly (Decimal, no rounding); refuse thousands separators and negatives."""
    written = text.strip()
    if not PLAIN_NUMBER.match(written):
        raise InputProblem(
            f"line {line}, column {column}: {written!r} is not a plain number; write digits with at most "
            "one decimal mark and no thousands separator, e.g. 12000000 or 0.75"
        )
    number = Decimal(written.replace(",", "."))
    if number < 0 and not allow_negative:
        raise InputProblem(
            f"line {line}, column {column}: {written} is negative; costs and values must be 0 or more "
            "(a candidate that does harm should be left out, not given a negative value)"
        )
    return number


def read_rows(text: str) -> list[Row]:
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text.strip() else ",", delimiters=";,")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InputProblem(f"line 1: the header lacks the column(s) {', '.join(missing)}")
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InputProblem(
            f"line 1: unknown column(s) {', '.join(unknown)}; the columns are "
            f"{', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
        )
    reader.fieldnames = header
    rows: list[Row] = []
    for line, raw in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(cells.values()):
            continue
        if not cells.get("key"):
            raise InputProblem(f"line {line}, column key: give each candidate a key")
        rows.append(
            Row(
                key=cells["key"],
                name=cells.get("name") or cells["key"],
                cost=parse_number(cells.get("cost", ""), line=line, column="cost"),
                value=parse_number(cells.get("value", ""), line=line, column="value"),
                min_share=parse_number(cells["min_share"], line=line, column="min_share")
                if cells.get("min_share")
                else Decimal(1),
                max_share=parse_number(cells["max_share"], line=line, column="max_share")
                if cells.get("max_share")
                else Decimal(1),
                group=cells.get("group", ""),
            )
        )
    if not rows:
        raise InputProblem("the file has no candidates")
    return rows


def _limit(text: str) -> tuple[str, str]:
    name, sep, amount = text.partition("=")
    if not sep or not name.strip() or not amount.strip():
        raise argparse.ArgumentTypeError(f"write NAME=NUMBER, not '{text}'")
    return name.strip(), amount.strip()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="indsats allocate",
        description="Recommend which candidates to fund within a budget (the allocation helper). "
        "It recommends; people decide. The model is described in docs/allocation.md.",
    )
    parser.add_argument(
        "file", metavar="FILE.csv", help="candidates: key, name, cost, value[, min_share, max_share, group]"
    )
    parser.add_argument("--budget", required=True, help="the budget in kroner (a plain number)")
    parser.add_argument("--top", type=int, default=5, help="how many best combinations to show (default 5)")
    parser.add_argument("--must-include", action="append", default=[], metavar="KEY")
    parser.add_argument("--must-exclude", action="append", default=[], metavar="KEY")
    parser.add_argument("--group-min", action="append", default=[], type=_limit, metavar="NAME=N")
    parser.add_argument("--group-max", action="append", default=[], type=_limit, metavar="NAME=N")
    parser.add_argument("--group-cost", action="append", default=[], type=_limit, metavar="NAME=AMOUNT")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    return parser


def _whole(text: str, option: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise InputProblem(f"{option}: {text!r} is not a whole number")
    return int(text)


def _inputs(args: argparse.Namespace, rows: list[Row]) -> tuple[list[Any], Decimal, Any]:
    # the engine (numpy, scipy) loads only once the arguments are read, so --help answers at once
    from indsats.engine.allocation import AllocationConstraints, Candidate, GroupConstraint

    budget = parse_number(args.budget, line=0, column="--budget").normalize()
    candidates = [
        Candidate(r.key, r.name, float(r.cost), float(r.value), float(r.min_share), float(r.max_share))
        for r in rows
    ]
    names = {r.group for r in rows if r.group}
    for option, limits in (
        ("--group-min", args.group_min),
        ("--group-max", args.group_max),
        ("--group-cost", args.group_cost),
    ):
        for name, _amount in limits:
            if name not in names:
                raise InputProblem(f"{option}: no candidate is in the group {name!r}")
    groups = []
    for name in sorted(names):
        keys = tuple(r.key for r in rows if r.group == name)
        minimum = [_whole(a, "--group-min") for n, a in args.group_min if n == name]
        maximum = [_whole(a, "--group-max") for n, a in args.group_max if n == name]
        cost = [parse_number(a, line=0, column="--group-cost") for n, a in args.group_cost if n == name]
        groups.append(
            GroupConstraint(
                name=name,
                keys=keys,
                min_selected=minimum[-1] if minimum else 0,
                max_selected=maximum[-1] if maximum else None,
                max_cost=float(cost[-1]) if cost else None,
            )
        )
    constraints = AllocationConstraints(
        groups=tuple(groups), must_include=tuple(args.must_include), must_exclude=tuple(args.must_exclude)
    )
    return candidates, budget, constraints


def main(argv: list[str]) -> int:
    """Run the command; returns the exit code (0 ok, 2 bad input)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # argparse has printed usage or help
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"indsats allocate: cannot read {path}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        rows = read_rows(text)
        candidates, budget, constraints = _inputs(args, rows)
    except InputProblem as problem:
        where = "" if str(problem).startswith("--") else f"{path}: "
        print(f"{where}{problem}".replace("line 0, column ", ""), file=sys.stderr)
        return EXIT_BAD_INPUT

    from indsats.engine.allocation import AllocationInputError, recommend_allocation

    try:
        result = recommend_allocation(candidates, budget, constraints=constraints, top_k=args.top)
    except AllocationInputError as error:
        print(f"{path}: {error.field}: {error.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(result.summary())
    return EXIT_OK
