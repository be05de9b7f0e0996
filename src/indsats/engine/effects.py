"""Effects of an intervention on children's outcomes: pre-post change and two-group comparisons.

This module also holds what the other statistical modules of the engine share (``causal``,
``meta_analysis``, ``process``): the input error, the warnings with their stable codes, the checks of
input arrays and the linear model with classical, robust and cluster-robust standard errors.

Sources for the formulas are cited on each function; docs/statistics.md explains them in plain words.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# Stable warning codes: the web application translates them to Danish, so never rename one.
SMALL_N = "small_n"
HEAVY_MISSINGNESS = "heavy_missingness"
POOR_BALANCE = "poor_balance"
FEW_STUDIES = "few_studies"
FEW_CLUSTERS = "few_clusters"
POOR_OVERLAP = "poor_overlap"
EXTREME_WEIGHTS = "extreme_weights"
PRE_TRENDS = "pre_trends"
NO_VARIATION = "no_variation"
NOT_CONVERGED = "not_converged"
SEPARATION = "separation"
SUBGROUP_SKIPPED = "subgroup_skipped"

SMALL_N_LIMIT = 20
"""Fewer analysed children than this (per group) gives a ``small_n`` warning."""
HEAVY_MISSINGNESS_SHARE = 0.2
"""More than this share of rows dropped for missing values gives a ``heavy_missingness`` warning."""
FEW_CLUSTERS_LIMIT = 30
"""Cluster-robust standard errors are unreliable with fewer clusters (Cameron & Miller 2015)."""


class StatisticsInputError(ValueError):
    """Input that a statistical estimator cannot use; ``field`` names the argument or column."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class AnalysisWarning:
    """A caveat on a result: a stable ``code`` for translation and a plain English ``message``."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def plain_value(value: Any) -> Any:
    """Turn a result value into plain JSON-ready Python: floats (NaN/inf as None), lists, dicts."""
    if isinstance(value, AnalysisWarning):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain_value(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("export", True)
        }
    if isinstance(value, dict):
        return {str(key): plain_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def _format_number(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}"


def _estimate_text(
    estimate: float,
    se: float,
    low: float,
    high: float,
    p_value: float,
    confidence: float,
    *,
    digits: int = 3,
    se_method: str | None = None,
) -> str:
    """'1.234 (SE 0.500, method; 95% CI 0.254 to 2.214; p = 0.0140)' for summaries."""
    method = f", {se_method}" if se_method else ""
    return (
        f"{_format_number(estimate, digits)} (SE {_format_number(se, digits)}{method}; {confidence:.0%} CI "
        f"{_format_number(low, digits)} to {_format_number(high, digits)}; p = {_format_number(p_value, 4)})"
    )


def _warning_lines(warnings: Sequence[AnalysisWarning]) -> list[str]:
    return [f"Warning [{w.code}]: {w.message}" for w in warnings]


# ---------------------------------------------------------------------------------------------
# Input checks, done once at the edge of each estimator
# ---------------------------------------------------------------------------------------------


def as_float_vector(values: ArrayLike, field: str) -> FloatArray:
    """A 1-D float array of ``values``; NaN marks a missing value, infinity and text are errors."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        items = list(np.asarray(values, dtype=object).ravel())
        position = next(i for i, item in enumerate(items) if not _is_number(item))
        raise StatisticsInputError(
            field, f"value {items[position]!r} at position {position} is not a number; give numbers only"
        ) from None
    if array.ndim != 1:
        raise StatisticsInputError(field, f"expected one value per child (1-D), got shape {array.shape}")
    infinite = np.isinf(array)
    if infinite.any():
        position = int(np.flatnonzero(infinite)[0])
        raise StatisticsInputError(field, f"value at position {position} is infinite; give finite numbers")
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
        raise StatisticsInputError(field, "covariates must all be numbers; code categories as 0/1") from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] != n_rows:
        raise StatisticsInputError(field, f"expected {n_rows} rows (one per child), got shape {array.shape}")
    if np.isinf(array).any():
        row, column = (int(i[0]) for i in np.nonzero(np.isinf(array)))
        raise StatisticsInputError(field, f"value in row {row}, column {column} is infinite")
    return array


