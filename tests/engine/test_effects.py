"""Pre-post change and two-group comparisons, checked against textbook examples, scipy and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.base.linear_model import fit_linear_model
from indsats.engine.base.warnings import HEAVY_MISSINGNESS, SMALL_N
from indsats.engine.statistics.effect_sizes import hedges_g
from indsats.engine.statistics.pre_post import analyse_pre_post, jacobson_truax_cutoff, mean_change_interval
from indsats.engine.statistics.two_groups import compare_groups


def _paired_scores(
    n: int, mean_change: float, sd: float, correlation: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post scores whose sample SDs, correlation and mean change are exactly as given."""
    rng = np.random.default_rng(11)
    basis = rng.normal(size=(n, 2))
    basis -= basis.mean(axis=0)
    q, _ = np.linalg.qr(basis)  # two centred orthonormal columns
    x = q[:, 0] * math.sqrt(n - 1)
    e = q[:, 1] * math.sqrt(n - 1)
    pre = 50.0 + sd * x
    post = 50.0 + mean_change + sd * (correlation * x + math.sqrt(1 - correlation**2) * e)
    return pre, post


def test_paired_hedges_g_reproduces_borenstein_worked_example() -> None:
    # Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to Meta-Analysis, ch. 4, the
    # matched-groups example: mean difference 5, S_diff 10, n 50, r 0.5 gives S_within 10, d 0.5000,
    # V_d 0.0225, J 0.9846, g 0.4923, V_g 0.0218. SD 10 with r 0.5 gives S_diff = 10.
    pre, post = _paired_scores(50, 5.0, 10.0, 0.5)
    result = analyse_pre_post(pre, post)
    assert result.sd_change == pytest.approx(10.0)
    assert result.correlation == pytest.approx(0.5)
    assert result.cohens_d == pytest.approx(0.5000, abs=5e-5)
    assert (result.hedges_g_se / 0.9846) ** 2 == pytest.approx(0.0225, abs=5e-5)
    assert result.hedges_g == pytest.approx(0.4923, abs=5e-5)
    assert result.hedges_g_se**2 == pytest.approx(0.0218, abs=5e-5)
    assert result.hedges_g_ci_low == pytest.approx(0.4923 - 1.959964 * math.sqrt(0.021812), abs=2e-4)


def test_pre_post_mean_change_matches_scipy_paired_t_test() -> None:
    rng = np.random.default_rng(3)
    pre = rng.normal(20, 4, 40)
    post = pre + rng.normal(1.5, 3, 40)
    result = analyse_pre_post(pre, post, confidence=0.9)
    reference = stats.ttest_rel(post, pre)
    low, high = reference.confidence_interval(confidence_level=0.9)
    assert result.estimate == pytest.approx(np.mean(post - pre))
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-10)
    assert result.n == 40


def test_mean_change_from_summary_statistics_equals_the_analysis_of_the_scores() -> None:
    rng = np.random.default_rng(5)
    pre = rng.normal(14, 5, 57)
    post = pre + rng.normal(-2.0, 4, 57)
    change = post - pre
    from_scores = analyse_pre_post(pre, post)
    summary = mean_change_interval(57, float(change.mean()), float(change.std(ddof=1)))
    reference = stats.ttest_rel(post, pre)
    low, high = reference.confidence_interval(confidence_level=0.95)
    assert (summary.ci_low, summary.ci_high) == pytest.approx((low, high), rel=1e-10)
    assert summary.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert (summary.estimate, summary.se, summary.ci_low, summary.ci_high, summary.p_value) == (
        from_scores.estimate,
        from_scores.se,
        from_scores.ci_low,
        from_scores.ci_high,
        from_scores.p_value,
    )
    with pytest.raises(StatisticsInputError, match="at least 3"):
        mean_change_interval(2, 1.0, 1.0)


