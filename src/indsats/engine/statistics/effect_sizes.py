"""Standardised effect sizes and their sampling variances: every formula for Hedges' g, written once.

The analyses (pre-post, two groups, ANCOVA, difference-in-differences, meta-analysis) and the report
across practices all compute g and its variance here. The functions work on plain floats and, where
a bootstrap or a meta-analysis needs it, on numpy arrays element by element.
Sources: Hedges (1981); Hedges & Olkin (1985, ch. 5); Borenstein, Hedges, Higgins & Rothstein (2009),
*Introduction to Meta-Analysis*, ch. 4 and 7; Morris (2008), *Organizational Research Methods* 11:364-386.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np
from scipy import stats

from indsats.engine.base.arrays import FloatArray

Number = TypeVar("Number", float, FloatArray)


def hedges_correction(df: Number) -> Number:
    """Hedges' small-sample factor J = 1 - 3 / (4 df - 1) (Hedges 1981; Borenstein et al. 2009, eq. 4.22)."""
    return 1.0 - 3.0 / (4.0 * df - 1.0)


def pooled_sd(n_treated: Number, var_treated: Number, n_control: Number, var_control: Number) -> Number:
    """The pooled within-group SD of two groups from their sizes and variances.

    s = sqrt(((n1 - 1) s1^2 + (n2 - 1) s2^2) / (n1 + n2 - 2)) (Borenstein et al. 2009, eq. 4.19).
    """
    pooled = ((n_treated - 1) * var_treated + (n_control - 1) * var_control) / (n_treated + n_control - 2)
    if isinstance(pooled, np.ndarray):
        return np.sqrt(pooled)
    return math.sqrt(pooled)  # type: ignore[return-value]  # a float in, a float out


def average_sd(var_treated: Number, var_control: Number) -> Number:
    """The SD of two groups as the root of their mean variance, sqrt((s_t^2 + s_c^2) / 2), unweighted by
    group size: the denominator of the standardised difference in covariate balance (Austin 2009,
    eqs. 1-2) and the unit of the matching caliper (Austin 2011)."""
    mean_variance = (var_treated + var_control) / 2
    if isinstance(mean_variance, np.ndarray):
        return np.sqrt(mean_variance)
    return math.sqrt(mean_variance)  # type: ignore[return-value]  # a float in, a float out


def within_person_sd(sd_change: Number, correlation: Number) -> Number:
    """The within-person SD of paired data from the SD of the changes: S_within = S_change / sqrt(2 (1 - r))
    (Borenstein et al. 2009, eq. 4.27)."""
    return sd_change / np.sqrt(2.0 * (1.0 - correlation))  # type: ignore[no-any-return]


