"""Input arrays, checked once at the edge of each estimator: vectors, matrices, 0/1 indicators, group
codes, equal lengths and the confidence level. A wrong input raises ``StatisticsInputError`` naming it."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from indsats.engine.base.errors import StatisticsInputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def as_float_vector(values: ArrayLike, field: str) -> FloatArray:
    """A 1-D float array of ``values``; NaN marks a missing value, infinity and text are errors."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        items = list(np.asarray(values, dtype=object).ravel())
        position = next(i for i, item in enumerate(items) if not _is_number(item))
        raise StatisticsInputError(field, "not_a_number", value=items[position], position=position) from None
    if array.ndim != 1:
        raise StatisticsInputError(field, "not_one_dimensional", shape=array.shape)
    infinite = np.isinf(array)
    if infinite.any():
        raise StatisticsInputError(field, "infinite_value", position=int(np.flatnonzero(infinite)[0]))
    return array


def _is_number(item: object) -> bool:
    try:
        float(item)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def as_float_matrix(values: ArrayLike, field: str, n_rows: int) -> FloatArray:
    """A 2-D float array (rows = children, columns = covariates); NaN marks a missing value."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise StatisticsInputError(field, "covariates_not_numbers") from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] != n_rows:
        raise StatisticsInputError(field, "wrong_row_count", expected=n_rows, shape=array.shape)
    if np.isinf(array).any():
        row, column = (int(i[0]) for i in np.nonzero(np.isinf(array)))
        raise StatisticsInputError(field, "infinite_cell", row=row, column=column)
    return array


def as_treatment_indicator(values: ArrayLike, field: str) -> FloatArray:
    """Treatment as floats 1.0 (intervention) / 0.0 (comparison); NaN marks a missing value."""
    array = as_float_vector(values, field)
    bad = ~np.isnan(array) & (array != 0.0) & (array != 1.0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise StatisticsInputError(field, "not_zero_or_one", value=float(array[position]), position=position)
    return array


def as_codes(values: ArrayLike, field: str, n_rows: int) -> tuple[IntArray, tuple[Any, ...]]:
    """Integer codes 0..G-1 for a grouping (cluster, subgroup) and the sorted levels; -1 = missing."""
    # pandas takes half a second to import and only groupings need it (its factorize sorts mixed
    # labels and treats None as missing), so it is loaded here and not when the engine is imported
    import pandas as pd

    array = np.asarray(values, dtype=object)
    if array.ndim != 1 or array.shape[0] != n_rows:
        raise StatisticsInputError(field, "wrong_value_count", expected=n_rows, shape=array.shape)
    codes, levels = pd.factorize(pd.Series(array), sort=True)
    return np.asarray(codes, dtype=np.int64), tuple(levels.tolist())


def check_same_length(field_lengths: dict[str, int]) -> int:
    """The common length of the inputs, or an error naming the input whose length differs."""
    lengths = list(field_lengths.items())
    first_field, n = lengths[0]
    for name, length in lengths[1:]:
        if length != n:
            raise StatisticsInputError(name, "length_differs", length=length, other=first_field, expected=n)
    return n


def check_confidence(confidence: float) -> float:
    """The confidence level as a float between 0.5 and 1 (0.95 for a 95 % interval)."""
    if not 0.5 <= confidence < 1.0:
        raise StatisticsInputError("confidence", "confidence_out_of_range", confidence=confidence)
    return float(confidence)