def test_reliable_change_index_classifies_children_as_jacobson_truax_by_hand() -> None:
    # Jacobson & Truax (1991): SE = s1 sqrt(1 - rxx), S_diff = sqrt(2 SE^2),
    # reliable if |change| > 1.96 S_diff.
    # Norm SD 10 and reliability 0.8: SE = 4.4721, S_diff = 6.3246, threshold = 12.396 points.
    pre = np.array([30.0, 30.0, 30.0, 30.0, 30.0, 30.0])
    post = np.array([43.0, 42.0, 30.0, 20.0, 17.0, 50.0])  # +13, +12, 0, -10, -13, +20
    result = analyse_pre_post(pre, post, reliability=0.8, sd_reference=10.0)
    assert result.reliable_change_threshold == pytest.approx(
        1.959964 * math.sqrt(2) * 10 * math.sqrt(0.2), rel=1e-6
    )
    assert result.share_improved == pytest.approx(2 / 6)  # +13 and +20
    assert result.share_worsened == pytest.approx(1 / 6)  # -13
    assert result.share_unchanged == pytest.approx(3 / 6)


def test_lower_is_better_turns_a_drop_into_an_improvement() -> None:
    pre = np.array([20.0, 20.0, 20.0, 20.0])
    post = np.array([5.0, 19.0, 21.0, 35.0])
    result = analyse_pre_post(pre, post, reliability=0.8, sd_reference=5.0, higher_is_better=False)
    # threshold 1.96 * sqrt(2) * 5 * sqrt(0.2) = 6.198: -15 improved, +15 worsened
    assert (result.share_improved, result.share_worsened) == (0.25, 0.25)


def test_clinically_significant_change_needs_reliable_improvement_and_crossing_the_cutoff() -> None:
    # criterion c (Jacobson & Truax 1991): clinical mean 60 (SD 10), functional mean 40 (SD 5):
    # c = (10 * 40 + 5 * 60) / (10 + 5) = 46.667
    cutoff = jacobson_truax_cutoff(60.0, 10.0, 40.0, 5.0)
    assert cutoff == pytest.approx(700 / 15)
    pre = np.array([60.0, 60.0, 50.0, 44.0])
    post = np.array([40.0, 48.0, 45.0, 30.0])
    # lower is better; threshold 1.96 * sqrt(2) * 5 * sqrt(0.5) = 9.8
    # child 1: -20, crosses -> recovered; child 2: -12 but stays above the cutoff; child 3: -5 not reliable;
    # child 4: -14 but was already on the functional side
    result = analyse_pre_post(
        pre, post, reliability=0.5, sd_reference=5.0, clinical_cutoff=cutoff, higher_is_better=False
    )
    assert result.share_recovered == pytest.approx(1 / 4)


def test_two_group_hedges_g_reproduces_borenstein_worked_example() -> None:
    # Borenstein et al. (2009), ch. 4 (after Hedges & Olkin 1985): means 103 vs 100, SDs 5.5 and 4.5,
    # n 50 each: S_within 5.0249, d 0.5970, V_d 0.0418, J 0.9923, g 0.5924, V_g 0.0411.
    g, v_g = hedges_g(103.0, 5.5, 50, 100.0, 4.5, 50)
    assert g == pytest.approx(0.5924, abs=5e-5)
    assert v_g == pytest.approx(0.0411, abs=5e-5)


def test_two_groups_use_welch_as_scipy_does() -> None:
    rng = np.random.default_rng(8)
    y = np.concatenate([rng.normal(1, 2, 30), rng.normal(0, 1, 45)])
    t = np.r_[np.ones(30), np.zeros(45)]
    result = compare_groups(y, t)
    reference = stats.ttest_ind(y[:30], y[30:], equal_var=False)
    low, high = reference.confidence_interval()
    assert result.estimate == pytest.approx(y[:30].mean() - y[30:].mean())
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-10)
    assert (result.n_treated, result.n_control) == (30, 45)


def test_cluster_robust_standard_error_matches_statsmodels() -> None:
    rng = np.random.default_rng(21)
    municipality = rng.integers(0, 35, 400)
    shock = rng.normal(0, 1, 35)[municipality]
    t = (rng.random(400) < 0.5).astype(float)
    y = 0.4 * t + shock + rng.normal(size=400)
    result = compare_groups(y, t, clusters=municipality)
    reference = sm.OLS(y, sm.add_constant(t)).fit(cov_type="cluster", cov_kwds={"groups": municipality})
    assert result.estimate == pytest.approx(reference.params[1], rel=1e-10)
    assert result.se == pytest.approx(reference.bse[1], rel=1e-10)
    assert result.n_clusters == 35
    assert result.df == 34


