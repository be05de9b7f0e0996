"""Scoring questionnaires: an instrument definition applied to a 2-D array of answers, vectorised.

Rows are respondents, columns the instrument's items in ``instrument.item_keys`` order, values floats with
NaN for a missing answer. Per row, for a subscale with ``n`` items of which ``k`` are answered, after
reverse-scoring (``min + max - answer`` on the item's scale) and the subscale's ``recode``:

* ``sum``:          ``S = sum of the answered items`` (a missing item adds 0), scored if
                    ``k >= min_answered``;
* ``prorated_sum``: ``S = sum / k * n``, i.e. the mean of the answered items times the number of items,
                    scored if ``k >= min_answered``. This is the SDQ's rule: "the mean of the answered items
                    times 5, rounded, when at least 3 of 5 are answered" (youthinmind's scoring syntax,
                    sdqinfo.org: SPSS ``RND(MEAN.3(...)*5)``);
* ``mean``:         ``S = sum / k``, scored if ``k >= min_answered``;

then rounded to ``decimals`` places **half away from zero** (SPSS ``RND``, Stata ``round``, the official R
syntax's ``floor(x + 0.5)``; numpy's ``round`` rounds half to even and would give 2 for the SDQ's 2.5 where
the official syntax gives 3), and set to 0 where ``zero_when`` holds (the SDQ impact score is 0 when the
respondent reports no difficulties). A composite is ``factor * sum(components)`` and is missing when any
component is missing (the SDQ total difficulties; the WHO-5 percentage = raw x 4).

Bands: a score gets the code of the last band whose lower limit it reaches (bands are listed from low to
high scores); a missing score gets the empty code "".

No loop runs over rows: every step is a numpy operation over all rows at once (100,000 parent SDQs,
validation and bands included, take about 0.1 s on a shared 2-core machine, about six times a bare
``nansum`` over the same array and several times faster than a per-row Python loop).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from indsats.engine import ENGINE_VERSION
from indsats.engine.base.errors import EngineError
from indsats.engine.instruments import AnswerScale, Band, Instrument, Subscale

__all__ = [
    "AnswerError",
    "AnswerProblem",
    "ScoreResult",
    "assign_bands",
    "classify_change",
    "round_half_away_from_zero",
    "score",
    "validate_answers",
]

# How many offending cells an AnswerError spells out before it says "and N more", and how many it keeps
# in ``problems`` (a file coded 1-3 instead of 0-2 has millions).
MAX_PROBLEMS_SHOWN = 5
MAX_PROBLEMS_KEPT = 1000
# Relative tolerance when checking that a continuous answer is a multiple of its step (6.3 / 0.1 is not
# exactly 63 in binary floating point).
_STEP_TOLERANCE = 1e-6
# Added before flooring when rounding half away from zero, so that a half computed with a tiny binary
# error (2.4999999999999996) still rounds up, as SPSS's RND does with its fuzz bits.
_ROUNDING_FUZZ = 1e-9

FloatArray = npt.NDArray[np.float64]
CodeArray = npt.NDArray[np.str_]


@dataclass(frozen=True)
class AnswerProblem:
    """One answer that is not on its item's scale. ``row`` counts from 0; messages count from 1."""

    row: int
    item: str
    value: float
    reason: str

    def describe(self) -> str:
        return f"row {self.row + 1}, {self.item}: {self.reason}"


class AnswerError(EngineError):
    """Answers that cannot be scored. The message names the row(s) and item(s) and what is wrong.

    ``problems`` lists the offending cells (row counted from 0; the first 1,000) so that a caller (the
    CLI, an import) can re-phrase the position in its own terms, e.g. a spreadsheet line number;
    ``n_problems`` counts them all. ``str(error)`` is the message alone (it names its cells itself).
    """

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "answers_not_numbers": "answers: must be numbers (NaN for a missing answer)",
        "answers_wrong_shape": (
            "answers: {instrument} has {n_items} items ({items}), so the answers must be an array with "
            "{n_items} columns; got shape {shape}"
        ),
        "answers_off_scale": "{details}",
    }
    EXTRA_PARAMS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "answers_off_scale": ("count", "row", "item", "value"),
    }

    def __init__(
        self,
        field: str,
        code: str,
        /,
        *,
        problems: tuple[AnswerProblem, ...] = (),
        n_problems: int | None = None,
        **params: Any,
    ) -> None:
        super().__init__(field, code, **params)
        self.args = (self.message,)
        self.problems = problems
        self.n_problems = len(problems) if n_problems is None else n_problems


