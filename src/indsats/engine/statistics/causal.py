"""Treatment effects when children were or were not randomised to the intervention.

* ``ancova``: regression adjustment for the baseline score and covariates (randomised or not), with
  classical, robust or cluster-robust standard errors.
* ``estimate_propensity_scores``: logistic regression of treatment on covariates.
* ``match_on_propensity`` / ``propensity_score_matching``: nearest-neighbour matching on the logit of
  the propensity score, with a caliper, with or without replacement, and common support.
* ``weight_by_propensity`` / ``inverse_probability_weighting``: inverse-probability weighting.
* ``covariate_balance``: standardised mean differences and variance ratios before and after.
* ``difference_in_differences``: a comparison group followed over pre- and post-periods.

Everything is vectorised: matching uses a k-d tree (scipy.spatial.cKDTree) on the score and, without
replacement, an optimal assignment (scipy.optimize.linear_sum_assignment), not a loop over children.
"""

from __future__ import annotations

import dataclasses
import math
import warnings as python_warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree
from scipy.special import logit

from indsats.engine.base.arrays import (
    BoolArray,
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
from indsats.engine.base.linear_model import fit_linear_model
from indsats.engine.base.results import PlainResult, estimate_text, format_number, warning_lines
from indsats.engine.base.warnings import (
    EXTREME_WEIGHTS,
    NOT_CONVERGED,
    POOR_BALANCE,
    POOR_OVERLAP,
    PRE_TRENDS,
    SEPARATION,
    AnalysisWarning,
    few_clusters_warnings,
    missingness_warnings,
    small_n_warnings,
)
from indsats.engine.statistics.effect_sizes import average_sd, hedges_correction, pooled_sd

Estimand = Literal["ate", "att"]

BALANCE_SMD_LIMIT = 0.1
"""|SMD| above this after adjustment is poor balance (Austin 2009; Stuart 2010)."""
VARIANCE_RATIO_LIMITS = (0.5, 2.0)
"""Variance ratios outside this range are poor balance (Rubin 2001)."""
OFF_SUPPORT_SHARE = 0.1
"""More than this share of treated children outside common support or caliper: ``poor_overlap``."""
EXTREME_WEIGHT_SHARE = 0.1
"""One child carrying more than this share of a group's total weight: ``extreme_weights``."""
_EXPORT_NOT = {"export": False}


# ---------------------------------------------------------------------------------------------
# Balance
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CovariateBalance:
    """Balance of one covariate between intervention and comparison, before and after adjustment."""

    covariate: str
    smd_before: float
    smd_after: float | None
    variance_ratio_before: float
    variance_ratio_after: float | None


def _weighted_mean_and_variance(x: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Column means and (reliability-weighted, unbiased) variances of a matrix with row weights."""
    total = weights.sum()
    mean = weights @ x / total
    denominator = total - (weights @ weights) / total
    variance = weights @ (x - mean) ** 2 / denominator if denominator > 0 else np.full(x.shape[1], np.nan)
    return mean, variance


def covariate_balance(
    covariates: ArrayLike,
    treatment: ArrayLike,
    *,
    covariate_names: Sequence[str] | None = None,
    weights: ArrayLike | None = None,
) -> tuple[CovariateBalance, ...]:
    """Standardised mean differences and variance ratios per covariate, before and after weighting.

    SMD = (mean_treated - mean_control) / sqrt((s_treated^2 + s_control^2) / 2) (Austin 2009, eqs. 1-2),
    with the denominator always from the unweighted sample so that 'after' differs from 'before' only
    through the means (Stuart 2010). Variance ratio = s_treated^2 / s_control^2 (Rubin 2001). 'After'
    uses ``weights`` (matching or IPW weights; rows with weight 0 drop out), when given.
    """
    t = as_treatment_indicator(treatment, "treatment")
    x = as_float_matrix(covariates, "covariates", t.size)
    names = _covariate_names(covariate_names, x.shape[1])
    if np.isnan(x).any() or np.isnan(t).any():
        raise StatisticsInputError("covariates", "balance_needs_complete_data")
    is_treated = t == 1.0
    ones_t, ones_c = np.ones(int(is_treated.sum())), np.ones(int((~is_treated).sum()))
    mean_t, var_t = _weighted_mean_and_variance(x[is_treated], ones_t)
    mean_c, var_c = _weighted_mean_and_variance(x[~is_treated], ones_c)
    balance_sd = average_sd(var_t, var_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        smd_before = (mean_t - mean_c) / balance_sd
        ratio_before = var_t / var_c
    smd_after: FloatArray | None = None
    ratio_after: FloatArray | None = None
    if weights is not None:
        w = as_float_vector(weights, "weights")
        mean_tw, var_tw = _weighted_mean_and_variance(x[is_treated], w[is_treated])
        mean_cw, var_cw = _weighted_mean_and_variance(x[~is_treated], w[~is_treated])
        with np.errstate(divide="ignore", invalid="ignore"):
            smd_after = (mean_tw - mean_cw) / balance_sd
            ratio_after = var_tw / var_cw
    return tuple(
        CovariateBalance(
            covariate=name,
            smd_before=float(smd_before[i]),
            smd_after=float(smd_after[i]) if smd_after is not None else None,
            variance_ratio_before=float(ratio_before[i]),
            variance_ratio_after=float(ratio_after[i]) if ratio_after is not None else None,
        )
        for i, name in enumerate(names)
    )


def _balance_warnings(balance: Sequence[CovariateBalance]) -> list[AnalysisWarning]:
    poor = [
        b.covariate
        for b in balance
        if b.smd_after is not None
        and (
            not math.isfinite(b.smd_after)
            or abs(b.smd_after) > BALANCE_SMD_LIMIT
            or (
                b.variance_ratio_after is not None
                and math.isfinite(b.variance_ratio_after)
                and not VARIANCE_RATIO_LIMITS[0] <= b.variance_ratio_after <= VARIANCE_RATIO_LIMITS[1]
            )
        )
    ]
    if not poor:
        return []
    return [
        AnalysisWarning(
            POOR_BALANCE,
            f"after adjustment the groups still differ on {', '.join(poor)} (|SMD| > {BALANCE_SMD_LIMIT} or "
            f"variance ratio outside {VARIANCE_RATIO_LIMITS[0]}-{VARIANCE_RATIO_LIMITS[1]}); "
            "the estimate may be biased",
        )
    ]


def _covariate_names(names: Sequence[str] | None, count: int) -> list[str]:
    if names is None:
        return [f"x{i + 1}" for i in range(count)]
    if len(names) != count:
        raise StatisticsInputError(
            "covariate_names", "covariate_names_count", names=len(names), columns=count
        )
    return list(names)


# ---------------------------------------------------------------------------------------------
# Shared input preparation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    y: FloatArray
    t: FloatArray
    x: FloatArray
    names: list[str]
    n_total: int
    kept: BoolArray


def _prepare(
    outcome: ArrayLike,
    treatment: ArrayLike,
    covariates: ArrayLike | None,
    covariate_names: Sequence[str] | None,
    extra: dict[str, FloatArray] | None = None,
) -> _Prepared:
    y_all = as_float_vector(outcome, "outcome")
    t_all = as_treatment_indicator(treatment, "treatment")
    n_total = check_same_length({"outcome": y_all.size, "treatment": t_all.size})
    if covariates is None:
        x_all = np.zeros((n_total, 0))
    else:
        x_all = as_float_matrix(covariates, "covariates", n_total)
    names = _covariate_names(covariate_names, x_all.shape[1])
    kept = ~(np.isnan(y_all) | np.isnan(t_all) | np.isnan(x_all).any(axis=1))
    for name, values in (extra or {}).items():
        check_same_length({"outcome": n_total, name: values.size})
        kept &= ~np.isnan(values)
    t = t_all[kept]
    n1, n0 = int((t == 1).sum()), int((t == 0).sum())
    if n1 < 2 or n0 < 2:
        raise StatisticsInputError("treatment", "too_few_complete_per_group", n_treated=n1, n_control=n0)
    return _Prepared(y_all[kept], t, x_all[kept], names, n_total, kept)


# ---------------------------------------------------------------------------------------------
# ANCOVA
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AncovaResult(PlainResult):
    """Difference between the groups adjusted for baseline and covariates by linear regression."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    estimand: str
    se_method: str
    df: int
    n: int
    n_treated: int
    n_control: int
    n_missing: int
    n_clusters: int | None
    hedges_g: float
    """Adjusted difference over the pooled within-group SD of the outcome, times J (WWC 2020)."""
    coefficients: dict[str, float]
    balance: tuple[CovariateBalance, ...]
    confidence: float
    warnings: tuple[AnalysisWarning, ...] = ()

    def summary(self) -> str:
        lines = [
            f"ANCOVA: intervention n = {self.n_treated}, comparison n = {self.n_control}"
            + (f", {self.n_clusters} clusters" if self.n_clusters else ""),
            "  adjusted difference "
            + estimate_text(
                self.estimate,
                self.se,
                self.ci_low,
                self.ci_high,
                self.p_value,
                self.confidence,
                se_method=self.se_method,
            )
            + f"; Hedges' g {format_number(self.hedges_g)}",
        ]
        return "\n".join(lines + warning_lines(self.warnings))


def ancova(
    outcome: ArrayLike,
    treatment: ArrayLike,
    *,
    baseline: ArrayLike | None = None,
    covariates: ArrayLike | None = None,
    covariate_names: Sequence[str] | None = None,
    clusters: ArrayLike | None = None,
    robust: bool = False,
    confidence: float = 0.95,
) -> AncovaResult:
    """ANCOVA: OLS of the outcome on treatment, the baseline score and covariates.

    y = a + tau T + b * baseline + c' X + e; tau is the adjusted difference (Senn 2006; Van Breukelen
    2006 for its use with a baseline). Standard errors: classical, HC1 (``robust``) or CR1 cluster-robust
    when ``clusters`` (e.g. municipality) is given, t on G - 1 df (Cameron & Miller 2015); see
    ``indsats.engine.base.linear_model.fit_linear_model``. Rows with a missing value are left out.
    """
    confidence = check_confidence(confidence)
    n_rows = as_float_vector(outcome, "outcome").size
    extra: dict[str, FloatArray] = {}
    baseline_values = None
    if baseline is not None:
        baseline_values = as_float_vector(baseline, "baseline")
        extra["baseline"] = baseline_values
    cluster_codes_all: IntArray | None = None
    if clusters is not None:
        cluster_codes_all, _ = as_codes(clusters, "clusters", n_rows)
        extra["clusters"] = np.where(cluster_codes_all < 0, np.nan, 0.0)
    data = _prepare(outcome, treatment, covariates, covariate_names, extra)
    columns = [np.ones_like(data.y), data.t]
    column_names = ["intercept", "treatment"]
    balance_matrix = data.x
    balance_names = list(data.names)
    if baseline_values is not None:
        columns.append(baseline_values[data.kept])
        column_names.append("baseline")
        balance_matrix = np.column_stack([baseline_values[data.kept], data.x])
        balance_names = ["baseline", *data.names]
    columns.extend(data.x.T)
    column_names.extend(data.names)
    design = np.column_stack(columns)
    cluster_codes = None
    if cluster_codes_all is not None:
        cluster_codes = np.unique(cluster_codes_all[data.kept], return_inverse=True)[1].astype(np.int64)
    fit = fit_linear_model(data.y, design, clusters=cluster_codes, robust=robust, column_names=column_names)
    estimate, se, low, high, p_value = fit.coefficient_interval(1, confidence)
    is_treated = data.t == 1
    n1, n0 = int(is_treated.sum()), int((~is_treated).sum())
    outcome_sd = pooled_sd(
        n1, float(data.y[is_treated].var(ddof=1)), n0, float(data.y[~is_treated].var(ddof=1))
    )
    balance = (
        covariate_balance(balance_matrix, data.t, covariate_names=balance_names)
        if balance_matrix.shape[1]
        else ()
    )
    warnings = (
        missingness_warnings(data.n_total, data.y.size, "children")
        + small_n_warnings({"the intervention group": n1, "the comparison group": n0})
        + few_clusters_warnings(fit.n_clusters)
    )
    return AncovaResult(
        estimate=estimate,
        se=se,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        estimand="ate",
        se_method=fit.se_method,
        df=fit.df_inference,
        n=data.y.size,
        n_treated=n1,
        n_control=n0,
        n_missing=data.n_total - data.y.size,
        n_clusters=fit.n_clusters,
        hedges_g=hedges_correction(n1 + n0 - 2) * estimate / outcome_sd if outcome_sd > 0 else math.nan,
        coefficients={name: float(c) for name, c in zip(column_names, fit.coefficients, strict=True)},
        balance=balance,
        confidence=confidence,
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------------------------
# Propensity scores
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PropensityModel:
    """A fitted logistic propensity model: P(treatment = 1 | covariates)."""

    scores: FloatArray = field(repr=False, metadata=_EXPORT_NOT)
    coefficients: dict[str, float]
    converged: bool
    warnings: tuple[AnalysisWarning, ...] = ()


def estimate_propensity_scores(
    treatment: ArrayLike, covariates: ArrayLike, *, covariate_names: Sequence[str] | None = None
) -> PropensityModel:
    """Propensity scores e(x) = P(T = 1 | x) from a logistic regression with an intercept.

    Maximum likelihood by Newton's method (statsmodels' Logit) (Rosenbaum & Rubin 1983). Needs complete
    data. Perfect or quasi-complete separation gives a ``separation`` warning: some children then have
    scores of 0 or 1 and no comparable counterpart.
    """
    t = as_treatment_indicator(treatment, "treatment")
    x = as_float_matrix(covariates, "covariates", t.size)
    names = _covariate_names(covariate_names, x.shape[1])
    if np.isnan(t).any() or np.isnan(x).any():
        raise StatisticsInputError("covariates", "propensity_needs_complete_data")
    return _fit_logit(t, x, names)


def _fit_logit(t: FloatArray, x: FloatArray, names: list[str]) -> PropensityModel:
    # statsmodels is heavy: loaded only by the estimators that need it (the CLI starts fast)
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    design = np.column_stack([np.ones(t.size), x])
    scale = np.linalg.norm(design, axis=0)
    scaled = design / np.where(scale == 0, 1.0, scale)
    if np.linalg.matrix_rank(scaled.T @ scaled, hermitian=True) < design.shape[1]:
        raise StatisticsInputError("covariates", "covariates_collinear", names=", ".join(names))
    warnings: list[AnalysisWarning] = []
    with python_warnings.catch_warnings(record=True) as caught:
        python_warnings.simplefilter("always")
        fit = sm.Logit(t, design).fit(disp=0, maxiter=200, method="newton")
    converged = bool(fit.mle_retvals.get("converged", True))
    scores = np.asarray(fit.predict(design), dtype=np.float64)
    if any(issubclass(w.category, PerfectSeparationWarning) for w in caught):
        warnings.append(
            AnalysisWarning(
                SEPARATION,
                "the covariates (almost) perfectly predict who got the intervention: some children have no "
                "comparable counterpart; simplify the propensity model or restrict the sample",
            )
        )
    if not converged or any(issubclass(w.category, ConvergenceWarning) for w in caught):
        warnings.append(AnalysisWarning(NOT_CONVERGED, "the propensity model did not converge"))
    coefficients = dict(zip(["intercept", *names], (float(c) for c in fit.params), strict=True))
    return PropensityModel(np.clip(scores, 1e-10, 1 - 1e-10), coefficients, converged, tuple(warnings))


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchingResult(PlainResult):
    """Average effect on the treated (ATT) from nearest-neighbour matching on the propensity score."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    estimand: str
    n: int
    """Children in the analysis: matched treated plus distinct matched comparison children."""
    n_treated: int
    n_control: int
    n_matched: int
    """Treated children with at least one match."""
    n_matched_controls: int
    """Distinct comparison children used as matches."""
    n_off_support: int
    """Treated children outside the common support of the propensity score (left out)."""
    n_outside_caliper: int
    """Treated children on the support but with no comparison child within the caliper (left out)."""
    n_missing: int
    ratio: int
    replace: bool
    caliper: float | None
    """Caliper in SDs of the logit of the propensity score (None: no caliper)."""
    balance: tuple[CovariateBalance, ...]
    confidence: float
    weights: FloatArray = field(repr=False, metadata=_EXPORT_NOT)
    """Matching weight per analysed row (1 for matched treated, sum of 1/m for controls, 0 unused)."""
    propensity: FloatArray = field(repr=False, metadata=_EXPORT_NOT)
    warnings: tuple[AnalysisWarning, ...] = ()

    def summary(self) -> str:
        caliper = f"caliper {self.caliper:g} SD" if self.caliper is not None else "no caliper"
        lines = [
            f"Propensity-score matching 1:{self.ratio} "
            f"{'with' if self.replace else 'without'} replacement, {caliper}",
            f"  treated {self.n_treated} (matched {self.n_matched}, off support {self.n_off_support}, "
            f"outside caliper {self.n_outside_caliper}); "
            f"comparison {self.n_control} (used {self.n_matched_controls})",
            "  ATT "
            + estimate_text(self.estimate, self.se, self.ci_low, self.ci_high, self.p_value, self.confidence),
            "  balance (SMD before -> after):",
        ]
        lines += [
            f"    {b.covariate}: {format_number(b.smd_before)} -> {format_number(b.smd_after)}"
            for b in self.balance
        ]
        return "\n".join(lines + warning_lines(self.warnings))


def match_on_propensity(
    outcome: ArrayLike,
    treatment: ArrayLike,
    propensity: ArrayLike,
    *,
    covariates: ArrayLike | None = None,
    covariate_names: Sequence[str] | None = None,
    ratio: int = 1,
    caliper: float | None = 0.2,
    replace: bool = True,
    common_support: bool = True,
    confidence: float = 0.95,
    extra_warnings: Sequence[AnalysisWarning] = (),
) -> MatchingResult:
    """ATT by nearest-neighbour matching on the logit of given propensity scores.

    * Distance |logit e_i - logit e_j| (Rosenbaum & Rubin 1985); ``caliper`` in SDs of the logit,
      pooled over the groups, sqrt((s_t^2 + s_c^2)/2), default 0.2 (Austin 2011).
    * Common support: treated children whose score lies outside the comparison group's range are
      left out (the min-max rule; Dehejia & Wahba 1999).
    * With replacement: each treated child gets its ``ratio`` nearest comparison children within the
      caliper (fewer if fewer are near; all of them when several tie, as Abadie & Imbens 2006 define
      the match set), by a k-d tree query and binary search. Without replacement: an optimal
      assignment minimising the total distance (optimal pair matching, Rosenbaum 1989; Hansen 2004),
      which also avoids the order dependence of greedy matching; pairs beyond the caliper are dropped.
    * ATT = mean over matched treated of (y_i - mean of its m_i matches) (Abadie & Imbens 2006, eq. 3).
    * Variance (Abadie & Imbens 2006, Theorem 7, V^{pop,t}, extended to m_i matches):
      V = [sum_treated (y_i - yhat_i(0) - ATT)^2 + sum_controls (w_j^2 - sum_{i->j} 1/m_i^2) s_j^2] / N_1^2,
      with w_j = sum of 1/m_i over the treated j is matched to and s_j^2 = (y_j - y_l)^2 / 2 from j's
      nearest other comparison child l (Abadie & Imbens 2006, sec. 4.1, J = 1); where several are
      equally near, s_j^2 = J/(J+1) (y_j - their mean)^2 over all J of them (eq. 14), so the SE does not
      depend on the order of tied comparison children. It treats the scores as
      known; Abadie & Imbens (2016) show the correction for estimated scores, not applied here.
    """
    confidence = check_confidence(confidence)
    if ratio < 1:
        raise StatisticsInputError("ratio", "ratio_below_one", ratio=ratio)
    if caliper is not None and caliper <= 0:
        raise StatisticsInputError("caliper", "caliper_not_positive", caliper=caliper)
    scores_all = as_float_vector(propensity, "propensity")
    data = _prepare(outcome, treatment, covariates, covariate_names, {"propensity": scores_all})
    scores = scores_all[data.kept]
    if ((scores <= 0) | (scores >= 1)).any():
        raise StatisticsInputError("propensity", "propensity_out_of_range")
    is_treated = data.t == 1
    treated_index = np.flatnonzero(is_treated)
    control_index = np.flatnonzero(~is_treated)
    distance = logit(scores)
    d_t, d_c = distance[treated_index], distance[control_index]
    caliper_width = math.inf
    if caliper is not None:
        caliper_width = caliper * average_sd(float(d_t.var(ddof=1)), float(d_c.var(ddof=1)))

    on_support = np.ones(treated_index.size, dtype=bool)
    if common_support:
        on_support = (scores[treated_index] >= scores[control_index].min()) & (
            scores[treated_index] <= scores[control_index].max()
        )
    candidates = np.flatnonzero(on_support)
    if replace:
        match_rows, match_cols = _match_with_replacement(d_t[candidates], d_c, ratio, caliper_width)
    else:
        match_rows, match_cols = _match_without_replacement(d_t[candidates], d_c, ratio, caliper_width)
    match_rows = candidates[match_rows]  # positions among treated

    matches_per_treated = np.bincount(match_rows, minlength=treated_index.size)
    is_matched = matches_per_treated > 0
    n_matched = int(is_matched.sum())
    if n_matched == 0:
        raise StatisticsInputError("caliper", "nothing_within_caliper")
    pair_weight = 1.0 / matches_per_treated[match_rows]
    control_weight = np.bincount(match_cols, weights=pair_weight, minlength=control_index.size)
    control_weight_sq = np.bincount(match_cols, weights=pair_weight**2, minlength=control_index.size)

    y_t, y_c = data.y[treated_index], data.y[control_index]
    imputed_control = np.bincount(
        match_rows, weights=pair_weight * y_c[match_cols], minlength=treated_index.size
    )
    effects = (y_t - imputed_control)[is_matched]
    att = float(effects.mean())

    # Abadie-Imbens variance: heterogeneity among the treated plus reuse of comparison children
    reuse = control_weight**2 - control_weight_sq
    reused = np.flatnonzero(reuse > 1e-12)
    conditional_variance = _nearest_neighbour_variance(d_c, y_c, reused)
    variance = (np.sum((effects - att) ** 2) + np.sum(reuse[reused] * conditional_variance)) / n_matched**2
    se = math.sqrt(variance)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p_value = float(2 * stats.norm.sf(abs(att / se))) if se > 0 else math.nan

    weights = np.zeros(data.y.size)
    weights[treated_index[is_matched]] = 1.0
    weights[control_index] = control_weight
    balance = (
        covariate_balance(data.x, data.t, covariate_names=data.names, weights=weights)
        if data.x.shape[1]
        else ()
    )
    n_treated = int(treated_index.size)
    n_off_support = int((~on_support).sum())
    n_outside_caliper = int((on_support & ~is_matched).sum())
    warnings = list(extra_warnings) + missingness_warnings(data.n_total, data.y.size, "children")
    warnings += small_n_warnings({"the matched intervention group": n_matched})
    if (n_off_support + n_outside_caliper) > OFF_SUPPORT_SHARE * n_treated:
        warnings.append(
            AnalysisWarning(
                POOR_OVERLAP,
                f"{n_off_support + n_outside_caliper} of {n_treated} treated children had no comparable "
                "comparison child and were left out; the estimate holds only for the matched children",
            )
        )
    warnings += _balance_warnings(balance)
    return MatchingResult(
        estimate=att,
        se=se,
        ci_low=att - z * se,
        ci_high=att + z * se,
        p_value=p_value,
        estimand="att",
        n=n_matched + int((control_weight > 0).sum()),
        n_treated=n_treated,
        n_control=int(control_index.size),
        n_matched=n_matched,
        n_matched_controls=int((control_weight > 0).sum()),
        n_off_support=n_off_support,
        n_outside_caliper=n_outside_caliper,
        n_missing=data.n_total - data.y.size,
        ratio=ratio,
        replace=replace,
        caliper=caliper,
        balance=balance,
        confidence=confidence,
        weights=weights,
        propensity=scores,
        warnings=tuple(warnings),
    )


def _match_with_replacement(
    treated: FloatArray, controls: FloatArray, ratio: int, caliper_width: float
) -> tuple[IntArray, IntArray]:
    """(treated, control) position pairs: each treated child's ``ratio`` nearest, ties included.

    As in Abadie & Imbens (2006), the match set holds every comparison child at most as far as the
    ``ratio``-th nearest, so ties are all used (and averaged) rather than broken arbitrarily; with a
    caliper it is cut at the caliper. On one dimension that set is a contiguous run of the sorted
    scores, found with two binary searches for all treated children at once.
    """
    k = min(ratio, controls.size)
    distances, _ = cKDTree(controls[:, None]).query(treated[:, None], k=k)
    kth_distance = np.asarray(distances).reshape(treated.size, k)[:, -1]
    radius = np.minimum(kth_distance, caliper_width)
    radius = radius * (1 + 1e-10) + 1e-12  # equal scores computed in different order still tie
    order = np.argsort(controls, kind="stable")
    sorted_controls = controls[order]
    first = np.searchsorted(sorted_controls, treated - radius, side="left")
    last = np.searchsorted(sorted_controls, treated + radius, side="right")
    counts = last - first
    rows = np.repeat(np.arange(treated.size), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    columns = order[np.repeat(first, counts) + offsets]
    return rows.astype(np.int64), columns.astype(np.int64)


def _match_without_replacement(
    treated: FloatArray, controls: FloatArray, ratio: int, caliper_width: float
) -> tuple[IntArray, IntArray]:
    """Optimal 1:ratio matching without replacement minimising total distance, within the caliper.

    Each treated child appears ``ratio`` times as a row of the cost matrix. Pairs beyond the caliper
    cost a large penalty, so the assignment first maximises the number of pairs within the caliper and
    then minimises their distance; penalised pairs are dropped afterwards. Only each treated child's
    rows*1 nearest comparison children can be needed by an optimal assignment (any farther one can be
    swapped for a free nearer one), so the matrix keeps just the union of those columns.
    """
    rows = np.repeat(np.arange(treated.size), ratio)
    k = min(controls.size, rows.size)
    _, nearest = cKDTree(controls[:, None]).query(treated[:, None], k=k)
    columns = np.unique(np.asarray(nearest).ravel())
    distance = np.abs(treated[rows][:, None] - controls[columns][None, :])
    penalty = 1e6 * (1.0 + float(distance.max()))
    cost = np.where(distance <= caliper_width, distance, penalty + distance)
    assigned_rows, assigned_columns = linear_sum_assignment(cost)
    within = distance[assigned_rows, assigned_columns] <= caliper_width
    return rows[assigned_rows[within]].astype(np.int64), columns[assigned_columns[within]].astype(np.int64)


def _nearest_neighbour_variance(distance: FloatArray, y: FloatArray, units: IntArray) -> FloatArray:
    """s_j^2 = J_j / (J_j + 1) (y_j - mean of y_l over L_j)^2 for ``units`` j (Abadie & Imbens 2006,
    eq. 14), where L_j holds every other unit as near to j as its nearest other unit, so J_j = |L_j| is
    1 without ties and tied neighbours are averaged, as the point estimate averages tied matches; with one
    neighbour this is (y_j - y_l)^2 / 2. The result does not depend on the order of the units."""
    if y.size < 2 or units.size == 0:
        return np.zeros(units.size)
    distances, _ = cKDTree(distance[:, None]).query(distance[units, None], k=2)
    nearest_other = np.asarray(distances)[:, 1]  # the first is the unit itself (or a unit at distance 0)
    radius = nearest_other * (1 + 1e-10) + 1e-12  # equal distances computed in different order still tie
    order = np.argsort(distance, kind="stable")
    sorted_distance = distance[order]
    cumulative_y = np.concatenate([[0.0], np.cumsum(y[order])])
    first = np.searchsorted(sorted_distance, distance[units] - radius, side="left")
    last = np.searchsorted(sorted_distance, distance[units] + radius, side="right")
    neighbours = (last - first - 1).astype(np.float64)  # the run holds the unit itself
    neighbour_mean = (cumulative_y[last] - cumulative_y[first] - y[units]) / neighbours
    result: FloatArray = neighbours / (neighbours + 1) * (y[units] - neighbour_mean) ** 2
    return result


def propensity_score_matching(
    outcome: ArrayLike,
    treatment: ArrayLike,
    covariates: ArrayLike,
    *,
    covariate_names: Sequence[str] | None = None,
    ratio: int = 1,
    caliper: float | None = 0.2,
    replace: bool = True,
    common_support: bool = True,
    confidence: float = 0.95,
) -> MatchingResult:
    """Estimate propensity scores by logistic regression on ``covariates``, then match on them.

    See ``estimate_propensity_scores`` and ``match_on_propensity`` for the methods and sources.
    Rows with any missing value are left out first.
    """
    data = _prepare(outcome, treatment, covariates, covariate_names)
    if data.x.shape[1] == 0:
        raise StatisticsInputError("covariates", "no_covariates")
    model = _fit_logit(data.t, data.x, data.names)
    result = match_on_propensity(
        data.y,
        data.t,
        model.scores,
        covariates=data.x,
        covariate_names=data.names,
        ratio=ratio,
        caliper=caliper,
        replace=replace,
        common_support=common_support,
        confidence=confidence,
        extra_warnings=model.warnings + tuple(missingness_warnings(data.n_total, data.y.size, "children")),
    )
    return _with_missing(result, data.n_total - data.y.size)


def _with_missing(result: MatchingResult, n_missing: int) -> MatchingResult:
    return dataclasses.replace(result, n_missing=n_missing)


# ---------------------------------------------------------------------------------------------
# Inverse-probability weighting
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightingResult(PlainResult):
    """Treatment effect by inverse-probability weighting (normalised, Hajek weights)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    estimand: str
    n: int
    n_treated: int
    n_control: int
    n_missing: int
    mean_treated: float
    """Weighted mean outcome of the treated (the potential outcome under the intervention)."""
    mean_control: float
    effective_n_treated: float
    """Kish's effective sample size (sum w)^2 / sum w^2 of the treated."""
    effective_n_control: float
    max_weight_share: float
    """Largest share of its group's total weight that one child carries."""
    propensity_estimated: bool
    balance: tuple[CovariateBalance, ...]
    confidence: float
    weights: FloatArray = field(repr=False, metadata=_EXPORT_NOT)
    propensity: FloatArray = field(repr=False, metadata=_EXPORT_NOT)
    warnings: tuple[AnalysisWarning, ...] = ()

    def summary(self) -> str:
        lines = [
            f"Inverse-probability weighting ({self.estimand.upper()}): treated {self.n_treated}, comparison "
            f"{self.n_control}; effective n {self.effective_n_treated:.1f} / {self.effective_n_control:.1f}",
            f"  {self.estimand.upper()} "
            + estimate_text(self.estimate, self.se, self.ci_low, self.ci_high, self.p_value, self.confidence),
            "  balance (SMD before -> after):",
        ]
        lines += [
            f"    {b.covariate}: {format_number(b.smd_before)} -> {format_number(b.smd_after)}"
            for b in self.balance
        ]
        return "\n".join(lines + warning_lines(self.warnings))


def _ipw_weights(t: FloatArray, e: FloatArray, estimand: Estimand) -> FloatArray:
    if estimand == "ate":
        weights: FloatArray = t / e + (1 - t) / (1 - e)
    else:
        weights = t + (1 - t) * e / (1 - e)
    return weights


def _ipw_estimate(
    y: FloatArray,
    t: FloatArray,
    e: FloatArray,
    estimand: Estimand,
    design: FloatArray | None,
) -> tuple[float, float, float, float]:
    """Hajek IPW estimate and its sandwich variance from stacked estimating equations.

    Parameters theta = (beta, mu1, mu0); equations (Lunceford & Davidian 2004, sec. 3.2; Stefanski &
    Boos 2002): (T - e) x for the logit (only when ``design`` is given, i.e. the scores were estimated),
    and for ATE T (y - mu1) / e, (1 - T)(y - mu0) / (1 - e); for ATT T (y - mu1),
    (1 - T) e / (1 - e) (y - mu0). Var = A^-1 B A^-T / n with A = -mean dpsi/dtheta, B = mean psi psi'.
    Returns (estimate, variance, mu1, mu0).
    """
    n = y.size
    weights = _ipw_weights(t, e, estimand)
    w1, w0 = t * weights, (1 - t) * weights
    mu1 = float(w1 @ y / w1.sum())
    mu0 = float(w0 @ y / w0.sum())
    r1, r0 = t * (y - mu1), (1 - t) * (y - mu0)
    if estimand == "ate":
        psi_mu = np.column_stack([r1 / e, r0 / (1 - e)])
        d_mu = np.diag([-np.mean(t / e), -np.mean((1 - t) / (1 - e))])
        d_beta_rows = (-(r1 * (1 - e) / e), r0 * e / (1 - e))
    else:
        odds = e / (1 - e)
        psi_mu = np.column_stack([r1, r0 * odds])
        d_mu = np.diag([-np.mean(t), -np.mean((1 - t) * odds)])
        d_beta_rows = (np.zeros(n), r0 * odds)
    if design is None:
        psi = psi_mu
        jacobian = d_mu
    else:
        p = design.shape[1]
        psi = np.column_stack([(t - e)[:, None] * design, psi_mu])
        jacobian = np.zeros((p + 2, p + 2))
        jacobian[:p, :p] = -(design * (e * (1 - e))[:, None]).T @ design / n
        jacobian[p, :p] = d_beta_rows[0] @ design / n
        jacobian[p + 1, :p] = d_beta_rows[1] @ design / n
        jacobian[p:, p:] = d_mu
    meat = psi.T @ psi / n
    bread = np.linalg.inv(jacobian)
    covariance = bread @ meat @ bread.T / n
    contrast = np.zeros(covariance.shape[0])
    contrast[-2], contrast[-1] = 1.0, -1.0
    return mu1 - mu0, float(contrast @ covariance @ contrast), mu1, mu0


def weight_by_propensity(
    outcome: ArrayLike,
    treatment: ArrayLike,
    propensity: ArrayLike,
    *,
    estimand: Estimand = "ate",
    covariates: ArrayLike | None = None,
    covariate_names: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> WeightingResult:
    """IPW effect with given (known) propensity scores.

    ATE weights 1/e for the treated and 1/(1 - e) for the comparison; ATT weights 1 and e/(1 - e)
    (Hirano, Imbens & Ridder 2003; Austin & Stuart 2015). Means are normalised within each group
    (Hajek): mu1 = sum w T y / sum w T, mu0 likewise; effect = mu1 - mu0. SE by the sandwich, treating
    the scores as known (see ``inverse_probability_weighting`` for estimated scores).
    """
    scores_all = as_float_vector(propensity, "propensity")
    data = _prepare(outcome, treatment, covariates, covariate_names, {"propensity": scores_all})
    return _weighting_result(data, scores_all[data.kept], estimand, None, (), confidence)


def inverse_probability_weighting(
    outcome: ArrayLike,
    treatment: ArrayLike,
    covariates: ArrayLike,
    *,
    covariate_names: Sequence[str] | None = None,
    estimand: Estimand = "ate",
    confidence: float = 0.95,
) -> WeightingResult:
    """IPW effect with propensity scores estimated by logistic regression on ``covariates``.

    Weights and the Hajek estimator as in ``weight_by_propensity``. The SE comes from the stacked
    estimating equations of the logit and the two weighted means, so it accounts for estimating the
    scores (Lunceford & Davidian 2004; for the ATE this is smaller than treating them as known).
    """
    data = _prepare(outcome, treatment, covariates, covariate_names)
    if data.x.shape[1] == 0:
        raise StatisticsInputError("covariates", "no_covariates")
    model = _fit_logit(data.t, data.x, data.names)
    design = np.column_stack([np.ones(data.t.size), data.x])
    return _weighting_result(data, model.scores, estimand, design, model.warnings, confidence)


def _weighting_result(
    data: _Prepared,
    scores: FloatArray,
    estimand: Estimand,
    design: FloatArray | None,
    extra_warnings: Sequence[AnalysisWarning],
    confidence: float,
) -> WeightingResult:
    confidence = check_confidence(confidence)
    if estimand not in ("ate", "att"):
        raise StatisticsInputError("estimand", "unknown_estimand", estimand=estimand)
    if ((scores <= 0) | (scores >= 1)).any():
        raise StatisticsInputError("propensity", "propensity_out_of_range")
    estimate, variance, mu1, mu0 = _ipw_estimate(data.y, data.t, scores, estimand, design)
    se = math.sqrt(variance)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    weights = _ipw_weights(data.t, scores, estimand)
    is_treated = data.t == 1
    effective = [float(w.sum() ** 2 / (w @ w)) for w in (weights[is_treated], weights[~is_treated])]
    max_share = max(float(w.max() / w.sum()) for w in (weights[is_treated], weights[~is_treated]))
    balance = (
        covariate_balance(data.x, data.t, covariate_names=data.names, weights=weights)
        if data.x.shape[1]
        else ()
    )
    n1, n0 = int(is_treated.sum()), int((~is_treated).sum())
    warnings = list(extra_warnings) + missingness_warnings(data.n_total, data.y.size, "children")
    warnings += small_n_warnings({"the intervention group": n1, "the comparison group": n0})
    if max_share > EXTREME_WEIGHT_SHARE:
        warnings.append(
            AnalysisWarning(
                EXTREME_WEIGHTS,
                f"one child carries {max_share:.0%} of its group's weight (effective n "
                f"{effective[0]:.0f} treated, {effective[1]:.0f} comparison): propensity scores near 0 or 1 "
                "make the estimate unstable",
            )
        )
    warnings += _balance_warnings(balance)
    return WeightingResult(
        estimate=estimate,
        se=se,
        ci_low=estimate - z * se,
        ci_high=estimate + z * se,
        p_value=float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else math.nan,
        estimand=estimand,
        n=data.y.size,
        n_treated=n1,
        n_control=n0,
        n_missing=data.n_total - data.y.size,
        mean_treated=mu1,
        mean_control=mu0,
        effective_n_treated=effective[0],
        effective_n_control=effective[1],
        max_weight_share=max_share,
        propensity_estimated=design is not None,
        balance=balance,
        confidence=confidence,
        weights=weights,
        propensity=scores,
        warnings=tuple(warnings),
    )


# ---------------------------------------------------------------------------------------------
# Difference-in-differences
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DifferenceInDifferencesResult(PlainResult):
    """Change in the intervention group minus change in the comparison group."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    se_method: str
    df: int
    n: int
    """Observations (child x period rows) used."""
    n_missing: int
    n_clusters: int | None
    group_means: dict[str, float]
    """Unadjusted means: treated_pre, treated_post, control_pre, control_post."""
    pre_trend_difference: float | None
    """Per-period difference in pre-period slopes, treated minus comparison (needs >= 2 pre-periods)."""
    pre_trend_p_value: float | None
    confidence: float
    warnings: tuple[AnalysisWarning, ...] = ()

    def summary(self) -> str:
        m = self.group_means
        lines = [
            f"Difference-in-differences (n = {self.n} observations)",
            f"  intervention {format_number(m['treated_pre'])} -> {format_number(m['treated_post'])}; "
            f"comparison {format_number(m['control_pre'])} -> {format_number(m['control_post'])}",
            "  effect "
            + estimate_text(
                self.estimate,
                self.se,
                self.ci_low,
                self.ci_high,
                self.p_value,
                self.confidence,
                se_method=self.se_method,
            ),
        ]
        if self.pre_trend_difference is not None:
            lines.append(
                f"  pre-period trend difference {format_number(self.pre_trend_difference)} per period "
                f"(p = {format_number(self.pre_trend_p_value, 4)})"
            )
        return "\n".join(lines + warning_lines(self.warnings))


def difference_in_differences(
    outcome: ArrayLike,
    treated: ArrayLike,
    post: ArrayLike,
    *,
    period: ArrayLike | None = None,
    clusters: ArrayLike | None = None,
    covariates: ArrayLike | None = None,
    covariate_names: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> DifferenceInDifferencesResult:
    """Difference-in-differences from long data (one row per child and period).

    y = a + b treated + c post + tau treated x post (+ c' X) + e (Angrist & Pischke 2009, sec. 5.2);
    without covariates tau equals (mean treated post - mean treated pre) - (mean control post - mean
    control pre). With ``period`` (numbered periods), period fixed effects replace ``post``
    (two-way fixed effects at group level) and, with at least two pre-periods, the difference in linear
    pre-period trends is tested (an event-study style placebo; a ``pre_trends`` warning at p < 0.05).
    Give ``clusters`` (the child's id or municipality) for cluster-robust SEs, since a child's rows are
    correlated (Bertrand, Duflo & Mullainathan 2004).
    """
    confidence = check_confidence(confidence)
    y_all = as_float_vector(outcome, "outcome")
    group_all = as_treatment_indicator(treated, "treated")
    post_all = as_treatment_indicator(post, "post")
    n_total = check_same_length({"outcome": y_all.size, "treated": group_all.size, "post": post_all.size})
    keep = ~(np.isnan(y_all) | np.isnan(group_all) | np.isnan(post_all))
    period_all = None
    if period is not None:
        period_all = as_float_vector(period, "period")
        check_same_length({"outcome": n_total, "period": period_all.size})
        keep &= ~np.isnan(period_all)
    x_all = (
        np.zeros((n_total, 0)) if covariates is None else as_float_matrix(covariates, "covariates", n_total)
    )
    names = _covariate_names(covariate_names, x_all.shape[1])
    keep &= ~np.isnan(x_all).any(axis=1)
    cluster_all: IntArray | None = None
    if clusters is not None:
        cluster_all, _ = as_codes(clusters, "clusters", n_total)
        keep &= cluster_all >= 0
    y, g, p, x = y_all[keep], group_all[keep], post_all[keep], x_all[keep]
    cells = {
        "treated_pre": (g == 1) & (p == 0),
        "treated_post": (g == 1) & (p == 1),
        "control_pre": (g == 0) & (p == 0),
        "control_post": (g == 0) & (p == 1),
    }
    for name, mask in cells.items():
        if not mask.any():
            raise StatisticsInputError("post", "empty_cell", cell=name.replace("_", " "))
    group_means = {name: float(y[mask].mean()) for name, mask in cells.items()}
    cluster_codes = (
        np.unique(cluster_all[keep], return_inverse=True)[1].astype(np.int64)
        if cluster_all is not None
        else None
    )

    columns = [np.ones_like(y), g]
    column_names = ["intercept", "treated"]
    periods = None
    if period_all is not None:
        periods = period_all[keep]
        levels = np.unique(periods)
        if any(np.unique(p[periods == level]).size > 1 for level in levels):
            raise StatisticsInputError("post", "period_straddles_start")
        columns.extend((periods == level).astype(np.float64) for level in levels[1:])
        column_names.extend(f"period {level:g}" for level in levels[1:])
    else:
        columns.append(p)
        column_names.append("post")
    columns.append(g * p)
    column_names.append("treated x post")
    columns.extend(x.T)
    column_names.extend(names)
    fit = fit_linear_model(
        y, np.column_stack(columns), clusters=cluster_codes, robust=False, column_names=column_names
    )
    estimate, se, low, high, p_value = fit.coefficient_interval(
        column_names.index("treated x post"), confidence
    )

    warnings = missingness_warnings(n_total, y.size, "observations") + few_clusters_warnings(fit.n_clusters)
    trend: float | None = None
    trend_p: float | None = None
    if periods is not None:
        pre = p == 0
        pre_levels = np.unique(periods[pre])
        if pre_levels.size >= 2:
            pre_columns = [np.ones(int(pre.sum())), g[pre]]
            pre_columns.extend((periods[pre] == level).astype(np.float64) for level in pre_levels[1:])
            pre_columns.append(g[pre] * periods[pre])
            pre_clusters = (
                np.unique(cluster_codes[pre], return_inverse=True)[1].astype(np.int64)
                if cluster_codes is not None
                else None
            )
            pre_fit = fit_linear_model(y[pre], np.column_stack(pre_columns), clusters=pre_clusters)
            trend, _, _, _, trend_p = pre_fit.coefficient_interval(len(pre_columns) - 1, confidence)
            if trend_p < 0.05:
                warnings.append(
                    AnalysisWarning(
                        PRE_TRENDS,
                        f"before the intervention the groups already trended apart ({trend:.3g} per period, "
                        f"p = {trend_p:.3f}); the parallel-trends assumption is doubtful",
                    )
                )
    return DifferenceInDifferencesResult(
        estimate=estimate,
        se=se,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        se_method=fit.se_method,
        df=fit.df_inference,
        n=y.size,
        n_missing=n_total - y.size,
        n_clusters=fit.n_clusters,
        group_means=group_means,
        pre_trend_difference=trend,
        pre_trend_p_value=trend_p,
        confidence=confidence,
        warnings=tuple(warnings),
    )


__all__ = [
    "AncovaResult",
    "CovariateBalance",
    "DifferenceInDifferencesResult",
    "MatchingResult",
    "PropensityModel",
    "WeightingResult",
    "ancova",
    "covariate_balance",
    "difference_in_differences",
    "estimate_propensity_scores",
    "inverse_probability_weighting",
    "match_on_propensity",
    "propensity_score_matching",
    "weight_by_propensity",
]