@pytest.mark.parametrize("robust", [False, True])
def test_linear_model_matches_statsmodels_ols(robust: bool) -> None:
    rng = np.random.default_rng(4)
    x = np.column_stack([np.ones(120), rng.normal(size=120), rng.normal(50_000, 20_000, 120)])
    y = x @ np.array([1.0, 0.5, 1e-4]) + rng.normal(size=120) * (1 + np.abs(x[:, 1]))
    fit = fit_linear_model(y, x, robust=robust)
    reference = sm.OLS(y, x).fit(cov_type="HC1" if robust else "nonrobust")
    assert fit.coefficients == pytest.approx(reference.params, rel=1e-9)
    assert fit.standard_errors == pytest.approx(reference.bse, rel=1e-9)


def test_bootstrap_interval_is_reproducible_with_a_seed_and_close_to_the_t_interval() -> None:
    rng = np.random.default_rng(5)
    y = np.concatenate([rng.normal(1, 1, 200), rng.normal(0, 1, 200)])
    t = np.r_[np.ones(200), np.zeros(200)]
    first = compare_groups(y, t, bootstrap_replicates=2000, seed=42)
    second = compare_groups(y, t, bootstrap_replicates=2000, seed=42)
    other = compare_groups(y, t, bootstrap_replicates=2000, seed=43)
    assert (first.bootstrap_ci_low, first.bootstrap_ci_high) == (
        second.bootstrap_ci_low,
        second.bootstrap_ci_high,
    )
    assert first.bootstrap_ci_low != other.bootstrap_ci_low
    # with normal data the percentile interval approximates the t interval (half-width ~0.2)
    assert first.bootstrap_ci_low == pytest.approx(first.ci_low, abs=0.03)
    assert first.bootstrap_ci_high == pytest.approx(first.ci_high, abs=0.03)
    g_low, g_high = first.bootstrap_hedges_g_ci_low, first.bootstrap_hedges_g_ci_high
    assert g_low is not None and g_high is not None
    assert g_low < first.hedges_g < g_high


def test_pre_post_bootstrap_covers_the_estimate_and_is_seeded() -> None:
    pre, post = _paired_scores(60, 3.0, 8.0, 0.6)
    first = analyse_pre_post(pre, post, bootstrap_replicates=1000, seed=1)
    again = analyse_pre_post(pre, post, bootstrap_replicates=1000, seed=1)
    assert first.bootstrap_ci_low == again.bootstrap_ci_low
    low, high = first.bootstrap_ci_low, first.bootstrap_ci_high
    g_low, g_high = first.bootstrap_hedges_g_ci_low, first.bootstrap_hedges_g_ci_high
    assert low is not None and high is not None and g_low is not None and g_high is not None
    assert low < first.estimate < high
    assert low == pytest.approx(first.ci_low, abs=0.4)
    assert g_low < first.hedges_g < g_high


def test_missing_values_are_left_out_and_heavy_missingness_is_flagged() -> None:
    pre = np.array([1.0, 2.0, np.nan, 4.0, 5.0, np.nan, 7.0, 8.0, 9.0, 10.0])
    post = np.array([2.0, 2.5, 3.0, np.nan, 6.0, 7.0, 7.5, 9.5, 9.0, 12.0])
    result = analyse_pre_post(pre, post)
    assert (result.n, result.n_missing) == (7, 3)
    codes = {w.code for w in result.warnings}
    assert HEAVY_MISSINGNESS in codes
    assert SMALL_N in codes


def test_non_numeric_pre_score_names_the_field_and_position() -> None:
    with pytest.raises(StatisticsInputError, match=r"pre: value 'x' at position 1"):
        analyse_pre_post(np.array([1, "x", 3], dtype=object), [1, 2, 3])


def test_pre_and_post_of_different_length_name_post() -> None:
    with pytest.raises(StatisticsInputError, match="post: has 2 values"):
        analyse_pre_post([1, 2, 3], [1, 2])


def test_reliability_outside_zero_one_is_rejected() -> None:
    with pytest.raises(StatisticsInputError, match="reliability"):
        analyse_pre_post([1, 2, 3, 4], [2, 3, 4, 6], reliability=1.2)


def test_treatment_must_be_coded_zero_or_one() -> None:
    with pytest.raises(StatisticsInputError, match="treatment: value 2 at position 2"):
        compare_groups([1.0, 2.0, 3.0, 4.0], [0, 1, 2, 1])