def round_half_away_from_zero(values: FloatArray, decimals: int = 0) -> FloatArray:
    """Round to ``decimals`` places with halves away from zero (2.5 -> 3, -2.5 -> -3), NaN kept.

    This is SPSS's ``RND`` and Stata's ``round``, the rounding of the SDQ's official scoring syntax
    (youthinmind, sdqinfo.org); ``numpy.round`` rounds halves to the even neighbour instead.
    """
    scale = 10.0**decimals
    magnitude = np.floor(np.abs(values) * scale + 0.5 + _ROUNDING_FUZZ) / scale
    return np.asarray(np.copysign(magnitude, values), dtype=np.float64)


def validate_answers(instrument: Instrument, answers: npt.ArrayLike, *, copy: bool = True) -> FloatArray:
    """Check an answers array against the instrument and return it as a 2-D float array (a copy, unless
    ``copy=False`` and ``answers`` is one already: ``score`` only reads it, and a million rows are 200 MB).

    ``answers`` is ``n x items`` (a single respondent may be given as a 1-D array of the items) with NaN
    for a missing answer. Every answer must be one of its scale's values (discrete scales) or lie in the
    range and on the step of a continuous scale. Raises ``AnswerError`` naming the first offending cells,
    e.g. ``row 4, sdq7: value 3 is outside the scale 0-2`` (rows counted from 1).
    """
    try:
        matrix = np.array(answers, dtype=np.float64, copy=True if copy else None)
    except (TypeError, ValueError):
        raise AnswerError("answers", "answers_not_numbers") from None
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    n_items = len(instrument.items)
    if matrix.ndim != 2 or matrix.shape[1] != n_items:
        raise AnswerError(
            "answers",
            "answers_wrong_shape",
            instrument=instrument.key,
            n_items=n_items,
            items=", ".join(instrument.item_keys),
            shape=matrix.shape,
        )

    invalid = np.zeros(matrix.shape, dtype=bool)
    for scale_key, scale in instrument.scales.items():  # all items on one scale are checked at once
        columns_on_scale = [j for j, item in enumerate(instrument.items) if item.scale == scale_key]
        if len(columns_on_scale) == n_items:
            invalid = _off_scale(matrix, scale)
        elif columns_on_scale:
            invalid[:, columns_on_scale] = _off_scale(matrix[:, columns_on_scale], scale)
    if not invalid.any():
        return matrix

    rows, columns = np.nonzero(invalid)  # row-major: sorted by row, then item
    total_problems = len(rows)
    rows, columns = rows[:MAX_PROBLEMS_KEPT], columns[:MAX_PROBLEMS_KEPT]
    problems = tuple(
        AnswerProblem(
            row=int(row),
            item=instrument.items[column].key,
            value=float(matrix[row, column]),
            reason=_reason(float(matrix[row, column]), instrument.scales[instrument.items[column].scale]),
        )
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True)
    )
    shown = "; ".join(problem.describe() for problem in problems[:MAX_PROBLEMS_SHOWN])
    more = total_problems - MAX_PROBLEMS_SHOWN
    first = problems[0]
    raise AnswerError(
        first.item,
        "answers_off_scale",
        problems=problems,
        n_problems=total_problems,
        details=shown + (f" (and {more} more)" if more > 0 else ""),
        count=total_problems,
        row=first.row + 1,
        item=first.item,
        value=first.value,
    )


