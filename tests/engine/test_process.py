"""Dose/fidelity-response and subgroup effects, checked against statsmodels and hand-computed means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.base.warnings import SMALL_N, SUBGROUP_SKIPPED
from indsats.engine.statistics.process import dose_response, fidelity_response, subgroup_effects


def _children(n: int = 240, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "sessions": rng.integers(0, 21, n).astype(float),
            "fidelity": rng.uniform(0, 1, n),
            "baseline": rng.normal(15, 4, n),
            "sex": rng.choice(["girl", "boy"], n),
            "municipality": rng.choice(["Aarhus", "Odense", "Vejle", "Herning"], n),
            "treated": (rng.random(n) < 0.5).astype(float),
        }
    )
    frame["change"] = (
        0.15 * frame.sessions
        + 2.0 * frame.fidelity
        - 0.2 * frame.baseline
        + frame.treated * np.where(frame.sex == "girl", 2.0, 0.5)
        + rng.normal(0, 1.5, n)
    )
    return frame


def test_dose_response_slope_without_covariates_matches_scipy_linregress() -> None:
    data = _children()
    result = dose_response(data.change, data.sessions)
    reference = stats.linregress(data.sessions, data.change)
    assert result.estimate == pytest.approx(reference.slope, rel=1e-10)
    assert result.se == pytest.approx(reference.stderr, rel=1e-10)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-8)
    assert result.exposure_name == "dose"


def test_fidelity_response_adjusted_for_baseline_with_clusters_matches_statsmodels() -> None:
    data = _children()
    result = fidelity_response(data.change, data.fidelity, baseline=data.baseline, clusters=data.municipality)
    reference = smf.ols("change ~ fidelity + baseline", data).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data.municipality)[0]}
    )
    assert result.estimate == pytest.approx(reference.params["fidelity"], rel=1e-10)
    assert result.se == pytest.approx(reference.bse["fidelity"], rel=1e-10)
    assert result.n_clusters == 4
    assert "few_clusters" in {w.code for w in result.warnings}


def test_dose_bands_hold_the_hand_computed_means() -> None:
    change = np.array([1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 10.0])
    sessions = np.array([0.0, 2.0, 4.0, 5.0, 8.0, 9.0, 10.0])
    result = dose_response(change, sessions, bands=[0, 5, 10])
    low, high = result.bands
    assert (low.label, low.n, low.mean) == ("[0, 5)", 3, pytest.approx(2.0))
    assert (high.label, high.n, high.mean) == ("[5, 10]", 4, pytest.approx(7.0))
    # t interval by hand for the first band: mean 2, SD 1, n 3
    half_width = stats.t.ppf(0.975, 2) * 1 / np.sqrt(3)
    assert (low.ci_low, low.ci_high) == pytest.approx((2 - half_width, 2 + half_width))


def test_subgroup_effects_and_their_equality_test_match_an_interaction_model_in_statsmodels() -> None:
    data = _children()
    result = subgroup_effects(
        data.change, data.sex, treatment=data.treated, baseline=data.baseline, subgroup_name="sex"
    )
    reference = smf.ols("change ~ 0 + C(sex) + C(sex):treated + baseline", data).fit()
    by_level = {s.level: s for s in result.subgroups}
    for level in ("boy", "girl"):
        name = f"C(sex)[{level}]:treated"
        assert by_level[level].estimate == pytest.approx(reference.params[name], rel=1e-10)
        assert by_level[level].se == pytest.approx(reference.bse[name], rel=1e-10)
    test = reference.f_test("C(sex)[girl]:treated - C(sex)[boy]:treated = 0")
    assert result.heterogeneity_f == pytest.approx(float(test.fvalue), rel=1e-8)
    assert result.heterogeneity_p_value == pytest.approx(float(test.pvalue), rel=1e-8)
    girls = by_level["girl"]
    assert girls.n_treated is not None and girls.n_control is not None
    assert girls.n_treated + girls.n_control == girls.n


def test_subgroup_means_without_a_comparison_group_are_the_group_means() -> None:
    data = _children()
    result = subgroup_effects(data.change, data.municipality, subgroup_name="municipality")
    expected = data.groupby("municipality").change.mean()
    assert {s.level: s.estimate for s in result.subgroups} == pytest.approx(expected.to_dict(), rel=1e-10)
    reference = smf.ols("change ~ C(municipality)", data).fit()
    assert result.heterogeneity_p_value == pytest.approx(float(reference.f_pvalue), rel=1e-8)


def test_subgroup_without_a_comparison_child_is_skipped_with_a_warning() -> None:
    data = _children()
    data.loc[data.municipality == "Vejle", "treated"] = 1.0
    result = subgroup_effects(data.change, data.municipality, treatment=data.treated)
    assert "Vejle" not in {s.level for s in result.subgroups}
    assert SUBGROUP_SKIPPED in {w.code for w in result.warnings}


def test_small_subgroups_are_flagged() -> None:
    data = _children(n=60)
    result = subgroup_effects(data.change, data.municipality, treatment=data.treated)
    assert SMALL_N in {w.code for w in result.warnings}


def test_constant_exposure_names_the_exposure() -> None:
    with pytest.raises(StatisticsInputError, match="dose: all children have the same exposure"):
        dose_response([1.0, 2.0, 3.0], [5.0, 5.0, 5.0])