def as_treatment_indicator(values: ArrayLike, field: str) -> FloatArray:
    """Treatment as floats 1.0 (intervention) / 0.0 (comparison); NaN marks a missing value."""
    array = as_float_vector(values, field)
    bad = ~np.isnan(array) & (array != 0.0) & (array != 1.0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise StatisticsInputError(
            field,
            f"value {array[position]:g} at position {position} is not 0 or 1; code the "
            "intervention group as 1 and the comparison group as 0",
        )
    return array


def as_codes(values: ArrayLike, field: str, n_rows: int) -> tuple[IntArray, tuple[Any, ...]]:
    """Integer codes 0..G-1 for a grouping (cluster, subgroup) and the sorted levels; -1 = missing."""
    array = np.asarray(values, dtype=object)
    if array.ndim != 1 or array.shape[0] != n_rows:
        raise StatisticsInputError(
            field, f"expected {n_rows} values (one per child), got shape {array.shape}"
        )
    codes, levels = pd.factorize(pd.Series(array), sort=True)
    return np.asarray(codes, dtype=np.int64), tuple(levels.tolist())


def check_same_length(field_lengths: dict[str, int]) -> int:
    """The common length of the inputs, or an error naming the input whose length differs."""
    lengths = list(field_lengths.items())
    first_field, n = lengths[0]
    for name, length in lengths[1:]:
        if length != n:
            raise StatisticsInputError(
                name, f"has {length} values but {first_field} has {n}; give one value per child in each"
            )
    return n


def check_confidence(confidence: float) -> float:
    if not 0.5 <= confidence < 1.0:
        raise StatisticsInputError("confidence", f"must be between 0.5 and 1, got {confidence}")
    return float(confidence)


def missingness_warnings(n_total: int, n_used: int, what: str = "rows") -> list[AnalysisWarning]:
    """A ``heavy_missingness`` warning when more than 20 % of the rows were dropped."""
    if n_total == 0:
        return []
    share = 1.0 - n_used / n_total
    if share > HEAVY_MISSINGNESS_SHARE:
        return [
            AnalysisWarning(
                HEAVY_MISSINGNESS,
                f"{n_total - n_used} of {n_total} {what} ({share:.0%}) were left out for missing values; "
                "the result holds only for the children with complete data",
            )
        ]
    return []


def small_n_warnings(counts: dict[str, int], limit: int = SMALL_N_LIMIT) -> list[AnalysisWarning]:
    """A ``small_n`` warning for each group with fewer than ``limit`` children."""
    return [
        AnalysisWarning(
            SMALL_N,
            f"only {count} children in {name}; estimates are imprecise and the normal approximation "
            f"may not hold (fewer than {limit})",
        )
        for name, count in counts.items()
        if count < limit
    ]


# ---------------------------------------------------------------------------------------------
# The linear model shared by two-group comparisons, ANCOVA, difference-in-differences and process
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinearFit:
    """Ordinary least squares coefficients with their covariance matrix."""

    coefficients: FloatArray
    covariance: FloatArray
    residuals: FloatArray
    n: int
    df_residual: int
    df_inference: int
    """Degrees of freedom for t-based intervals: n - k, or clusters - 1 with cluster-robust SEs."""
    n_clusters: int | None
    se_method: str

    @property
    def standard_errors(self) -> FloatArray:
        return np.sqrt(np.diag(self.covariance))

    def coefficient_interval(self, index: int, confidence: float) -> tuple[float, float, float, float, float]:
        """Estimate, SE, lower and upper t-based limits and the two-sided p-value of one coefficient."""
        estimate = float(self.coefficients[index])
        se = float(self.standard_errors[index])
        critical = float(stats.t.ppf(0.5 + confidence / 2, self.df_inference))
        p_value = float(2 * stats.t.sf(abs(estimate / se), self.df_inference)) if se > 0 else math.nan
        return estimate, se, estimate - critical * se, estimate + critical * se, p_value


def fit_linear_model(
    y: FloatArray,
    design: FloatArray,
    *,
    clusters: IntArray | None = None,
    robust: bool = False,
    column_names: Sequence[str] | None = None,
) -> LinearFit:
    """Fit y = X b + e by least squares, with classical, HC1 or cluster-robust (CR1) covariance.

    Classical: s^2 (X'X)^-1 with s^2 = RSS / (n - k). HC1 (White 1980; MacKinnon & White 1985):
    (X'X)^-1 (sum x_i x_i' e_i^2) (X'X)^-1 n / (n - k). CR1 (Liang & Zeger 1986; Cameron & Miller
    2015, eq. 11 with the small-sample factor G/(G-1) (n-1)/(n-k), as Stata and statsmodels use):
    (X'X)^-1 (sum_g X_g' e_g e_g' X_g) (X'X)^-1, with t on G - 1 degrees of freedom.
    ``clusters`` holds integer codes 0..G-1 per row.
    """
    n, k = design.shape
    if n <= k:
        raise StatisticsInputError("data", f"{n} complete rows are too few for a model with {k} parameters")
    # scale columns to unit length so that rank and inverse do not suffer from mixed units
    # (earnings in kroner next to 0/1 indicators); coefficients are scaled back below
    scale = np.linalg.norm(design, axis=0)
    scale[scale == 0] = 1.0
    scaled = design / scale
    if np.linalg.matrix_rank(scaled) < k:
        names = ", ".join(column_names) if column_names else f"{k} columns"
        raise StatisticsInputError(
            "covariates",
            f"the model's columns ({names}) are collinear: a covariate is constant or duplicates another; "
            "remove it",
        )
    gram_inverse = np.linalg.inv(scaled.T @ scaled) / np.outer(scale, scale)
    coefficients = gram_inverse @ (design.T @ y)
    residuals = y - design @ coefficients
    if clusters is not None:
        n_clusters = int(clusters.max()) + 1
        if n_clusters < 2:
            raise StatisticsInputError("clusters", "cluster-robust standard errors need at least 2 clusters")
        scores = np.zeros((n_clusters, k))
        np.add.at(scores, clusters, design * residuals[:, None])
        meat = scores.T @ scores
        correction = n_clusters / (n_clusters - 1) * (n - 1) / (n - k)
        covariance = correction * gram_inverse @ meat @ gram_inverse
        return LinearFit(
            coefficients, covariance, residuals, n, n - k, n_clusters - 1, n_clusters, "cluster-robust (CR1)"
        )
    if robust:
        meat = (design * residuals[:, None] ** 2).T @ design
        covariance = n / (n - k) * gram_inverse @ meat @ gram_inverse
        return LinearFit(coefficients, covariance, residuals, n, n - k, n - k, None, "robust (HC1)")
    sigma2 = float(residuals @ residuals) / (n - k)
    return LinearFit(coefficients, sigma2 * gram_inverse, residuals, n, n - k, n - k, None, "classical")


def few_clusters_warnings(n_clusters: int | None) -> list[AnalysisWarning]:
    if n_clusters is not None and n_clusters < FEW_CLUSTERS_LIMIT:
        return [
            AnalysisWarning(
                FEW_CLUSTERS,
                f"only {n_clusters} clusters (e.g. municipalities): cluster-robust standard errors are "
                f"too small with fewer than about {FEW_CLUSTERS_LIMIT} clusters",
            )
        ]
    return []


# ---------------------------------------------------------------------------------------------
# Small-sample correction and bootstrap
# ---------------------------------------------------------------------------------------------


def hedges_correction(df: float) -> float:
    """Hedges' small-sample factor J = 1 - 3 / (4 df - 1) (Hedges 1981; Borenstein et al. 2009, eq. 4.22)."""
    return 1.0 - 3.0 / (4.0 * df - 1.0)


def _bootstrap_counts(rng: np.random.Generator, n: int, replicates: int) -> FloatArray:
    """How often each of n units is drawn in each bootstrap replicate: a (replicates, n) matrix.

    Drawing n units with replacement is one multinomial draw with equal probabilities, so a whole
    batch of replicates is one call (Efron & Tibshirani 1993, ch. 6), no loop over replicates.
    """
    return rng.multinomial(n, np.full(n, 1.0 / n), size=replicates).astype(np.float64)


def _bootstrap_percentiles(
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


def _check_bootstrap(replicates: int) -> int:
    if replicates < 0 or (0 < replicates < 100):
        raise StatisticsInputError(
            "bootstrap_replicates", f"give 0 (no bootstrap) or at least 100 replicates, got {replicates}"
        )
    return int(replicates)


# ---------------------------------------------------------------------------------------------
# Pre-post change
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrePostResult:
    """Change from before to after the intervention in one group of children."""

    estimate: float
    """Mean change (post - pre) in the instrument's own units."""
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    n_missing: int
    mean_pre: float
    mean_post: float
    sd_pre: float
    sd_post: float
    sd_change: float
    correlation: float
    cohens_d: float
    """Change over the within-person SD S_within = S_change / sqrt(2 (1 - r)) (Borenstein 2009, 4.27)."""
    hedges_g: float
    hedges_g_se: float
    hedges_g_ci_low: float
    hedges_g_ci_high: float
    cohens_dz: float
    """Mean change over the SD of the changes (for power calculations; not comparable across designs)."""
    reliability: float | None
    reliable_change_threshold: float | None
    """Smallest change that is reliable: z * S_diff (Jacobson & Truax 1991)."""
    share_improved: float | None
    share_unchanged: float | None
    share_worsened: float | None
    clinical_cutoff: float | None
    share_recovered: float | None
    """Reliably improved and moved from the clinical to the functional side of the cutoff."""
    higher_is_better: bool
    confidence: float
    bootstrap_replicates: int
    bootstrap_ci_low: float | None
    bootstrap_ci_high: float | None
    bootstrap_hedges_g_ci_low: float | None
    bootstrap_hedges_g_ci_high: float | None
    warnings: tuple[AnalysisWarning, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = plain_value(self)
        return result

    def summary(self) -> str:
        level = f"{self.confidence:.0%}"
        lines = [
            f"Pre-post change (n = {self.n}, {self.n_missing} left out for missing values)",
            f"  mean before {_format_number(self.mean_pre)}, after {_format_number(self.mean_post)}",
            "  mean change "
            + _estimate_text(
                self.estimate, self.se, self.ci_low, self.ci_high, self.p_value, self.confidence
            ),
            f"  Hedges' g {_format_number(self.hedges_g)} ({level} CI {_format_number(self.hedges_g_ci_low)} "
            f"to {_format_number(self.hedges_g_ci_high)}), "
            f"pre-post correlation {_format_number(self.correlation)}",
        ]
        if self.bootstrap_replicates:
            lines.append(
                f"  bootstrap ({self.bootstrap_replicates} replicates) {level} CI for the change "
                f"{_format_number(self.bootstrap_ci_low)} to {_format_number(self.bootstrap_ci_high)}"
            )
        if self.reliable_change_threshold is not None:
            lines.append(
                f"  reliable change (Jacobson-Truax, reliability {self.reliability:g}): a change of at least "
                f"{_format_number(self.reliable_change_threshold)}; improved {self.share_improved:.1%}, "
                f"unchanged {self.share_unchanged:.1%}, worsened {self.share_worsened:.1%}"
            )
        if self.share_recovered is not None:
            lines.append(
                f"  clinically significant change (cutoff {self.clinical_cutoff:g}): "
                f"{self.share_recovered:.1%} recovered"
            )
        return "\n".join(lines + _warning_lines(self.warnings))


def jacobson_truax_cutoff(
    clinical_mean: float, clinical_sd: float, functional_mean: float, functional_sd: float
) -> float:
    """The cutoff between a clinical and a functional population, criterion c of Jacobson & Truax (1991).

    c = (s_clinical * M_functional + s_functional * M_clinical) / (s_clinical + s_functional): the point
    equally far, in SD units, from both means.
    """
    if clinical_sd <= 0 or functional_sd <= 0:
        raise StatisticsInputError("sd", "standard deviations must be positive")
    return (clinical_sd * functional_mean + functional_sd * clinical_mean) / (clinical_sd + functional_sd)


def analyse_pre_post(
    pre: ArrayLike,
    post: ArrayLike,
    *,
    reliability: float | None = None,
    sd_reference: float | None = None,
    clinical_cutoff: float | None = None,
    higher_is_better: bool = True,
    confidence: float = 0.95,
    bootstrap_replicates: int = 0,
    seed: int | None = None,
) -> PrePostResult:
    """Mean change, standardised change and reliable/clinically significant change of paired scores.

    * Mean change with a t-interval on n - 1 df.
    * Standardised change for paired data (Borenstein et al. 2009, ch. 4, eqs. 4.27-4.28 and 4.22-4.24):
      S_within = S_change / sqrt(2 (1 - r)), d = mean change / S_within,
      V_d = (1/n + d^2 / (2n)) * 2 (1 - r), g = J d with J = 1 - 3 / (4 (n - 1) - 1), V_g = J^2 V_d,
      and a normal interval g +/- z sqrt(V_g).
    * Reliable change index (Jacobson & Truax 1991): SE = s_1 sqrt(1 - r_xx), S_diff = sqrt(2 SE^2),
      RC = (post - pre) / S_diff; |RC| > z (1.96) is a reliable change. s_1 is ``sd_reference`` (a norm
      SD) or else the SD of the pre scores. Children are then improved / unchanged / worsened.
    * Clinically significant change: reliably improved and crossing ``clinical_cutoff`` from the
      clinical to the functional side (Jacobson & Truax 1991; see ``jacobson_truax_cutoff``).
    * With ``bootstrap_replicates`` >= 100, seeded percentile intervals for the mean change and g
      (resampling children; vectorised multinomial counts).

    ``higher_is_better`` says which direction is an improvement (False for e.g. SDQ difficulties).
    Rows missing pre or post are left out.
    """
    confidence = check_confidence(confidence)
    replicates = _check_bootstrap(bootstrap_replicates)
    pre_all = as_float_vector(pre, "pre")
    post_all = as_float_vector(post, "post")
    n_total = check_same_length({"pre": pre_all.size, "post": post_all.size})
    complete = ~(np.isnan(pre_all) | np.isnan(post_all))
    pre_values, post_values = pre_all[complete], post_all[complete]
    n = int(complete.sum())
    if n < 3:
        raise StatisticsInputError(
            "pre", f"only {n} children have both a pre and a post score; at least 3 are needed"
        )
    if reliability is not None and not 0.0 < reliability < 1.0:
        raise StatisticsInputError(
            "reliability", f"must be between 0 and 1 (e.g. Cronbach's alpha), got {reliability}"
        )
    if sd_reference is not None and sd_reference <= 0:
        raise StatisticsInputError("sd_reference", f"must be positive, got {sd_reference}")

    warnings = missingness_warnings(n_total, n, "children") + small_n_warnings({"the analysis": n})
    change = post_values - pre_values
    mean_change = float(change.mean())
    sd_change = float(change.std(ddof=1))
    se = sd_change / math.sqrt(n)
    df = n - 1
    t_critical = float(stats.t.ppf(0.5 + confidence / 2, df))
    z_critical = float(stats.norm.ppf(0.5 + confidence / 2))
    p_value = float(2 * stats.t.sf(abs(mean_change / se), df)) if se > 0 else math.nan
    sd_pre = float(pre_values.std(ddof=1))
    sd_post = float(post_values.std(ddof=1))
    correlation = (
        float(np.corrcoef(pre_values, post_values)[0, 1]) if sd_pre > 0 and sd_post > 0 else math.nan
    )
    if sd_change == 0:
        warnings.append(AnalysisWarning(NO_VARIATION, "every child changed by the same amount; no spread"))

    d, v_d = _paired_d(mean_change, sd_change, correlation, n)
    j = hedges_correction(df)
    g = j * d
    g_se = j * math.sqrt(v_d)

    threshold: float | None = None
    shares: tuple[float | None, float | None, float | None] = (None, None, None)
    share_recovered: float | None = None
    if reliability is not None:
        s1 = sd_reference if sd_reference is not None else sd_pre
        s_diff = math.sqrt(2.0) * s1 * math.sqrt(1.0 - reliability)
        threshold = z_critical * s_diff
        direction = 1.0 if higher_is_better else -1.0
        reliable_index = direction * change / s_diff
        improved = reliable_index > z_critical
        worsened = reliable_index < -z_critical
        shares = (float(improved.mean()), float((~improved & ~worsened).mean()), float(worsened.mean()))
        if clinical_cutoff is not None:
            was_clinical = direction * (pre_values - clinical_cutoff) < 0
            is_functional = direction * (post_values - clinical_cutoff) > 0
            share_recovered = float((improved & was_clinical & is_functional).mean())

    boot_change: tuple[float | None, float | None] = (None, None)
    boot_g: tuple[float | None, float | None] = (None, None)
    if replicates:
        low, high = _bootstrap_percentiles(
            lambda rng, size: _paired_bootstrap_statistics(rng, size, pre_values, post_values),
            replicates,
            seed,
            confidence,
            n,
        )
        boot_change = (float(low[0]), float(high[0]))
        boot_g = (float(low[1]), float(high[1]))

    return PrePostResult(
        estimate=mean_change,
        se=se,
        ci_low=mean_change - t_critical * se,
        ci_high=mean_change + t_critical * se,
        p_value=p_value,
        n=n,
        n_missing=n_total - n,
        mean_pre=float(pre_values.mean()),
        mean_post=float(post_values.mean()),
        sd_pre=sd_pre,
        sd_post=sd_post,
        sd_change=sd_change,
        correlation=correlation,
        cohens_d=d,
        hedges_g=g,
        hedges_g_se=g_se,
        hedges_g_ci_low=g - z_critical * g_se,
        hedges_g_ci_high=g + z_critical * g_se,
        cohens_dz=mean_change / sd_change if sd_change > 0 else math.nan,
        reliability=reliability,
        reliable_change_threshold=threshold,
        share_improved=shares[0],
        share_unchanged=shares[1],
        share_worsened=shares[2],
        clinical_cutoff=clinical_cutoff if reliability is not None else None,
        share_recovered=share_recovered,
        higher_is_better=higher_is_better,
        confidence=confidence,
        bootstrap_replicates=replicates,
        bootstrap_ci_low=boot_change[0],
        bootstrap_ci_high=boot_change[1],
        bootstrap_hedges_g_ci_low=boot_g[0],
        bootstrap_hedges_g_ci_high=boot_g[1],
        warnings=tuple(warnings),
    )


def _paired_d(mean_change: float, sd_change: float, correlation: float, n: int) -> tuple[float, float]:
    """d and its variance for paired data (Borenstein et al. 2009, eqs. 4.27-4.28)."""
    if not math.isfinite(correlation) or correlation >= 1.0 or sd_change == 0:
        return math.nan, math.nan
    s_within = sd_change / math.sqrt(2.0 * (1.0 - correlation))
    d = mean_change / s_within
    v_d = (1.0 / n + d * d / (2.0 * n)) * 2.0 * (1.0 - correlation)
    return d, v_d


def _paired_bootstrap_statistics(
    rng: np.random.Generator, size: int, pre: FloatArray, post: FloatArray
) -> FloatArray:
    """Mean change and Hedges' g for ``size`` bootstrap replicates, from weighted sums (no loops)."""
    n = pre.size
    counts = _bootstrap_counts(rng, n, size)
    # centre first so that sums of squares do not lose precision
    x = pre - pre.mean()
    y = post - post.mean()
    mean_x, mean_y = counts @ x / n, counts @ y / n
    var_x = (counts @ (x * x) / n - mean_x**2) * n / (n - 1)
    var_y = (counts @ (y * y) / n - mean_y**2) * n / (n - 1)
    cov_xy = (counts @ (x * y) / n - mean_x * mean_y) * n / (n - 1)
    mean_change = mean_y - mean_x + (post.mean() - pre.mean())
    var_change = np.maximum(var_x + var_y - 2 * cov_xy, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cov_xy / np.sqrt(var_x * var_y)
        s_within = np.sqrt(var_change) / np.sqrt(2.0 * (1.0 - r))
        g = hedges_correction(n - 1) * mean_change / s_within
    return np.column_stack([mean_change, g])


# ---------------------------------------------------------------------------------------------
# Two groups
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TwoGroupResult:
    """Difference in mean outcome between the intervention and the comparison group."""

    estimate: float
    """Mean of the intervention group minus mean of the comparison group."""
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    se_method: str
    n: int
    n_treated: int
    n_control: int
    n_missing: int
    n_clusters: int | None
    mean_treated: float
    mean_control: float
    sd_treated: float
    sd_control: float
    hedges_g: float
    hedges_g_se: float
    hedges_g_ci_low: float
    hedges_g_ci_high: float
    confidence: float
    bootstrap_replicates: int
    bootstrap_ci_low: float | None
    bootstrap_ci_high: float | None
    bootstrap_hedges_g_ci_low: float | None
    bootstrap_hedges_g_ci_high: float | None
    warnings: tuple[AnalysisWarning, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = plain_value(self)
        return result

    def summary(self) -> str:
        level = f"{self.confidence:.0%}"
        lines = [
            f"Two groups: intervention n = {self.n_treated}, comparison n = {self.n_control}"
            + (f", {self.n_clusters} clusters" if self.n_clusters else ""),
            f"  means {_format_number(self.mean_treated)} vs {_format_number(self.mean_control)}",
            f"  difference {_format_number(self.estimate)} (SE {_format_number(self.se)}, {self.se_method}; "
            f"{level} CI {_format_number(self.ci_low)} to {_format_number(self.ci_high)}; "
            f"p = {_format_number(self.p_value, 4)})",
            f"  Hedges' g {_format_number(self.hedges_g)} "
            f"({level} CI {_format_number(self.hedges_g_ci_low)} to {_format_number(self.hedges_g_ci_high)})",
        ]
        if self.bootstrap_replicates:
            lines.append(
                f"  bootstrap ({self.bootstrap_replicates} replicates) {level} CI for the difference "
                f"{_format_number(self.bootstrap_ci_low)} to {_format_number(self.bootstrap_ci_high)}"
            )
        return "\n".join(lines + _warning_lines(self.warnings))


def hedges_g(
    mean_treated: float,
    sd_treated: float,
    n_treated: int,
    mean_control: float,
    sd_control: float,
    n_control: int,
) -> tuple[float, float]:
    """Hedges' g for two independent groups and its variance.

    Pooled SD s = sqrt(((n1-1) s1^2 + (n2-1) s2^2) / (n1 + n2 - 2)), d = (m1 - m2) / s,
    V_d = (n1 + n2) / (n1 n2) + d^2 / (2 (n1 + n2)), g = J d, V_g = J^2 V_d with
    J = 1 - 3 / (4 (n1 + n2 - 2) - 1) (Hedges & Olkin 1985, ch. 5; Borenstein et al. 2009, eqs. 4.18-4.24).
    """
    df = n_treated + n_control - 2
    pooled_sd = math.sqrt(((n_treated - 1) * sd_treated**2 + (n_control - 1) * sd_control**2) / df)
    if pooled_sd == 0:
        return math.nan, math.nan
    d = (mean_treated - mean_control) / pooled_sd
    v_d = (n_treated + n_control) / (n_treated * n_control) + d * d / (2.0 * (n_treated + n_control))
    j = hedges_correction(df)
    return j * d, j * j * v_d


def compare_groups(
    outcome: ArrayLike,
    treatment: ArrayLike,
    *,
    clusters: ArrayLike | None = None,
    confidence: float = 0.95,
    bootstrap_replicates: int = 0,
    seed: int | None = None,
) -> TwoGroupResult:
    """Difference in means between intervention (1) and comparison (0), with Hedges' g.

    The standard error is Welch's, sqrt(s1^2/n1 + s0^2/n0) with Welch-Satterthwaite df (Welch 1947),
    or, when ``clusters`` (e.g. municipality per child) is given, the cluster-robust CR1 SE of the
    OLS slope of the outcome on treatment, with t on G - 1 df (Cameron & Miller 2015). Hedges' g follows
    ``hedges_g``; its interval assumes independent children (it ignores clustering; see Hedges 2007
    for the design-effect correction). With ``bootstrap_replicates`` >= 100: seeded percentile
    intervals from resampling children within each group (or whole clusters when given).
    """
    confidence = check_confidence(confidence)
    replicates = _check_bootstrap(bootstrap_replicates)
    y_all = as_float_vector(outcome, "outcome")
    t_all = as_treatment_indicator(treatment, "treatment")
    n_total = check_same_length({"outcome": y_all.size, "treatment": t_all.size})
    complete = ~(np.isnan(y_all) | np.isnan(t_all))
    cluster_codes: IntArray | None = None
    codes: IntArray | None = None
    if clusters is not None:
        codes, _ = as_codes(clusters, "clusters", n_total)
        complete &= codes >= 0
    y, t = y_all[complete], t_all[complete]
    is_treated = t == 1.0
    n1, n0 = int(is_treated.sum()), int((~is_treated).sum())
    if n1 < 2 or n0 < 2:
        raise StatisticsInputError(
            "treatment", f"need at least 2 children in each group, got {n1} treated and {n0} comparison"
        )
    warnings = missingness_warnings(n_total, n1 + n0, "children") + small_n_warnings(
        {"the intervention group": n1, "the comparison group": n0}
    )
    m1, m0 = float(y[is_treated].mean()), float(y[~is_treated].mean())
    s1, s0 = float(y[is_treated].std(ddof=1)), float(y[~is_treated].std(ddof=1))
    estimate = m1 - m0
    n_clusters: int | None = None
    if codes is not None:
        cluster_codes = np.unique(codes[complete], return_inverse=True)[1].astype(np.int64)
        fit = fit_linear_model(y, np.column_stack([np.ones_like(y), t]), clusters=cluster_codes)
        _, se, low, high, p_value = fit.coefficient_interval(1, confidence)
        df: float = fit.df_inference
        n_clusters = fit.n_clusters
        se_method = fit.se_method
        warnings += few_clusters_warnings(n_clusters)
    else:
        v1, v0 = s1**2 / n1, s0**2 / n0
        se = math.sqrt(v1 + v0)
        df = (v1 + v0) ** 2 / (v1**2 / (n1 - 1) + v0**2 / (n0 - 1)) if se > 0 else float(n1 + n0 - 2)
        critical = float(stats.t.ppf(0.5 + confidence / 2, df))
        low, high = estimate - critical * se, estimate + critical * se
        p_value = float(2 * stats.t.sf(abs(estimate / se), df)) if se > 0 else math.nan
        se_method = "Welch"
    g, v_g = hedges_g(m1, s1, n1, m0, s0, n0)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    g_se = math.sqrt(v_g) if math.isfinite(v_g) else math.nan

    boot: tuple[float | None, ...] = (None, None, None, None)
    if replicates:
        low_b, high_b = _bootstrap_percentiles(
            lambda rng, size: _two_group_bootstrap_statistics(rng, size, y, is_treated, cluster_codes),
            replicates,
            seed,
            confidence,
            y.size,
        )
        boot = (float(low_b[0]), float(high_b[0]), float(low_b[1]), float(high_b[1]))

    return TwoGroupResult(
        estimate=estimate,
        se=se,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        df=float(df),
        se_method=se_method,
        n=n1 + n0,
        n_treated=n1,
        n_control=n0,
        n_missing=n_total - (n1 + n0),
        n_clusters=n_clusters,
        mean_treated=m1,
        mean_control=m0,
        sd_treated=s1,
        sd_control=s0,
        hedges_g=g,
        hedges_g_se=g_se,
        hedges_g_ci_low=g - z * g_se,
        hedges_g_ci_high=g + z * g_se,
        confidence=confidence,
        bootstrap_replicates=replicates,
        bootstrap_ci_low=boot[0],
        bootstrap_ci_high=boot[1],
        bootstrap_hedges_g_ci_low=boot[2],
        bootstrap_hedges_g_ci_high=boot[3],
        warnings=tuple(warnings),
    )


def _two_group_bootstrap_statistics(
    rng: np.random.Generator,
    size: int,
    y: FloatArray,
    is_treated: BoolArray,
    cluster_codes: IntArray | None,
) -> FloatArray:
    """Difference in means and Hedges' g for ``size`` replicates, from weighted sums.

    Without clusters each group is resampled on its own (stratified bootstrap); with clusters whole
    clusters are resampled and their children's sums carried along (cluster bootstrap; Cameron,
    Gelbach & Miller 2008). Either way a replicate is a row of counts, so a batch is matrix products.
    """
    centred = y - y.mean()
    units = cluster_codes if cluster_codes is not None else np.arange(y.size)
    n_units = int(units.max()) + 1
    # per unit sums for the treated (index 1) and comparison (index 0) children
    sums = np.zeros((n_units, 2, 3))
    group = is_treated.astype(np.int64)
    for column, values in enumerate((np.ones_like(centred), centred, centred * centred)):
        np.add.at(sums[:, :, column], (units, group), values)
    if cluster_codes is None:
        counts = np.zeros((size, n_units))
        for flag in (True, False):  # two strata, not a loop over replicates
            members = np.flatnonzero(is_treated == flag)
            counts[:, members] = _bootstrap_counts(rng, members.size, size)
    else:
        counts = _bootstrap_counts(rng, n_units, size)
    totals = np.einsum("bu,ugs->bgs", counts, sums)
    n_g, sum_g, sumsq_g = totals[..., 0], totals[..., 1], totals[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_g = sum_g / n_g
        var_g = (sumsq_g - n_g * mean_g**2) / (n_g - 1)
        difference = mean_g[:, 1] - mean_g[:, 0]
        pooled = np.sqrt(
            ((n_g[:, 1] - 1) * var_g[:, 1] + (n_g[:, 0] - 1) * var_g[:, 0]) / (n_g.sum(axis=1) - 2)
        )
        j = 1.0 - 3.0 / (4.0 * (n_g.sum(axis=1) - 2) - 1.0)
        g = j * difference / pooled
    return np.column_stack([difference, g])


__all__ = [
    "EXTREME_WEIGHTS",
    "FEW_CLUSTERS",
    "FEW_STUDIES",
    "HEAVY_MISSINGNESS",
    "NOT_CONVERGED",
    "NO_VARIATION",
    "POOR_BALANCE",
    "POOR_OVERLAP",
    "PRE_TRENDS",
    "SEPARATION",
    "SMALL_N",
    "SUBGROUP_SKIPPED",
    "AnalysisWarning",
    "LinearFit",
    "PrePostResult",
    "StatisticsInputError",
    "TwoGroupResult",
    "analyse_pre_post",
    "compare_groups",
    "fit_linear_model",
    "hedges_correction",
    "hedges_g",
    "jacobson_truax_cutoff",
    "plain_value",
]