def _off_scale(column: npt.NDArray[np.float64], scale: AnswerScale) -> npt.NDArray[np.bool_]:
    present = ~np.isnan(column)
    if scale.is_discrete:
        allowed = np.zeros(column.shape, dtype=bool)
        for value in scale.allowed_values:  # a handful of values: faster than np.isin's sort
            allowed |= column == value
        return np.asarray(present & ~allowed)
    outside = (column < scale.minimum) | (column > scale.maximum) | np.isinf(column)
    step = scale.step if scale.step is not None else 1.0  # a continuous scale always has a step
    steps = (column - scale.minimum) / step
    off_step = np.abs(steps - np.round(steps)) > _STEP_TOLERANCE * np.maximum(1.0, np.abs(steps))
    return np.asarray(present & (outside | off_step))


def _reason(value: float, scale: AnswerScale) -> str:
    if not np.isfinite(value):
        return f"value {value} is not a number on the scale {scale.describe()}"
    if value < scale.minimum or value > scale.maximum:
        return f"value {value:g} is outside the scale {scale.describe()}"
    if scale.is_discrete:
        allowed = ", ".join(f"{v:g}" for v in scale.allowed_values)
        return f"value {value:g} is not one of the scale's values ({allowed})"
    return f"value {value:g} is not on the scale {scale.describe()}"