def two_group_d_variance(d: Number, n_treated: Number, n_control: Number) -> Number:
    """Variance of d for two independent groups: V_d = (n1 + n2) / (n1 n2) + d^2 / (2 (n1 + n2))
    (Hedges & Olkin 1985; Borenstein et al. 2009, eq. 4.20)."""
    return (n_treated + n_control) / (n_treated * n_control) + d * d / (2.0 * (n_treated + n_control))


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
    NaN for both when the pooled SD is 0.
    """
    s = pooled_sd(float(n_treated), sd_treated**2, float(n_control), sd_control**2)
    if s == 0:
        return math.nan, math.nan
    d = (mean_treated - mean_control) / s
    j = hedges_correction(float(n_treated + n_control - 2))
    return j * d, j * j * two_group_d_variance(d, float(n_treated), float(n_control))


def two_group_g_variance(*, g: float, n_treated: int, n_control: int) -> float:
    """Variance of Hedges' g for two independent groups, from g itself.

    d = g / J, V_d = (n1 + n2) / (n1 n2) + d^2 / (2 (n1 + n2)), V_g = J^2 V_d with J on n1 + n2 - 2 df
    (Hedges & Olkin 1985; Borenstein et al. 2009, eqs. 4.20 and 4.24).
    """
    j = hedges_correction(float(n_treated + n_control - 2))
    d = g / j
    return j * j * two_group_d_variance(d, float(n_treated), float(n_control))


def g_from_t(*, t: float, n_treated: int, n_control: int) -> float:
    """Hedges' g from a two-group t statistic: d = t sqrt(1/n1 + 1/n2), g = J d (Borenstein et al. 2009,
    ch. 7; Lipsey & Wilson 2001, table B10)."""
    return (
        hedges_correction(float(n_treated + n_control - 2)) * t * math.sqrt(1.0 / n_treated + 1.0 / n_control)
    )


def paired_d_variance(*, d: float, n: int, correlation: float) -> float:
    """Variance of d for paired data: V_d = (1/n + d^2 / (2 n)) 2 (1 - r) (Borenstein et al. 2009,
    eq. 4.28)."""
    return (1.0 / n + d * d / (2.0 * n)) * 2.0 * (1.0 - correlation)


def paired_d(mean_change: float, sd_change: float, correlation: float, n: int) -> tuple[float, float]:
    """d and its variance for paired data (Borenstein et al. 2009, eqs. 4.27-4.28).

    S_within = S_change / sqrt(2 (1 - r)), d = mean change / S_within, V_d as in ``paired_d_variance``.
    NaN for both when r is unknown or 1 or the changes do not vary.
    """
    if not math.isfinite(correlation) or correlation >= 1.0 or sd_change == 0:
        return math.nan, math.nan
    d = mean_change / float(within_person_sd(sd_change, correlation))
    return d, paired_d_variance(d=d, n=n, correlation=correlation)


def paired_g_variance(*, d: float, n: int, correlation: float) -> float:
    """Variance of Hedges' g for a before-after (paired) design.

    V_d = (1/n + d^2 / (2 n)) * 2 (1 - r), V_g = J^2 V_d with J on n - 1 df
    (Borenstein et al. 2009, eqs. 4.28 and 4.24).
    """
    j = hedges_correction(float(n - 1))
    return j * j * paired_d_variance(d=d, n=n, correlation=correlation)


def standardised_difference_in_differences(
    estimate: float, pre_treated: FloatArray, pre_control: FloatArray
) -> float | None:
    """Morris's d_ppc2: the difference in mean changes over the pooled baseline SD, times the small-sample
    correction 1 - 3 / (4 (n_T + n_C - 2) - 1) (Morris 2008, Organizational Research Methods 11:364-386,
    eqs. 8-9), so it is comparable to Hedges' g. None with fewer than 2 children in a group or no spread
    at baseline."""
    n_treated, n_control = pre_treated.size, pre_control.size
    if n_treated < 2 or n_control < 2:
        return None
    s = pooled_sd(
        float(n_treated), float(pre_treated.var(ddof=1)), float(n_control), float(pre_control.var(ddof=1))
    )
    if s <= 0:
        return None
    return hedges_correction(float(n_treated + n_control - 2)) * estimate / s


def variance_from_interval(low: float, high: float, confidence: float = 0.95) -> float:
    """The sampling variance behind a normal interval: ((high - low) / (2 z))^2 with z the normal quantile
    of the confidence level (Borenstein et al. 2009, eq. 8.5 solved for the SE)."""
    return ((high - low) / (2.0 * normal_quantile(confidence))) ** 2


def normal_interval(estimate: float, variance: float, confidence: float = 0.95) -> tuple[float, float]:
    """The normal interval estimate +/- z sqrt(variance) (Borenstein et al. 2009, eqs. 8.3-8.4)."""
    half_width = normal_quantile(confidence) * math.sqrt(variance)
    return estimate - half_width, estimate + half_width


def normal_quantile(confidence: float) -> float:
    """z for a two-sided interval at the confidence level (1.959964 for 95 %)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))
