"""``indsats score INSTRUMENT IN.csv -o OUT.csv``: score questionnaires in a CSV file, no database needed.

The input has one row per questionnaire and a column per item, named by the item keys of the instrument
(for the SDQ ``sdq1`` ... ``sdq25`` in the official item order, values 0, 1, 2 or empty for missing).
Any other columns (an id, a date) are kept as they are. The output is the input with one column per
score (``emotional``, ... ``total_difficulties``; empty where the rule says it cannot be scored) and a
``<score>_band`` column per score that has norm bands. The delimiter (comma, semicolon or tab) is read
from the header line and used for the output too, so a Danish Excel file (semicolons, decimal commas)
round-trips.

``indsats score --list`` lists the instruments. ``--json`` prints a machine-readable summary on stdout
(keys in docs/instruments.md). Exit codes: 0 on success, 2 for bad input; the message on stderr names
the row (counted from 1 after the header, with the file's line number) and the column.

Imports no Django. This module only reads the arguments, so that ``indsats score --help`` starts at
once; the work (numpy and the engine) is in ``score_files``.
"""

from __future__ import annotations

import argparse

from indsats.cli.exit_codes import EXIT_BAD_INPUT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="indsats score",
        description="Score questionnaires in a CSV file (one row per questionnaire, one column per item). "
        "Instruments and file format: docs/instruments.md.",
    )
    parser.add_argument(
        "instrument", nargs="?", metavar="INSTRUMENT", help="instrument key, e.g. sdq-parent-4-17"
    )
    parser.add_argument("input", nargs="?", metavar="IN.csv", help="the answers")
    parser.add_argument(
        "-o", "--output", metavar="OUT.csv", help="where to write the scored file (default: stdout)"
    )
    parser.add_argument(
        "--bands",
        metavar="SCHEME",
        help="the band scheme for the _band columns (default: the instrument's first, e.g. four_band)",
    )
    parser.add_argument(
        "--instrument-version",
        type=int,
        metavar="N",
        help="the instrument definition's version (default: the newest)",
    )
    parser.add_argument("--list", action="store_true", help="list the instruments and exit")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    return parser


def main(argv: list[str]) -> int:
    """Run the command; returns the exit code (0 ok, 2 bad input)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # argparse has printed usage or help
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    # loaded only now that there is work to do: numpy and the engine take longer to import than
    # ``indsats score --help`` should take to answer
    from indsats.cli import score_files

    return score_files.run(args)