@dataclass(frozen=True)
class ScoreResult:
    """Scores of ``n`` respondents on one instrument.

    ``scores[key]`` is a float array (NaN where the rule says the score cannot be computed), for every
    subscale and composite in ``score_keys``; ``bands[key]`` an array of band codes ("" where the score is
    missing) for every score that has bands in ``band_scheme``; ``answered[key]`` the number of answered
    items of each subscale. Per-row warnings (a prorated or unscorable subscale) come from
    ``row_warnings(row)``; ``warnings`` holds the ones about the whole batch.
    """

    instrument_key: str
    instrument_version: int
    band_scheme: str | None
    n: int
    score_keys: tuple[str, ...]
    scores: Mapping[str, FloatArray]
    bands: Mapping[str, CodeArray]
    band_codes: Mapping[str, tuple[str, ...]]
    answered: Mapping[str, npt.NDArray[np.int64]]
    item_counts: Mapping[str, int]
    min_answered: Mapping[str, int]
    zeroed: Mapping[str, npt.NDArray[np.bool_]]
    warnings: tuple[str, ...]
    engine_version: str = ENGINE_VERSION

    def n_scored(self, key: str) -> int:
        """How many rows have the score ``key``."""
        return int(np.count_nonzero(~np.isnan(self.scores[key])))

    def band_counts(self, key: str) -> dict[str, int]:
        """How many rows fall in each band of ``key``, bands from low to high scores (empty ones as 0)."""
        return {code: int(np.count_nonzero(self.bands[key] == code)) for code in self.band_codes[key]}

    def rows_with_warnings(self) -> npt.NDArray[np.int64]:
        """The rows (counted from 0) that have at least one warning."""
        flagged = np.zeros(self.n, dtype=bool)
        for key, answered in self.answered.items():
            flagged |= (answered < self.item_counts[key]) & ~self.zeroed[key]
        return np.flatnonzero(flagged).astype(np.int64)

    def row_warnings(self, row: int) -> tuple[str, ...]:
        """The warnings of one row (counted from 0): which subscales were prorated or could not be scored."""
        messages = []
        for key, answered in self.answered.items():
            k, n, needed = int(answered[row]), self.item_counts[key], self.min_answered[key]
            if k == n or self.zeroed[key][row]:
                continue
            if np.isnan(self.scores[key][row]):
                messages.append(f"{key}: not scored, {k} of {n} items answered (at least {needed} needed)")
            else:
                messages.append(f"{key}: scored from {k} of {n} items")
        return tuple(messages)

    def summary(self) -> str:
        """A readable summary: per score how many rows were scored, the mean and the band counts."""
        lines = [f"{self.instrument_key} v{self.instrument_version}: {self.n} rows"]
        for key in self.score_keys:
            values = self.scores[key]
            scored = self.n_scored(key)
            mean = f"mean {float(np.nanmean(values)):.2f}" if scored else "no scores"
            line = f"  {key}: {scored} scored, {self.n - scored} not scorable, {mean}"
            if key in self.bands:
                counts = self.band_counts(key)
                line += " | " + ", ".join(f"{code} {count}" for code, count in counts.items())
            lines.append(line)
        flagged = len(self.rows_with_warnings())
        if flagged:
            lines.append(f"  {flagged} rows have missing items (see the row warnings)")
        lines.extend(f"  warning: {warning}" for warning in self.warnings)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: scores as lists (``None`` for missing), band codes (``None`` for none), warnings."""
        return {
            "instrument": self.instrument_key,
            "version": self.instrument_version,
            "engine_version": self.engine_version,
            "band_scheme": self.band_scheme,
            "n": self.n,
            "scores": {
                key: [None if np.isnan(v) else v for v in self.scores[key].tolist()]
                for key in self.score_keys
            },
            "bands": {key: [code or None for code in codes.tolist()] for key, codes in self.bands.items()},
            "row_warnings": {
                str(row): list(self.row_warnings(int(row))) for row in self.rows_with_warnings()
            },
            "warnings": list(self.warnings),
        }


def score(instrument: Instrument, answers: npt.ArrayLike, *, band_scheme: str | None = None) -> ScoreResult:
    """Score every row of ``answers`` (``n x items``, NaN = missing) on ``instrument``.

    The rules are in the module docstring; the definition names their sources. ``band_scheme`` picks one
    of the instrument's band schemes (default: its first). Raises ``AnswerError`` for answers off their
    scales (``validate_answers``) and ``ValueError`` for an unknown band scheme.
    """
    matrix = validate_answers(instrument, answers, copy=False)  # read here, never written
    scheme = instrument.band_scheme(band_scheme) if (band_scheme or instrument.band_schemes) else None
    column = {key: j for j, key in enumerate(instrument.item_keys)}

    # items x rows, each item's answers contiguous: a subscale's items are then a cheap row selection
    by_item = np.ascontiguousarray(matrix.T)
    reverse = {item.key: instrument.scales[item.scale] for item in instrument.items if item.reverse}

    scores: dict[str, FloatArray] = {}
    answered: dict[str, npt.NDArray[np.int64]] = {}
    zeroed: dict[str, npt.NDArray[np.bool_]] = {}
    for subscale in instrument.subscales:
        block = by_item[[column[key] for key in subscale.items]]  # a copy, k x rows
        for position, key in enumerate(subscale.items):
            if key in reverse:
                block[position] = reverse[key].minimum + reverse[key].maximum - block[position]
        values, count = _subscale_score(subscale, block)
        zero = np.zeros(matrix.shape[0], dtype=bool)
        if subscale.zero_when is not None:
            gate = matrix[:, column[subscale.zero_when.item]]
            zero = np.isin(gate, np.array(subscale.zero_when.values, dtype=np.float64))
            values = np.where(zero, 0.0, values)
        scores[subscale.key], answered[subscale.key], zeroed[subscale.key] = values, count, zero

    for composite in instrument.composites:
        total = np.sum([scores[key] for key in composite.components], axis=0) * composite.factor
        if composite.decimals is not None:
            total = round_half_away_from_zero(total, composite.decimals)
        scores[composite.key] = np.asarray(total, dtype=np.float64)

    bands: dict[str, CodeArray] = {}
    if scheme is not None:
        for key, key_bands in scheme.bands.items():
            bands[key] = assign_bands(scores[key], key_bands)

    warnings: list[str] = []
    for subscale in instrument.subscales:
        unscorable = int(np.count_nonzero(np.isnan(scores[subscale.key])))
        if unscorable:
            warnings.append(
                f"{subscale.key}: {unscorable} of {matrix.shape[0]} rows could not be scored "
                f"(fewer than {subscale.min_answered} of {len(subscale.items)} items answered)"
            )

    return ScoreResult(
        instrument_key=instrument.key,
        instrument_version=instrument.version,
        band_scheme=scheme.key if scheme is not None else None,
        n=int(matrix.shape[0]),
        score_keys=instrument.score_keys,
        scores=scores,
        bands=bands,
        band_codes=(
            {key: tuple(band.code for band in key_bands) for key, key_bands in scheme.bands.items()}
            if scheme is not None
            else {}
        ),
        answered=answered,
        item_counts={s.key: len(s.items) for s in instrument.subscales},
        min_answered={s.key: s.min_answered for s in instrument.subscales},
        zeroed=zeroed,
        warnings=tuple(warnings),
    )


def _subscale_score(subscale: Subscale, block: FloatArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """One subscale over all rows from its (reverse-scored) items, ``items x rows``: the score (NaN where
    unscorable) and the number of answered items per row."""
    if subscale.recode:
        recoded = np.full(block.shape, np.nan)
        for answer, value in subscale.recode:
            recoded[block == answer] = value
        block = recoded
    present = ~np.isnan(block)
    count = present.sum(axis=0, dtype=np.int64)
    block[~present] = 0.0  # the block is a copy: a missing item adds nothing to the sum
    total = block.sum(axis=0)
    n_items = block.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        if subscale.rule == "sum":
            values = total
        elif subscale.rule == "prorated_sum":
            values = total * n_items / count  # = mean of the answered items x number of items
        else:  # "mean"
            values = total / count
    values = np.where(count >= subscale.min_answered, values, np.nan)
    if subscale.decimals is not None:
        values = round_half_away_from_zero(values, subscale.decimals)
    return np.asarray(values, dtype=np.float64), count


def assign_bands(values: FloatArray, bands: tuple[Band, ...]) -> CodeArray:
    """The band code of each value: the last band (listed low to high) whose minimum it reaches.

    A value below the first band's minimum or above the last band's maximum, or NaN, gets "".
    """
    values = np.asarray(values, dtype=np.float64)
    minima = np.array([band.minimum for band in bands])
    codes = np.array([band.code for band in bands] + [""])  # the last entry for "no band"
    index = np.searchsorted(minima, values, side="right") - 1
    inside = ~np.isnan(values) & (index >= 0) & (values <= bands[-1].maximum)
    return codes[np.where(inside, index, len(bands))]


def classify_change(
    instrument: Instrument, score_key: str, before: npt.ArrayLike, after: npt.ArrayLike
) -> CodeArray:
    """Reliable change between two measurements of the same people, per row.

    ``reliable_improvement`` when the score moved at least the instrument's reliable-change threshold in
    the better direction (``after - before >= threshold`` if higher is better), ``reliable_deterioration``
    when it moved that much the other way, ``no_reliable_change`` otherwise, "" where either score is
    missing. The threshold and its source are in the definition (the ORS: 5 points, Miller & Duncan 2004).
    """
    if score_key not in instrument.reliable_change:
        known = ", ".join(instrument.reliable_change) or "none"
        raise ValueError(
            f"score_key: {instrument.key} defines no reliable change for '{score_key}' (it does for: {known})"
        )
    threshold = instrument.reliable_change[score_key].threshold
    first = np.asarray(before, dtype=np.float64)
    second = np.asarray(after, dtype=np.float64)
    if first.shape != second.shape:
        raise ValueError(f"after: has shape {second.shape} but before has {first.shape}; they must match")
    change = second - first
    if instrument.direction(score_key) == "higher_is_worse":
        change = -change
    tolerance = 1e-9 * max(1.0, threshold)  # 31.3 - 26.3 is 4.999999999999998 in binary
    codes = np.where(
        change >= threshold - tolerance,
        "reliable_improvement",
        np.where(change <= -threshold + tolerance, "reliable_deterioration", "no_reliable_change"),
    )
    return np.where(np.isnan(change), "", codes).astype(np.str_)
