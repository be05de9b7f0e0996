"""Change from before to after an intervention in one group of children: mean change, Hedges' g for
paired data, reliable and clinically significant change (Jacobson & Truax 1991) and a bootstrap.

Sources for the formulas are cited on each function; docs/statistics.md explains them in plain words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from indsats.engine.base.arrays import FloatArray, as_float_vector, check_confidence, check_same_length
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.base.results import PlainResult, estimate_text, format_number, warning_lines
from indsats.engine.base.warnings import (
    NO_VARIATION,
    AnalysisWarning,
    missingness_warnings,
    small_n_warnings,
)
from indsats.engine.statistics.bootstrap import (
    bootstrap_counts,
    bootstrap_percentiles,
    check_bootstrap_replicates,
)
from indsats.engine.statistics.effect_sizes import hedges_correction, paired_d, within_person_sd


@dataclass(frozen=True)
class PrePostResult(PlainResult):
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

    def summary(self) -> str:
        level = f"{self.confidence:.0%}"
        lines = [
            f"Pre-post change (n = {self.n}, {self.n_missing} left out for missing values)",
            f"  mean before {format_number(self.mean_pre)}, after {format_number(self.mean_post)}",
            "  mean change "
            + estimate_text(self.estimate, self.se, self.ci_low, self.ci_high, self.p_value, self.confidence),
            f"  Hedges' g {format_number(self.hedges_g)} ({level} CI {format_number(self.hedges_g_ci_low)} "
            f"to {format_number(self.hedges_g_ci_high)}), "
            f"pre-post correlation {format_number(self.correlation)}",
        ]
        if self.bootstrap_replicates:
            lines.append(
                f"  bootstrap ({self.bootstrap_replicates} replicates) {level} CI for the change "
                f"{format_number(self.bootstrap_ci_low)} to {format_number(self.bootstrap_ci_high)}"
            )
        if self.reliable_change_threshold is not None:
            lines.append(
                f"  reliable change (Jacobson-Truax, reliability {self.reliability:g}): a change of at least "
                f"{format_number(self.reliable_change_threshold)}; improved {self.share_improved:.1%}, "
                f"unchanged {self.share_unchanged:.1%}, worsened {self.share_worsened:.1%}"
            )
        if self.share_recovered is not None:
            lines.append(
                f"  clinically significant change (cutoff {self.clinical_cutoff:g}): "
                f"{self.share_recovered:.1%} recovered"
            )
        return "\n".join(lines + warning_lines(self.warnings))


@dataclass(frozen=True)
class MeanChange:
    """Mean change with its t-interval, from the summary statistics of the paired changes."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    confidence: float


def mean_change_interval(
    n: int, mean_change: float, sd_change: float, *, confidence: float = 0.95
) -> MeanChange:
    """The mean change of ``n`` paired children with its t-interval on n - 1 df, from the number of pairs,
    the mean of the changes and their sample SD (ddof 1): SE = S_change / sqrt(n), mean +/- t SE.

    ``analyse_pre_post`` computes its interval with this function, so a caller holding only the summary
    statistics (a database aggregate) gets the same interval as one holding the scores."""
    confidence = check_confidence(confidence)
    if n < 3:
        raise StatisticsInputError("pre", "too_few_pairs", n=n)
    for value in (mean_change, sd_change):
        if not math.isfinite(value):
            raise StatisticsInputError("pre", "infinite_value", position=0)
    se = sd_change / math.sqrt(n)
    df = n - 1
    t_critical = float(stats.t.ppf(0.5 + confidence / 2, df))
    p_value = float(2 * stats.t.sf(abs(mean_change / se), df)) if se > 0 else math.nan
    return MeanChange(
        estimate=mean_change,
        se=se,
        ci_low=mean_change - t_critical * se,
        ci_high=mean_change + t_critical * se,
        p_value=p_value,
        n=n,
        confidence=confidence,
    )


def jacobson_truax_cutoff(
    clinical_mean: float, clinical_sd: float, functional_mean: float, functional_sd: float
) -> float:
    """The cutoff between a clinical and a functional population, criterion c of Jacobson & Truax (1991).

    c = (s_clinical * M_functional + s_functional * M_clinical) / (s_clinical + s_functional): the point
    equally far, in SD units, from both means.
    """
    if clinical_sd <= 0 or functional_sd <= 0:
        raise StatisticsInputError("sd", "sd_not_positive")
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
    replicates = check_bootstrap_replicates(bootstrap_replicates)
    pre_all = as_float_vector(pre, "pre")
    post_all = as_float_vector(post, "post")
    n_total = check_same_length({"pre": pre_all.size, "post": post_all.size})
    complete = ~(np.isnan(pre_all) | np.isnan(post_all))
    pre_values, post_values = pre_all[complete], post_all[complete]
    n = int(complete.sum())
    if n < 3:
        raise StatisticsInputError("pre", "too_few_pairs", n=n)
    if reliability is not None and not 0.0 < reliability < 1.0:
        raise StatisticsInputError("reliability", "reliability_out_of_range", reliability=reliability)
    if sd_reference is not None and sd_reference <= 0:
        raise StatisticsInputError("sd_reference", "sd_reference_not_positive", sd_reference=sd_reference)

    warnings = missingness_warnings(n_total, n, "children") + small_n_warnings({"the analysis": n})
    change = post_values - pre_values
    mean_change = float(change.mean())
    sd_change = float(change.std(ddof=1))
    interval = mean_change_interval(n, mean_change, sd_change, confidence=confidence)
    df = n - 1
    z_critical = float(stats.norm.ppf(0.5 + confidence / 2))
    sd_pre = float(pre_values.std(ddof=1))
    sd_post = float(post_values.std(ddof=1))
    correlation = (
        float(np.corrcoef(pre_values, post_values)[0, 1]) if sd_pre > 0 and sd_post > 0 else math.nan
    )
    if sd_change == 0:
        warnings.append(AnalysisWarning(NO_VARIATION, "every child changed by the same amount; no spread"))

    d, v_d = paired_d(mean_change, sd_change, correlation, n)
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
        low, high = bootstrap_percentiles(
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
        se=interval.se,
        ci_low=interval.ci_low,
        ci_high=interval.ci_high,
        p_value=interval.p_value,
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


def _paired_bootstrap_statistics(
    rng: np.random.Generator, size: int, pre: FloatArray, post: FloatArray
) -> FloatArray:
    """Mean change and Hedges' g for ``size`` bootstrap replicates, from weighted sums (no loops)."""
    n = pre.size
    counts = bootstrap_counts(rng, n, size)
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
        s_within = within_person_sd(np.sqrt(var_change), r)
        g = hedges_correction(n - 1) * mean_change / s_within
    return np.column_stack([mean_change, g])
