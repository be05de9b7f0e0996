"""Two groups of children, intervention and comparison: the difference in mean outcome with Welch's or
cluster-robust standard errors, Hedges' g and a (stratified or cluster) bootstrap.

Sources for the formulas are cited on each function; docs/statistics.md explains them in plain words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from indsats.engine.base.arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    as_codes,
    as_float_vector,
    as_treatment_indicator,
    check_confidence,
    check_same_length,
)
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.base.linear_model import fit_linear_model
from indsats.engine.base.results import PlainResult, format_number, warning_lines
from indsats.engine.base.warnings import (
    AnalysisWarning,
    few_clusters_warnings,
    missingness_warnings,
    small_n_warnings,
)
from indsats.engine.statistics.bootstrap import (
    bootstrap_counts,
    bootstrap_percentiles,
    check_bootstrap_replicates,
)
from indsats.engine.statistics.effect_sizes import hedges_correction, hedges_g, pooled_sd


@dataclass(frozen=True)
class TwoGroupResult(PlainResult):
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

    def summary(self) -> str:
        level = f"{self.confidence:.0%}"
        lines = [
            f"Two groups: intervention n = {self.n_treated}, comparison n = {self.n_control}"
            + (f", {self.n_clusters} clusters" if self.n_clusters else ""),
            f"  means {format_number(self.mean_treated)} vs {format_number(self.mean_control)}",
            f"  difference {format_number(self.estimate)} (SE {format_number(self.se)}, {self.se_method}; "
            f"{level} CI {format_number(self.ci_low)} to {format_number(self.ci_high)}; "
            f"p = {format_number(self.p_value, 4)})",
            f"  Hedges' g {format_number(self.hedges_g)} "
            f"({level} CI {format_number(self.hedges_g_ci_low)} to {format_number(self.hedges_g_ci_high)})",
        ]
        if self.bootstrap_replicates:
            lines.append(
                f"  bootstrap ({self.bootstrap_replicates} replicates) {level} CI for the difference "
                f"{format_number(self.bootstrap_ci_low)} to {format_number(self.bootstrap_ci_high)}"
            )
        return "\n".join(lines + warning_lines(self.warnings))


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
    replicates = check_bootstrap_replicates(bootstrap_replicates)
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
        raise StatisticsInputError("treatment", "too_few_per_group", n_treated=n1, n_control=n0)
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
        low_b, high_b = bootstrap_percentiles(
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
            counts[:, members] = bootstrap_counts(rng, members.size, size)
    else:
        counts = bootstrap_counts(rng, n_units, size)
    totals = np.einsum("bu,ugs->bgs", counts, sums)
    n_g, sum_g, sumsq_g = totals[..., 0], totals[..., 1], totals[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_g = sum_g / n_g
        var_g = (sumsq_g - n_g * mean_g**2) / (n_g - 1)
        difference = mean_g[:, 1] - mean_g[:, 0]
        pooled = pooled_sd(n_g[:, 1], var_g[:, 1], n_g[:, 0], var_g[:, 0])
        g = hedges_correction(n_g.sum(axis=1) - 2) * difference / pooled
    return np.column_stack([difference, g])
