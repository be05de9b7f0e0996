"""The statistics commands of ``indsats``: ``meta``, ``causal`` and ``prepost``, on CSV files.

They compute with the pure engine and need no database (nothing here imports Django). Bad input gives
a message on stderr that names the column or the row, and exit code 2; ``--json`` prints
machine-readable JSON on stdout, and any warnings go to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indsats.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.base.warnings import AnalysisWarning

if TYPE_CHECKING:
    import pandas as pd

    from indsats.engine.base.arrays import FloatArray
    from indsats.engine.statistics.causal import (
        AncovaResult,
        CovariateBalance,
        MatchingResult,
        WeightingResult,
    )

# The engine's estimators (scipy, statsmodels), pandas and numpy are imported inside the functions that
# use them: they take a tenth of a second to seconds to load, and ``indsats meta --help`` should answer at
# once.

MISSING_TOKENS = frozenset({"", "na", "nan", "n/a", "null", "none", "."})


class InputFileError(Exception):
    """A problem with the input file that the user must fix; the message says where and how."""


# ---------------------------------------------------------------------------------------------
# Reading the CSV file
# ---------------------------------------------------------------------------------------------


def _read_table(path: str, delimiter: str) -> pd.DataFrame:
    import pandas as pd  # lazily: see the note at the top

    file = Path(path)
    if not file.is_file():
        raise InputFileError(f"{path}: no such file")
    try:
        table = pd.read_csv(file, dtype=str, keep_default_na=False, sep=delimiter, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: cannot read it as CSV ({error})") from None
    table.columns = [str(column).strip() for column in table.columns]
    return table


def _require_columns(table: pd.DataFrame, columns: Sequence[str], path: str) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise InputFileError(
            f"{path}: column {', '.join(repr(c) for c in missing)} not found; the file has columns "
            f"{', '.join(repr(c) for c in table.columns)}"
        )


def _row_label(index: int) -> str:
    return f"row {index + 1} (line {index + 2} of the file)"


def _numeric_column(
    table: pd.DataFrame, column: str, decimal: str, *, allow_missing: bool = True
) -> FloatArray:
    """The column as floats; empty/NA cells are NaN; text names its row."""
    import numpy as np  # lazily: see the note at the top
    import pandas as pd

    raw = table[column].astype(str).str.strip()
    is_missing = raw.str.lower().isin(MISSING_TOKENS)
    text = raw.str.replace(decimal, ".", regex=False) if decimal != "." else raw
    values = pd.to_numeric(text.where(~is_missing), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & ~is_missing.to_numpy()
    if bad.any() or np.isinf(values).any():
        index = int(np.flatnonzero(bad | np.isinf(values))[0])
        raise InputFileError(
            f"{_row_label(index)}: column {column!r} has the value {raw.iloc[index]!r}, which is not a number"
        )
    if not allow_missing and is_missing.any():
        index = int(np.flatnonzero(is_missing.to_numpy())[0])
        raise InputFileError(f"{_row_label(index)}: column {column!r} is empty; every row needs a value")
    return values


def _binary_column(table: pd.DataFrame, column: str, decimal: str) -> FloatArray:
    import numpy as np  # lazily: see the note at the top

    values = _numeric_column(table, column, decimal)
    bad = ~np.isnan(values) & (values != 0) & (values != 1)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise InputFileError(
            f"{_row_label(index)}: column {column!r} must be 0 (comparison) or 1 (intervention), "
            f"got {table[column].iloc[index]!r}"
        )
    return values


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def _json_number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _print_json(payload: dict[str, Any]) -> None:
    json.dump(payload, sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def _print_warnings(warnings: Sequence[AnalysisWarning]) -> None:
    for warning in warnings:
        print(f"warning [{warning.code}]: {warning.message}", file=sys.stderr)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace | int:
    try:
        return parser.parse_args(list(argv))
    except SystemExit as stop:  # argparse has printed its message to stderr
        return int(stop.code) if isinstance(stop.code, int) else EXIT_BAD_INPUT


def _add_file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    parser.add_argument(
        "--delimiter", default=",", help="field separator (default ','; ';' for Danish Excel)"
    )
    parser.add_argument("--decimal", default=".", help="decimal mark (default '.'; ',' for Danish Excel)")


# ---------------------------------------------------------------------------------------------
# indsats meta
# ---------------------------------------------------------------------------------------------


def meta_main(argv: Sequence[str]) -> int:
    """``indsats meta STUDIES.csv [--method reml|dl|fe] [--json]``: pool effect sizes."""
    parser = argparse.ArgumentParser(
        prog="indsats meta",
        description="Meta-analysis of effect sizes: columns yi (effect), vi (its variance), optional study.",
    )
    parser.add_argument("studies", metavar="STUDIES.csv")
    parser.add_argument("--method", choices=["reml", "dl", "fe"], default="reml")
    parser.add_argument("--knapp-hartung", action="store_true", help="Knapp-Hartung t-based interval")
    parser.add_argument("--confidence", type=float, default=0.95)
    _add_file_options(parser)
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    import numpy as np  # lazily: see the note at the top

    from indsats.engine.statistics.meta_analysis import meta_analyse

    try:
        table = _read_table(args.studies, args.delimiter)
        _require_columns(table, ["yi", "vi"], args.studies)
        yi = _numeric_column(table, "yi", args.decimal, allow_missing=False)
        vi = _numeric_column(table, "vi", args.decimal, allow_missing=False)
        non_positive = np.flatnonzero(vi <= 0)
        if non_positive.size:
            raise InputFileError(
                f"{_row_label(int(non_positive[0]))}: column 'vi' must be a variance > 0, "
                f"got {table['vi'].iloc[int(non_positive[0])]!r}"
            )
        labels = table["study"].tolist() if "study" in table.columns else None
        result = meta_analyse(
            yi,
            vi,
            method=args.method,
            study_labels=labels,
            confidence=args.confidence,
            knapp_hartung=args.knapp_hartung,
        )
    except (InputFileError, StatisticsInputError) as error:
        return _fail(str(error))
    if args.json:
        _print_json(
            {
                "estimate": _json_number(result.estimate),
                "se": _json_number(result.se),
                "ci_low": _json_number(result.ci_low),
                "ci_high": _json_number(result.ci_high),
                "tau2": _json_number(result.tau2),
                "i2": _json_number(result.i2),
                "q": _json_number(result.q),
                "k": result.k,
            }
        )
        _print_warnings(result.warnings)
    else:
        print(result.summary())
        print("\nStudies (effect, 95 % CI, weight):")
        for study in result.studies:
            print(
                f"  {study.label}: {study.effect:.4f} ({study.ci_low:.4f} to {study.ci_high:.4f}), "
                f"{study.weight_percent:.1f} %"
            )
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# indsats causal
# ---------------------------------------------------------------------------------------------


def _balance_json(balance: Sequence[CovariateBalance]) -> dict[str, dict[str, float | None]]:
    return {
        b.covariate: {"smd_before": _json_number(b.smd_before), "smd_after": _json_number(b.smd_after)}
        for b in balance
    }


def causal_main(argv: Sequence[str]) -> int:
    """``indsats causal DATA.csv --treatment COL --outcome COL --covariates A,B [--method ...]``."""
    parser = argparse.ArgumentParser(
        prog="indsats causal",
        description="Treatment effect by propensity-score matching (ATT), inverse-probability weighting "
        "or ANCOVA.",
    )
    parser.add_argument("data", metavar="DATA.csv")
    parser.add_argument("--treatment", required=True, help="column with 1 = intervention, 0 = comparison")
    parser.add_argument("--outcome", required=True, help="column with the outcome")
    parser.add_argument("--covariates", default="", help="comma-separated covariate columns")
    parser.add_argument("--method", choices=["psm", "ipw", "ancova"], default="psm")
    parser.add_argument("--estimand", choices=["ate", "att"], default="ate", help="for ipw (default ate)")
    parser.add_argument("--caliper", default="0.2", help="psm: caliper in SDs of the logit score, or 'none'")
    parser.add_argument("--ratio", type=int, default=1, help="psm: comparison children per treated child")
    parser.add_argument(
        "--without-replacement", action="store_true", help="psm: use each comparison child once"
    )
    parser.add_argument("--baseline", help="ancova: baseline score column")
    parser.add_argument("--cluster", help="ancova: cluster column (e.g. municipality) for cluster-robust SEs")
    parser.add_argument("--confidence", type=float, default=0.95)
    _add_file_options(parser)
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    import numpy as np  # lazily: see the note at the top

    from indsats.engine.statistics.causal import (
        ancova,
        inverse_probability_weighting,
        propensity_score_matching,
    )

    covariates = [name.strip() for name in args.covariates.split(",") if name.strip()]
    if args.method in ("psm", "ipw") and not covariates:
        return _fail("--covariates: give at least one covariate column for psm or ipw")
    try:
        caliper = None if args.caliper.strip().lower() == "none" else float(args.caliper)
    except ValueError:
        return _fail(f"--caliper: expected a number or 'none', got {args.caliper!r}")
    try:
        table = _read_table(args.data, args.delimiter)
        needed = [args.treatment, args.outcome, *covariates]
        needed += [column for column in (args.baseline, args.cluster) if column]
        _require_columns(table, needed, args.data)
        treatment = _binary_column(table, args.treatment, args.decimal)
        outcome = _numeric_column(table, args.outcome, args.decimal)
        x = (
            np.column_stack([_numeric_column(table, c, args.decimal) for c in covariates])
            if covariates
            else None
        )
        result: MatchingResult | WeightingResult | AncovaResult
        if args.method == "psm":
            assert x is not None
            result = propensity_score_matching(
                outcome,
                treatment,
                x,
                covariate_names=covariates,
                ratio=args.ratio,
                caliper=caliper,
                replace=not args.without_replacement,
                confidence=args.confidence,
            )
        elif args.method == "ipw":
            assert x is not None
            result = inverse_probability_weighting(
                outcome,
                treatment,
                x,
                covariate_names=covariates,
                estimand=args.estimand,
                confidence=args.confidence,
            )
        else:
            baseline = _numeric_column(table, args.baseline, args.decimal) if args.baseline else None
            clusters = None
            if args.cluster:
                cells = table[args.cluster].astype(str).str.strip()
                clusters = cells.where(~cells.str.lower().isin(MISSING_TOKENS)).to_numpy(dtype=object)
            result = ancova(
                outcome,
                treatment,
                baseline=baseline,
                covariates=x,
                covariate_names=covariates or None,
                clusters=clusters,
                confidence=args.confidence,
            )
    except (InputFileError, StatisticsInputError) as error:
        return _fail(str(error))
    if args.json:
        _print_json(
            {
                result.estimand: _json_number(result.estimate),
                "se": _json_number(result.se),
                "ci_low": _json_number(result.ci_low),
                "ci_high": _json_number(result.ci_high),
                "n_treated": result.n_treated,
                "n_control": result.n_control,
                "balance": _balance_json(result.balance),
            }
        )
        _print_warnings(result.warnings)
    else:
        print(result.summary())
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# indsats prepost
# ---------------------------------------------------------------------------------------------


def prepost_main(argv: Sequence[str]) -> int:
    """``indsats prepost DATA.csv --pre COL --post COL [--reliability R] [--json]``: change over time."""
    parser = argparse.ArgumentParser(
        prog="indsats prepost",
        description="Pre-post change: mean change, Hedges' g, Jacobson-Truax reliable and clinical change.",
    )
    parser.add_argument("data", metavar="DATA.csv")
    parser.add_argument("--pre", required=True, help="column with the score before")
    parser.add_argument("--post", required=True, help="column with the score after")
    parser.add_argument(
        "--reliability", type=float, help="the instrument's reliability (e.g. Cronbach's alpha)"
    )
    parser.add_argument("--sd-reference", type=float, help="norm SD for the reliable change index")
    parser.add_argument("--cutoff", type=float, help="clinical cutoff for clinically significant change")
    parser.add_argument("--lower-is-better", action="store_true", help="lower scores are better (e.g. SDQ)")
    parser.add_argument(
        "--bootstrap", type=int, default=0, help="bootstrap replicates (0 = none, else >= 100)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for the bootstrap")
    parser.add_argument("--confidence", type=float, default=0.95)
    _add_file_options(parser)
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    from indsats.engine.statistics.pre_post import analyse_pre_post  # lazily: see the note at the top

    try:
        table = _read_table(args.data, args.delimiter)
        _require_columns(table, [args.pre, args.post], args.data)
        pre = _numeric_column(table, args.pre, args.decimal)
        post = _numeric_column(table, args.post, args.decimal)
        result = analyse_pre_post(
            pre,
            post,
            reliability=args.reliability,
            sd_reference=args.sd_reference,
            clinical_cutoff=args.cutoff,
            higher_is_better=not args.lower_is_better,
            confidence=args.confidence,
            bootstrap_replicates=args.bootstrap,
            seed=args.seed,
        )
    except (InputFileError, StatisticsInputError) as error:
        return _fail(str(error))
    if args.json:
        payload = result.to_dict()
        payload.pop("warnings", None)
        _print_json(payload)
        _print_warnings(result.warnings)
    else:
        print(result.summary())
    return EXIT_OK
