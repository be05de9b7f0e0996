"""The nonparametric bootstrap, vectorised: a batch of replicates is a matrix of draw counts.

Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 6 (resampling) and 13 (percentile
intervals). The statistics themselves are computed by the analyses from weighted sums.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from indsats.engine.base.arrays import FloatArray
from indsats.engine.base.errors import StatisticsInputError


def bootstrap_counts(rng: np.random.Generator, n: int, replicates: int) -> FloatArray:
    """How often each of n units is drawn in each bootstrap replicate: a (replicates, n) matrix.

    Drawing n units with replacement is one multinomial draw with equal probabilities, so a whole
    batch of replicates is one call (Efron & Tibshirani 1993, ch. 6), no loop over replicates.
    """
    return rng.multinomial(n, np.full(n, 1.0 / n), size=replicates).astype(np.float64)


def bootstrap_percentiles(
    draw_statistic: Callable[[np.random.Generator, int], FloatArray],
    replicates: int,
    seed: int | None,
    confidence: float,
    n_units: int,
) -> tuple[FloatArray, FloatArray]:
    """Percentile interval(s) of a statistic computed on batches of bootstrap replicates.

    Batches keep memory at about 4 million counts at a time.
    """
    rng = np.random.default_rng(seed)
    batch = max(1, min(replicates, 4_000_000 // max(n_units, 1)))
    draws = []
    remaining = replicates
    while remaining > 0:
        size = min(batch, remaining)
        draws.append(draw_statistic(rng, size))
        remaining -= size
    values = np.concatenate(draws, axis=0)
    alpha = (1.0 - confidence) / 2
    return np.nanquantile(values, alpha, axis=0), np.nanquantile(values, 1 - alpha, axis=0)


def check_bootstrap_replicates(replicates: int) -> int:
    """The number of replicates: 0 (no bootstrap) or at least 100."""
    if replicates < 0 or (0 < replicates < 100):
        raise StatisticsInputError("bootstrap_replicates", "bootstrap_replicates", replicates=replicates)
    return int(replicates)
