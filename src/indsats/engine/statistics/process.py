"""The process-oriented part of an effect study: does more (or more faithful) intervention go with
larger effects, and for whom does it work?

* ``exposure_response`` (with ``dose_response`` and ``fidelity_response``): the slope of the outcome
  (typically the change score) on how much of the intervention a child received, or on how faithfully
  it was delivered, adjusted for baseline and covariates, plus the mean outcome in exposure bands.
* ``subgroup_effects``: the effect per subgroup (age band, sex, municipality) from one regression with
  a test of whether the effects differ.

Exposure is not randomised: a dose-response slope is an association (children who get more may differ),
and subgroup analyses are exploratory; docs/statistics.md says how to read them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from indsats.engine.base.arrays import (
    FloatArray,
    IntArray,
    as_codes,
    as_float_matrix,
    as_float_vector,
    as_treatment_indicator,
    check_confidence,
    check_same_length,
)
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.base.linear_model import LinearFit, fit_linear_model
from indsats.engine.base.results import PlainResult, format_number, warning_lines
from indsats.engine.base.warnings import (
    NO_VARIATION,
    SMALL_N,
    SUBGROUP_SKIPPED,
    AnalysisWarning,
    few_clusters_warnings,
    missingness_warnings,
    small_n_warnings,
)

SMALL_SUBGROUP_LIMIT = 10
"""Subgroups (or subgroup arms) with fewer children than this give a ``small_n`` warning."""


@dataclass(frozen=True)
class BandEffect:
    """Mean outcome for the children whose exposure falls in one band."""

    label: str
    lower: float
    upper: float
    n: int
    mean: float
    se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class ExposureResponseResult(PlainResult):
    """How the outcome changes with exposure (dose or fidelity)."""

    estimate: float
    """Slope: change in the outcome per unit of exposure, adjusted for baseline and covariates."""
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    exposure_name: str
    se_method: str
    n: int
    n_missing: int
    n_clusters: int | None
    bands: tuple[BandEffect, ...]
    confidence: float
    warnings: tuple[AnalysisWarning, ...] = ()

    def summary(self) -> str:
        level = f"{self.confidence:.0%}"
        lines = [
            f"Outcome by {self.exposure_name} (n = {self.n})",
            f"  slope {format_number(self.estimate, 4)} per unit of {self.exposure_name} (SE "
            f"{format_number(self.se, 4)}, {self.se_method}; {level} CI {format_number(self.ci_low, 4)} to "
            f"{format_number(self.ci_high, 4)}; p = {format_number(self.p_value, 4)})",
        ]
        lines += [
            f"  {b.label}: n = {b.n}, mean {format_number(b.mean)} ({format_number(b.ci_low)} to "
            f"{format_number(b.ci_high)})"
            for b in self.bands
        ]
        return "\n".join(lines + warning_lines(self.warnings))


def _band_effects(
    y: FloatArray, exposure: FloatArray, edges: FloatArray, confidence: float
) -> tuple[BandEffect, ...]:
    """Means with t-intervals per band; band b holds edges[b] <= exposure < edges[b+1] (last closed)."""
    band = np.clip(np.searchsorted(edges, exposure, side="right") - 1, 0, edges.size - 2)
    count = np.bincount(band, minlength=edges.size - 1).astype(np.float64)
    total = np.bincount(band, weights=y, minlength=edges.size - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / count
        squares = np.bincount(band, weights=(y - mean[band]) ** 2, minlength=edges.size - 1)
        se = np.sqrt(squares / (count - 1) / count)
        critical = stats.t.ppf(0.5 + confidence / 2, np.maximum(count - 1, 1))
    return tuple(
        BandEffect(
            label=f"[{edges[b]:g}, {edges[b + 1]:g}{']' if b == edges.size - 2 else ')'}",
            lower=float(edges[b]),
            upper=float(edges[b + 1]),
            n=int(count[b]),
            mean=float(mean[b]) if count[b] else math.nan,
            se=float(se[b]) if count[b] > 1 else math.nan,
            ci_low=float(mean[b] - critical[b] * se[b]) if count[b] > 1 else math.nan,
            ci_high=float(mean[b] + critical[b] * se[b]) if count[b] > 1 else math.nan,
        )
        for b in range(edges.size - 1)
    )


def exposure_response(
    outcome: ArrayLike,
    exposure: ArrayLike,
    *,
    exposure_name: str = "exposure",
    baseline: ArrayLike | None = None,
    covariates: ArrayLike | None = None,
    covariate_names: Sequence[str] | None = None,
    clusters: ArrayLike | None = None,
    bands: int | Sequence[float] = 3,
    confidence: float = 0.95,
) -> ExposureResponseResult:
    """Linear exposure-response: OLS slope of the outcome on exposure, plus band means.

    y = a + beta exposure (+ b baseline + c' X) + e; beta is the change in outcome per unit of exposure
    (Hill 1965's biological gradient as a check of plausibility; Carroll et al. 2007 on fidelity as a
    moderator of outcomes). SEs classical, or CR1 cluster-robust with ``clusters`` (see
    ``fit_linear_model``). ``bands`` is a number of equal-count bands (quantiles of exposure) or explicit
    band edges. The slope is an association, not a randomised contrast.
    """
    confidence = check_confidence(confidence)
    y_all = as_float_vector(outcome, "outcome")
    e_all = as_float_vector(exposure, exposure_name)
    n_total = check_same_length({"outcome": y_all.size, exposure_name: e_all.size})
    keep = ~(np.isnan(y_all) | np.isnan(e_all))
    columns_all = [e_all]
    names = [exposure_name]
    if baseline is not None:
        b_all = as_float_vector(baseline, "baseline")
        check_same_length({"outcome": n_total, "baseline": b_all.size})
        keep &= ~np.isnan(b_all)
        columns_all.append(b_all)
        names.append("baseline")
    if covariates is not None:
        x_all = as_float_matrix(covariates, "covariates", n_total)
        keep &= ~np.isnan(x_all).any(axis=1)
        columns_all.extend(x_all.T)
        names.extend(covariate_names or [f"x{i + 1}" for i in range(x_all.shape[1])])
    codes: IntArray | None = None
    if clusters is not None:
        codes_all, _ = as_codes(clusters, "clusters", n_total)
        keep &= codes_all >= 0
        codes = np.unique(codes_all[keep], return_inverse=True)[1].astype(np.int64)
    y = y_all[keep]
    values = e_all[keep]
    if np.unique(values).size < 2:
        raise StatisticsInputError(exposure_name, "no_exposure_variation")
    design = np.column_stack([np.ones(y.size), *(column[keep] for column in columns_all)])
    fit = fit_linear_model(y, design, clusters=codes, column_names=["intercept", *names])
    estimate, se, low, high, p_value = fit.coefficient_interval(1, confidence)

    if isinstance(bands, int):
        if bands < 1:
            raise StatisticsInputError("bands", "bands_below_one", bands=bands)
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bands + 1)))
    else:
        edges = np.asarray(bands, dtype=np.float64)
        if edges.size < 2 or (np.diff(edges) <= 0).any():
            raise StatisticsInputError("bands", "band_edges")
    if edges.size < 2:
        edges = np.array([values.min(), values.max()])
    inside = (values >= edges[0]) & (values <= edges[-1])
    band_results = _band_effects(y[inside], values[inside], edges, confidence)

    warnings = missingness_warnings(n_total, y.size, "children") + small_n_warnings({"the analysis": y.size})
    warnings += few_clusters_warnings(fit.n_clusters)
    if float(np.std(values)) == 0:
        warnings.append(AnalysisWarning(NO_VARIATION, f"{exposure_name} barely varies"))
    return ExposureResponseResult(
        estimate=estimate,
        se=se,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        exposure_name=exposure_name,
        se_method=fit.se_method,
        n=y.size,
        n_missing=n_total - y.size,
        n_clusters=fit.n_clusters,
        bands=band_results,
        confidence=confidence,
        warnings=tuple(warnings),
    )


def dose_response(outcome: ArrayLike, dose: ArrayLike, **options: Any) -> ExposureResponseResult:
    """Outcome by how much of the intervention a child got (sessions, hours); see ``exposure_response``."""
    return exposure_response(outcome, dose, exposure_name="dose", **options)


def fidelity_response(outcome: ArrayLike, fidelity: ArrayLike, **options: Any) -> ExposureResponseResult:
    """Outcome by how faithfully the intervention was delivered; see ``exposure_response``."""
    return exposure_response(outcome, fidelity, exposure_name="fidelity", **options)


@dataclass(frozen=True)
class SubgroupEffect:
    """The effect (or the mean, without a comparison group) in one subgroup."""

    level: str
    n: int
    n_treated: int | None
    n_control: int | None
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class SubgroupResult(PlainResult):
    """Effects per subgroup and a test of whether they differ."""

    subgroup_name: str
    subgroups: tuple[SubgroupEffect, ...]
    heterogeneity_f: float
    """Wald F statistic for 'all subgroup effects are equal'."""
    heterogeneity_df: tuple[int, int]
    heterogeneity_p_value: float
    has_comparison_group: bool
    se_method: str
    n: int
    n_missing: int
    n_clusters: int | None
    confidence: float
    warnings: tuple[AnalysisWarning, ...] = ()

    def summary(self) -> str:
        level = f"{self.confidence:.0%}"
        kind = "effect" if self.has_comparison_group else "mean"
        lines = [f"{kind.capitalize()} by {self.subgroup_name} (n = {self.n})"]
        lines += [
            f"  {s.level}: n = {s.n}, {kind} {format_number(s.estimate)} "
            f"({level} CI {format_number(s.ci_low)} to {format_number(s.ci_high)})"
            for s in self.subgroups
        ]
        lines.append(
            f"  test of equal {kind}s: F({self.heterogeneity_df[0]}, {self.heterogeneity_df[1]}) = "
            f"{format_number(self.heterogeneity_f)}, p = {format_number(self.heterogeneity_p_value, 4)}"
        )
        return "\n".join(lines + warning_lines(self.warnings))


def subgroup_effects(
    outcome: ArrayLike,
    subgroup: ArrayLike,
    *,
    treatment: ArrayLike | None = None,
    baseline: ArrayLike | None = None,
    covariates: ArrayLike | None = None,
    covariate_names: Sequence[str] | None = None,
    clusters: ArrayLike | None = None,
    subgroup_name: str = "subgroup",
    confidence: float = 0.95,
) -> SubgroupResult:
    """Effect of the intervention in each subgroup from one regression, and a test that they are equal.

    With ``treatment``: y = sum_g a_g D_g + sum_g tau_g D_g T (+ b baseline + c' X) + e, so tau_g is the
    (adjusted) effect in subgroup g with a common baseline slope; without: y = sum_g a_g D_g (+ ...),
    the (adjusted) mean outcome, e.g. the mean change, per subgroup. The test of equal effects is the
    Wald F test of tau_2 - tau_1 = ... = tau_G - tau_1 = 0 on (G - 1, df) degrees of freedom (Brookes
    et al. 2004 recommend such an interaction test over comparing subgroup p-values). Subgroups lacking
    a treated or a comparison child are skipped with a warning. SEs as in ``fit_linear_model``.
    """
    confidence = check_confidence(confidence)
    y_all = as_float_vector(outcome, "outcome")
    n_total = y_all.size
    group_codes, levels = as_codes(subgroup, subgroup_name, n_total)
    keep = ~np.isnan(y_all) & (group_codes >= 0)
    t_all = None
    if treatment is not None:
        t_all = as_treatment_indicator(treatment, "treatment")
        check_same_length({"outcome": n_total, "treatment": t_all.size})
        keep &= ~np.isnan(t_all)
    extra_columns: list[FloatArray] = []
    if baseline is not None:
        b_all = as_float_vector(baseline, "baseline")
        check_same_length({"outcome": n_total, "baseline": b_all.size})
        keep &= ~np.isnan(b_all)
        extra_columns.append(b_all)
    if covariates is not None:
        x_all = as_float_matrix(covariates, "covariates", n_total)
        keep &= ~np.isnan(x_all).any(axis=1)
        extra_columns.extend(x_all.T)
    cluster_all: IntArray | None = None
    if clusters is not None:
        cluster_all, _ = as_codes(clusters, "clusters", n_total)
        keep &= cluster_all >= 0
    n_complete = int(keep.sum())

    warnings: list[AnalysisWarning] = []
    if t_all is not None:
        treated_count = np.bincount(group_codes[keep], weights=t_all[keep], minlength=len(levels))
        total_count = np.bincount(group_codes[keep], minlength=len(levels))
        usable = (treated_count > 0) & (treated_count < total_count)
        skipped = [str(levels[g]) for g in np.flatnonzero(~usable & (total_count > 0))]
        if skipped:
            warnings.append(
                AnalysisWarning(
                    SUBGROUP_SKIPPED,
                    f"{subgroup_name} {', '.join(skipped)} left out: no children in the intervention "
                    "or in the comparison group there",
                )
            )
        keep &= usable[np.where(group_codes >= 0, group_codes, 0)]
    present = np.unique(group_codes[keep])
    if present.size < 1:
        raise StatisticsInputError(subgroup_name, "no_subgroup_data")
    code = np.searchsorted(present, group_codes[keep])
    n_groups = present.size
    y = y_all[keep]
    dummies = (code[:, None] == np.arange(n_groups)[None, :]).astype(np.float64)
    columns = [dummies]
    if t_all is not None:
        t = t_all[keep]
        columns.append(dummies * t[:, None])
    columns.extend(column[keep][:, None] for column in extra_columns)
    design = np.hstack(columns)
    cluster_codes = (
        np.unique(cluster_all[keep], return_inverse=True)[1].astype(np.int64)
        if cluster_all is not None
        else None
    )
    fit = fit_linear_model(y, design, clusters=cluster_codes)
    offset = n_groups if t_all is not None else 0
    effect_index = offset + np.arange(n_groups)

    counts = np.bincount(code, minlength=n_groups)
    treated_counts = np.bincount(code, weights=t_all[keep], minlength=n_groups) if t_all is not None else None
    subgroups = []
    for position, g in enumerate(present):  # one row per subgroup (a handful), not per child
        estimate, se, low, high, p_value = fit.coefficient_interval(int(effect_index[position]), confidence)
        n_t = int(treated_counts[position]) if treated_counts is not None else None
        subgroups.append(
            SubgroupEffect(
                level=str(levels[g]),
                n=int(counts[position]),
                n_treated=n_t,
                n_control=int(counts[position]) - n_t if n_t is not None else None,
                estimate=estimate,
                se=se,
                ci_low=low,
                ci_high=high,
                p_value=p_value,
            )
        )
    f_statistic, df1, p_value = _equality_test(fit, effect_index)
    smallest = {
        f"{subgroup_name} {s.level}": min(s.n_treated or s.n, s.n_control or s.n)
        if s.n_treated is not None
        else s.n
        for s in subgroups
    }
    small = small_n_warnings(smallest, limit=SMALL_SUBGROUP_LIMIT)
    if small:
        warnings.append(
            AnalysisWarning(
                SMALL_N,
                "few children in "
                + ", ".join(name for name, count in smallest.items() if count < SMALL_SUBGROUP_LIMIT)
                + f" (fewer than {SMALL_SUBGROUP_LIMIT} in a group): subgroup estimates are very imprecise",
            )
        )
    warnings = (
        missingness_warnings(n_total, n_complete, "children")
        + warnings
        + few_clusters_warnings(fit.n_clusters)
    )
    return SubgroupResult(
        subgroup_name=subgroup_name,
        subgroups=tuple(subgroups),
        heterogeneity_f=f_statistic,
        heterogeneity_df=(df1, fit.df_inference),
        heterogeneity_p_value=p_value,
        has_comparison_group=t_all is not None,
        se_method=fit.se_method,
        n=y.size,
        n_missing=n_total - n_complete,
        n_clusters=fit.n_clusters,
        confidence=confidence,
        warnings=tuple(warnings),
    )


def _equality_test(fit: LinearFit, indices: IntArray) -> tuple[float, int, float]:
    """Wald F test that the coefficients at ``indices`` are all equal (Greene 2012, sec. 5.3)."""
    if indices.size < 2:
        return math.nan, 0, math.nan
    contrasts = np.zeros((indices.size - 1, fit.coefficients.size))
    contrasts[:, indices[0]] = -1.0
    contrasts[np.arange(indices.size - 1), indices[1:]] = 1.0
    difference = contrasts @ fit.coefficients
    wald = float(difference @ np.linalg.solve(contrasts @ fit.covariance @ contrasts.T, difference))
    df1 = indices.size - 1
    f_statistic = wald / df1
    return f_statistic, df1, float(stats.f.sf(f_statistic, df1, fit.df_inference))


__all__ = [
    "BandEffect",
    "ExposureResponseResult",
    "SubgroupEffect",
    "SubgroupResult",
    "dose_response",
    "exposure_response",
    "fidelity_response",
    "subgroup_effects",
]
