"""Meta-analysis: pooling effect sizes from several studies, for screening and for the business case.

Fixed effect (inverse variance), random effects with tau^2 by DerSimonian-Laird or REML, Cochran's Q,
I^2, H^2, the prediction interval and the per-study rows of a forest plot. Effect sizes are prepared
with ``log_risk_ratio`` or ``standardised_mean_difference`` (or come ready as yi, vi).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from indsats.engine.base.arrays import FloatArray, as_float_vector, check_confidence, check_same_length
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.base.results import estimate_text, format_number, plain_value, warning_lines
from indsats.engine.base.warnings import FEW_STUDIES, NOT_CONVERGED, AnalysisWarning
from indsats.engine.statistics.effect_sizes import hedges_correction, pooled_sd, two_group_d_variance

MetaMethod = Literal["reml", "dl", "fe"]
METHOD_NAMES: dict[str, str] = {
    "reml": "random effects (REML)",
    "dl": "random effects (DerSimonian-Laird)",
    "fe": "fixed effect (inverse variance)",
}
FEW_STUDIES_LIMIT = 5
"""With fewer studies tau^2 is very imprecise (Veroniki et al. 2016); a ``few_studies`` warning."""


@dataclass(frozen=True)
class StudyRow:
    """One study's row in the forest plot: its effect, interval and share of the pooled weight."""

    label: str
    effect: float
    variance: float
    se: float
    ci_low: float
    ci_high: float
    weight_percent: float


