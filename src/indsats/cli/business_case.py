"""``indsats business-case CASE.json [--draws N] [--seed S] [--json]``: compute a business case from a file.

Needs no database and imports no Django. The file format is documented in docs/business-case.md. Exit
codes: 0 on success, 2 for a file that cannot be read or a case that is wrong (the message on stderr
names the field and what is wrong with it).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indsats.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK

# show a progress bar only for Monte Carlo runs long enough to notice (and only on a terminal)
PROGRESS_MIN_DRAWS = 200_000


def _draw_count(text: str) -> int:
    # the model (and scipy with it) is loaded only when --draws is given, so that --help answers at once
    from indsats.engine.investment.model import MAX_DRAWS

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not '{text}'") from None
    if not 0 <= value <= MAX_DRAWS:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_DRAWS}, not {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="indsats business-case",
        description="Compute a business case (investment model) from a JSON case file. "
        "The format is described in docs/business-case.md.",
    )
    parser.add_argument("case_file", metavar="CASE.json", help="the case file")
    parser.add_argument(
        "--draws", type=_draw_count, default=0, help="Monte Carlo draws (default 0: no simulation)"
    )
    parser.add_argument("--seed", type=_seed, default=0, help="random seed for the draws (default 0)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    return parser


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not a number JSON allows")


def _progress_bar(draws: int) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    if draws < PROGRESS_MIN_DRAWS or not sys.stderr.isatty():
        return None, lambda: None
    # loaded after the arguments are read, so --help starts fast
    from tqdm import tqdm

    bar = tqdm(total=draws, unit="draws", file=sys.stderr, desc="Monte Carlo")

    def advance(finished: int) -> None:
        bar.update(finished)

    return advance, bar.close


def main(argv: list[str]) -> int:
    """Run the command; returns the exit code (0 ok, 2 bad input)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # argparse has printed usage or help
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT

    path = Path(args.case_file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"indsats business-case: cannot read {path}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        print(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except ValueError as error:
        print(f"{path}: not valid JSON: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT

    # loaded only now that there is a case to compute: the model imports scipy, which takes longer than
    # ``indsats business-case --help`` should take to answer
    from indsats.engine.investment.case_document import CaseError, parse_case

    # numpy and scipy load with the model: only after the arguments are read
    from indsats.engine.investment.model import compute_case

    progress, close_progress = _progress_bar(args.draws)
    try:
        case = parse_case(data)
        result = compute_case(case, draws=args.draws, seed=args.seed, progress=progress)
    except CaseError as error:
        print(f"{path}: {error.field}: {error.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        close_progress()

    if args.json:
        json.dump(_finite(result.to_dict()), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(result.summary())
    return EXIT_OK


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such a number (e.g. from an overflowing input) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value