@dataclass(frozen=True)
class MetaAnalysisResult:
    """A pooled effect with heterogeneity statistics and the rows for a forest plot."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z_or_t: float
    p_value: float
    method: str
    tau2: float
    tau: float
    i2: float
    """Percentage of the total variance due to heterogeneity (0-100)."""
    h2: float
    q: float
    q_df: int
    q_p_value: float
    k: int
    pi_low: float | None
    pi_high: float | None
    """Prediction interval for the effect in a new study (random effects, k >= 3)."""
    knapp_hartung: bool
    confidence: float
    iterations: int
    study_labels: tuple[str, ...] | None = field(repr=False, metadata={"export": False})
    study_effects: FloatArray = field(repr=False, metadata={"export": False})
    study_variances: FloatArray = field(repr=False, metadata={"export": False})
    study_weights: FloatArray = field(repr=False, metadata={"export": False})
    """Each study's share of the pooled weight, in percent."""
    warnings: tuple[AnalysisWarning, ...] = ()

    @property
    def n(self) -> int:
        return self.k

    @cached_property
    def studies(self) -> tuple[StudyRow, ...]:
        """Per-study rows for a forest plot (built on first use: the pooling itself stays vectorised)."""
        z = float(special.ndtri(0.5 + self.confidence / 2))
        se = np.sqrt(self.study_variances)
        labels = self.study_labels or tuple(f"Study {i + 1}" for i in range(self.k))
        return tuple(
            StudyRow(label, float(y), float(v), float(s), float(y - z * s), float(y + z * s), float(w))
            for label, y, v, s, w in zip(
                labels, self.study_effects, self.study_variances, se, self.study_weights, strict=True
            )
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = plain_value(self)
        result["studies"] = plain_value(self.studies)
        return result

    def forest_plot_rows(self) -> list[dict[str, Any]]:
        """Rows for a forest plot: each study, then the pooled estimate (a diamond) and its PI."""
        rows: list[dict[str, Any]] = [{"kind": "study", **plain_value(study)} for study in self.studies]
        rows.append(
            {
                "kind": "pooled",
                "label": METHOD_NAMES.get(self.method, self.method),
                "effect": self.estimate,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "pi_low": self.pi_low,
                "pi_high": self.pi_high,
                "weight_percent": 100.0,
            }
        )
        return rows

    def summary(self) -> str:
        level = f"{self.confidence:.0%}"
        lines = [
            f"Meta-analysis, {METHOD_NAMES.get(self.method, self.method)}, k = {self.k} studies",
            "  pooled effect "
            + estimate_text(
                self.estimate, self.se, self.ci_low, self.ci_high, self.p_value, self.confidence, digits=4
            ),
            f"  tau^2 = {format_number(self.tau2, 4)}, I^2 = {format_number(self.i2, 2)} %, "
            f"H^2 = {format_number(self.h2, 2)}, Q({self.q_df}) = {format_number(self.q, 4)}, "
            f"p = {format_number(self.q_p_value, 4)}",
        ]
        if self.pi_low is not None:
            lines.append(
                f"  {level} prediction interval "
                f"{format_number(self.pi_low, 4)} to {format_number(self.pi_high, 4)}"
            )
        return "\n".join(lines + warning_lines(self.warnings))


def _two_by_two(
    events_treated: ArrayLike, n_treated: ArrayLike, events_control: ArrayLike, n_control: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The counts of 2x2 tables as vectors of one length, each study's events between 0 and its total."""
    a = as_float_vector(events_treated, "events_treated")
    n1 = as_float_vector(n_treated, "n_treated")
    c = as_float_vector(events_control, "events_control")
    n2 = as_float_vector(n_control, "n_control")
    check_same_length(
        {"events_treated": a.size, "n_treated": n1.size, "events_control": c.size, "n_control": n2.size}
    )
    for name, events, totals in (("events_treated", a, n1), ("events_control", c, n2)):
        bad = np.isnan(events) | np.isnan(totals) | (events < 0) | (events > totals) | (totals <= 0)
        if bad.any():
            raise StatisticsInputError(name, "events_out_of_range", study=int(np.flatnonzero(bad)[0]) + 1)
    return a, n1, c, n2


def log_risk_ratio(
    events_treated: ArrayLike, n_treated: ArrayLike, events_control: ArrayLike, n_control: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Log risk ratios and their variances from 2x2 counts.

    yi = ln((a / n1) / (c / n2)), vi = 1/a - 1/n1 + 1/c - 1/n2 (Borenstein et al. 2009, eqs. 5.1-5.3).
    A study with a zero cell gets 0.5 added to each of its four cells (as metafor's escalc does).
    """
    a, n1, c, n2 = _two_by_two(events_treated, n_treated, events_control, n_control)
    zero_cell = (a == 0) | (c == 0) | (a == n1) | (c == n2)
    correction = np.where(zero_cell, 0.5, 0.0)
    a, c = a + correction, c + correction
    n1, n2 = n1 + 2 * correction, n2 + 2 * correction
    effects = np.log((a / n1) / (c / n2))
    variances = 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2
    return effects, variances


def log_odds_ratio(
    events_treated: ArrayLike, n_treated: ArrayLike, events_control: ArrayLike, n_control: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Log odds ratios and their variances from 2x2 counts.

    With a = events and b = non-events among the treated, c and d among the controls:
    yi = ln(a d / (b c)), vi = 1/a + 1/b + 1/c + 1/d (Borenstein et al. 2009, eqs. 5.8-5.10). A study
    with a zero cell gets 0.5 added to each of its four cells (as metafor's escalc does).
    """
    a, n1, c, n2 = _two_by_two(events_treated, n_treated, events_control, n_control)
    b, d = n1 - a, n2 - c
    correction = np.where((a == 0) | (b == 0) | (c == 0) | (d == 0), 0.5, 0.0)
    a, b, c, d = a + correction, b + correction, c + correction, d + correction
    return np.log(a * d / (b * c)), 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d


def log_odds_ratio_to_d(log_odds_ratio: ArrayLike, variance: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """A log odds ratio on the scale of a standardised mean difference, to pool it with Hedges' g:
    d = ln(OR) sqrt(3) / pi, V_d = V_lnOR 3 / pi^2 (Hasselblad & Hedges 1995; Chinn 2000; Borenstein et
    al. 2009, eqs. 7.1-7.2)."""
    y = as_float_vector(log_odds_ratio, "yi")
    v = as_float_vector(variance, "vi")
    return y * math.sqrt(3) / math.pi, v * 3 / math.pi**2


def standardised_mean_difference(
    mean_treated: ArrayLike,
    sd_treated: ArrayLike,
    n_treated: ArrayLike,
    mean_control: ArrayLike,
    sd_control: ArrayLike,
    n_control: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Hedges' g and its variance per study from group means, SDs and sizes (vectorised).

    Pooled SD, d = (m1 - m2) / s_pooled, V_d = (n1 + n2)/(n1 n2) + d^2 / (2 (n1 + n2)), g = J d,
    V_g = J^2 V_d with J = 1 - 3 / (4 (n1 + n2 - 2) - 1) (Borenstein et al. 2009, eqs. 4.18-4.24).
    """
    m1 = as_float_vector(mean_treated, "mean_treated")
    s1 = as_float_vector(sd_treated, "sd_treated")
    k1 = as_float_vector(n_treated, "n_treated")
    m2 = as_float_vector(mean_control, "mean_control")
    s2 = as_float_vector(sd_control, "sd_control")
    k2 = as_float_vector(n_control, "n_control")
    check_same_length(
        {
            "mean_treated": m1.size,
            "sd_treated": s1.size,
            "n_treated": k1.size,
            "mean_control": m2.size,
            "sd_control": s2.size,
            "n_control": k2.size,
        }
    )
    for name, values, smallest in (
        ("sd_treated", s1, 0.0),
        ("sd_control", s2, 0.0),
        ("n_treated", k1, 2.0),
        ("n_control", k2, 2.0),
    ):
        bad = (
            np.isnan(values) | (values <= smallest)
            if smallest == 0.0
            else np.isnan(values) | (values < smallest)
        )
        if bad.any():
            raise StatisticsInputError(name, "invalid_study_value", study=int(np.flatnonzero(bad)[0]) + 1)
    d = (m1 - m2) / pooled_sd(k1, s1**2, k2, s2**2)
    j = hedges_correction(k1 + k2 - 2)
    return j * d, j**2 * two_group_d_variance(d, k1, k2)


def meta_analyse(
    effects: ArrayLike,
    variances: ArrayLike,
    *,
    method: MetaMethod = "reml",
    study_labels: ArrayLike | None = None,
    confidence: float = 0.95,
    knapp_hartung: bool = False,
) -> MetaAnalysisResult:
    """Pool study effects ``effects`` (yi) with sampling variances ``variances`` (vi).

    * Weights w_i = 1 / (v_i + tau^2); estimate mu = sum w y / sum w, SE = 1 / sqrt(sum w), normal
      interval (Borenstein et al. 2009, chs. 11-12). With ``knapp_hartung``: SE^2 = sum w (y - mu)^2 /
      ((k - 1) sum w) and t on k - 1 df (Knapp & Hartung 2003).
    * tau^2: ``fe`` 0; ``dl`` DerSimonian & Laird (1986): max(0, (Q - (k-1)) / (sum w - sum w^2 / sum w))
      with fixed-effect weights; ``reml`` restricted maximum likelihood by Fisher scoring, truncated at 0
      (Viechtbauer 2005), as in metafor's rma(method = "REML"), but from several starting values (0,
      DerSimonian-Laird, Hedges, a grid), keeping the highest restricted likelihood: where that
      likelihood has several peaks this finds the global maximum (see ``_reml_tau2``).
    * Q = sum w_FE (y - mu_FE)^2 on k - 1 df (Cochran 1954). I^2 = 100 tau^2 / (tau^2 + s^2) and
      H^2 = (tau^2 + s^2) / s^2 with the typical within-study variance
      s^2 = (k - 1) sum w / ((sum w)^2 - sum w^2) (Higgins & Thompson 2002; as metafor); for ``fe``
      I^2 = 100 max(0, (Q - df) / Q).
    * Prediction interval mu +/- t_{k-2} sqrt(tau^2 + SE^2) (Higgins, Thompson & Spiegelhalter 2009),
      for random effects with k >= 3.
    """
    confidence = check_confidence(confidence)
    if method not in METHOD_NAMES:
        raise StatisticsInputError("method", "unknown_method", methods=", ".join(METHOD_NAMES), method=method)
    y = as_float_vector(effects, "yi")
    v = as_float_vector(variances, "vi")
    k = check_same_length({"yi": y.size, "vi": v.size})
    for name, values in (("yi", y), ("vi", v)):
        missing = np.isnan(values)
        if missing.any():
            raise StatisticsInputError(name, "study_value_missing", study=int(np.flatnonzero(missing)[0]) + 1)
    if (v <= 0).any():
        position = int(np.flatnonzero(v <= 0)[0])
        raise StatisticsInputError(
            "vi", "variance_not_positive", study=position + 1, variance=float(v[position])
        )
    if k < 2:
        raise StatisticsInputError("yi", "too_few_studies", k=k)
    labels = None if study_labels is None else _study_labels(study_labels, k)

    warnings: list[AnalysisWarning] = []
    if k < FEW_STUDIES_LIMIT:
        warnings.append(
            AnalysisWarning(
                FEW_STUDIES,
                f"only {k} studies: the between-study variance tau^2 and the prediction interval are very "
                f"imprecise (fewer than {FEW_STUDIES_LIMIT})",
            )
        )

    w_fixed = 1.0 / v
    mu_fixed = float(w_fixed @ y / w_fixed.sum())
    q = float(w_fixed @ (y - mu_fixed) ** 2)
    df = k - 1
    sum_w, sum_w2 = float(w_fixed.sum()), float(w_fixed @ w_fixed)
    iterations = 0
    tau2 = 0.0
    if method == "dl":
        tau2 = max(0.0, (q - df) / (sum_w - sum_w2 / sum_w))
    elif method == "reml":
        tau2, iterations, converged = _reml_tau2(y, v)
        if not converged:
            warnings.append(
                AnalysisWarning(
                    NOT_CONVERGED, f"REML did not converge in {iterations} iterations; tau^2 is approximate"
                )
            )

    w = 1.0 / (v + tau2)
    estimate = float(w @ y / w.sum())
    if knapp_hartung:
        scale = float(w @ (y - estimate) ** 2) / df
        se = math.sqrt(scale / w.sum())
        critical = float(special.stdtrit(df, 0.5 + confidence / 2))
        statistic = estimate / se
        p_value = float(2 * special.stdtr(df, -abs(statistic)))
    else:
        se = 1.0 / math.sqrt(w.sum())
        critical = float(special.ndtri(0.5 + confidence / 2))
        statistic = estimate / se
        p_value = float(2 * special.ndtr(-abs(statistic)))

    typical_variance = df * sum_w / (sum_w**2 - sum_w2)
    if method == "fe":
        i2 = 100.0 * max(0.0, (q - df) / q) if q > 0 else 0.0
        h2 = q / df if df > 0 else math.nan
    else:
        i2 = 100.0 * tau2 / (tau2 + typical_variance)
        h2 = (tau2 + typical_variance) / typical_variance

    pi_low: float | None = None
    pi_high: float | None = None
    if method != "fe" and k >= 3:
        t_pred = float(special.stdtrit(k - 2, 0.5 + confidence / 2))
        half_width = t_pred * math.sqrt(tau2 + se**2)
        pi_low, pi_high = estimate - half_width, estimate + half_width

    return MetaAnalysisResult(
        estimate=estimate,
        se=se,
        ci_low=estimate - critical * se,
        ci_high=estimate + critical * se,
        z_or_t=statistic,
        p_value=p_value,
        method=method,
        tau2=tau2,
        tau=math.sqrt(tau2),
        i2=i2,
        h2=h2,
        q=q,
        q_df=df,
        q_p_value=float(special.chdtrc(df, q)),
        k=k,
        pi_low=pi_low,
        pi_high=pi_high,
        knapp_hartung=knapp_hartung,
        confidence=confidence,
        iterations=iterations,
        study_labels=labels,
        study_effects=y,
        study_variances=v,
        study_weights=100.0 * w / w.sum(),
        warnings=tuple(warnings),
    )


def _study_labels(study_labels: ArrayLike, k: int) -> tuple[str, ...]:
    labels = tuple(str(label) for label in np.asarray(study_labels, dtype=object).ravel())
    if len(labels) != k:
        raise StatisticsInputError("study", "study_labels_count", labels=len(labels), k=k)
    return labels


def _restricted_log_likelihood(y: FloatArray, v: FloatArray, tau2: float) -> float:
    """The restricted log-likelihood of tau^2 without its constant (Viechtbauer 2005, eq. 11):
    -1/2 [sum ln(v + tau^2) + ln sum w + sum w (y - mu)^2], w = 1 / (v + tau^2)."""
    w = 1.0 / (v + tau2)
    mu = w @ y / w.sum()
    return float(-0.5 * (np.log(v + tau2).sum() + math.log(w.sum()) + w @ (y - mu) ** 2))


REML_GRID_POINTS = 40
"""Points of the log-spaced grid of tau^2 whose best point is one of REML's starting values."""


def _reml_starting_values(y: FloatArray, v: FloatArray) -> list[float]:
    """Starting values for REML: 0, DerSimonian-Laird, Hedges and the best point of a grid.

    * DerSimonian & Laird (1986): max(0, (Q - (k-1)) / (sum w - sum w^2 / sum w)), w = 1/v.
    * Hedges (1983), metafor's ``method = "HE"`` and its default start for REML:
      max(0, sum (y - ybar)^2 / (k - 1) - mean(v)) with the unweighted mean ybar.
    * The grid: the point of highest restricted log-likelihood among 0 and ``REML_GRID_POINTS``
      log-spaced values from min(v) / 1000 to 10 (var(y) + max(v)), which covers every tau^2 with a
      restricted likelihood of note.
    """
    k = y.size
    w_fixed = 1.0 / v
    mu_fixed = w_fixed @ y / w_fixed.sum()
    q = w_fixed @ (y - mu_fixed) ** 2
    dersimonian_laird = max(0.0, float((q - (k - 1)) / (w_fixed.sum() - (w_fixed @ w_fixed) / w_fixed.sum())))
    hedges = max(0.0, float(((y - y.mean()) ** 2).sum() / (k - 1) - v.mean()))
    upper = 10.0 * (float(y.var(ddof=1)) + float(v.max()))
    grid = np.concatenate([[0.0], np.geomspace(float(v.min()) / 1000.0, upper, REML_GRID_POINTS)])
    likelihoods = [_restricted_log_likelihood(y, v, float(t2)) for t2 in grid]
    best_grid_point = float(grid[int(np.argmax(likelihoods))])
    return [0.0, dersimonian_laird, hedges, best_grid_point]


def _reml_tau2(
    y: FloatArray, v: FloatArray, tolerance: float = 1e-10, max_iterations: int = 100
) -> tuple[float, int, bool]:
    """REML estimate of tau^2: the highest restricted log-likelihood reached from several starts.

    The restricted likelihood can have more than one local maximum, so Fisher scoring runs from each
    of ``_reml_starting_values`` (0, DerSimonian-Laird, Hedges, the best grid point) and the converged
    value with the highest restricted log-likelihood is kept; ties go to the earlier start. metafor
    starts only from the Hedges estimate (``rma``'s default ``tau2.init``), so on a multimodal
    likelihood it can stop at a lower peak where this finds the global one. Iterations are summed over
    the starts; the estimate counts as converged when the kept run converged.
    """
    best: tuple[float, float, bool] | None = None  # (log-likelihood, tau2, converged)
    total_iterations = 0
    for start in dict.fromkeys(_reml_starting_values(y, v)):  # distinct starts, in order
        tau2, iterations, converged = _reml_fisher_scoring(y, v, start, tolerance, max_iterations)
        total_iterations += iterations
        likelihood = _restricted_log_likelihood(y, v, tau2)
        if best is None or likelihood > best[0] + 1e-12:
            best = (likelihood, tau2, converged)
    assert best is not None
    return best[1], total_iterations, best[2]


def _reml_fisher_scoring(
    y: FloatArray, v: FloatArray, tau2: float, tolerance: float, max_iterations: int
) -> tuple[float, int, bool]:
    """REML by Fisher scoring with step halving from ``tau2``, truncated at zero.

    Score: 1/2 [sum w^2 (y - mu)^2 - tr P], tr P = sum w - sum w^2 / sum w; information: 1/2 tr(P P)
    with tr(PP) = sum w^2 - 2 sum w^3 / sum w + (sum w^2 / sum w)^2 (Viechtbauer 2005, sec. 3.4;
    Harville 1977).
    """
    for iteration in range(1, max_iterations + 1):
        w = 1.0 / (v + tau2)
        sum_w = w.sum()
        mu = w @ y / sum_w
        trace_p = sum_w - (w @ w) / sum_w
        trace_pp = (w @ w) - 2 * (w**3).sum() / sum_w + ((w @ w) / sum_w) ** 2
        step = float((w**2 @ (y - mu) ** 2 - trace_p) / trace_pp)
        current = _restricted_log_likelihood(y, v, tau2)
        candidate = max(0.0, tau2 + step)
        while (
            _restricted_log_likelihood(y, v, candidate) < current - 1e-12
            and abs(candidate - tau2) > tolerance
        ):
            step /= 2
            candidate = max(0.0, tau2 + step)
        if abs(candidate - tau2) < tolerance:
            return candidate, iteration, True
        tau2 = candidate
    return tau2, max_iterations, False


__all__ = [
    "MetaAnalysisResult",
    "StudyRow",
    "log_odds_ratio",
    "log_odds_ratio_to_d",
    "log_risk_ratio",
    "meta_analyse",
    "standardised_mean_difference",
]
