"""Effect sizes and their variances against textbook values (Borenstein et al. 2009, ch. 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from indsats.engine.statistics.effect_sizes import (
    average_sd,
    g_from_t,
    hedges_correction,
    normal_interval,
    paired_g_variance,
    standardised_difference_in_differences,
    two_group_g_variance,
    variance_from_interval,
    within_person_sd,
)


def test_paired_variance_matches_borensteins_worked_example():
    # Borenstein et al. 2009, section 4.3 (matched groups): S_diff 10, r 0.5, n 50, mean change 5:
    # S_within 10, d 0.5, V_d 0.0225, J 0.9846, g 0.4923, V_g 0.0218
    assert paired_g_variance(d=0.5, n=50, correlation=0.5) == pytest.approx(0.0218, abs=5e-5)


def test_two_group_variance_matches_borensteins_worked_example():
    # Borenstein et al. 2009, section 4.2: means 103 and 100, SDs 5.5 and 4.5, n 50 and 50:
    # d 0.5970, V_d 0.0418, J 0.9923, g 0.5924, V_g 0.0411
    assert two_group_g_variance(g=0.5924, n_treated=50, n_control=50) == pytest.approx(0.0411, abs=5e-5)


def test_g_from_a_t_statistic_matches_the_same_worked_example():
    pooled_sd = math.sqrt((49 * 5.5**2 + 49 * 4.5**2) / 98)
    t = (103 - 100) / (pooled_sd * math.sqrt(1 / 50 + 1 / 50))
    assert g_from_t(t=t, n_treated=50, n_control=50) == pytest.approx(0.5924, abs=5e-5)


def test_hedges_correction_matches_borensteins_j():
    # Borenstein et al. 2009, section 4.2: df 98 gives J 0.9923
    assert hedges_correction(98.0) == pytest.approx(0.9923, abs=5e-5)


def test_variance_from_a_95_interval_recovers_the_standard_error():
    se = 0.2
    low, high = normal_interval(0.5, se**2)
    assert (low, high) == pytest.approx((0.5 - 1.959964 * se, 0.5 + 1.959964 * se), abs=1e-6)
    assert variance_from_interval(low, high) == pytest.approx(se**2)


def test_standardised_difference_in_differences_is_morris_d_ppc2_by_hand():
    pre_treated = np.array([10.0, 12.0, 14.0, 16.0])
    pre_control = np.array([11.0, 13.0, 15.0])
    pooled = math.sqrt((3 * np.var(pre_treated, ddof=1) + 2 * np.var(pre_control, ddof=1)) / 5)
    expected = (1 - 3 / (4 * 5 - 1)) * 2.0 / pooled
    assert standardised_difference_in_differences(2.0, pre_treated, pre_control) == pytest.approx(expected)
    assert standardised_difference_in_differences(2.0, pre_treated, pre_control[:1]) is None
    assert standardised_difference_in_differences(2.0, np.ones(3), np.ones(3)) is None


def test_two_group_formulas_work_element_by_element_on_arrays():
    g = np.array([0.5924, 0.2])
    j = hedges_correction(np.array([98.0, 38.0]))
    assert j == pytest.approx([0.9923, 1 - 3 / (4 * 38 - 1)], abs=5e-5)
    assert float(stats.norm.ppf(0.975)) == pytest.approx(1.959964, abs=1e-6)
    assert two_group_g_variance(g=float(g[0]), n_treated=50, n_control=50) == pytest.approx(0.0411, abs=5e-5)


def test_within_person_sd_matches_borensteins_worked_example():
    # Borenstein et al. 2009, section 4.3: S_diff 10 and r 0.5 give S_within 10
    assert within_person_sd(10.0, 0.5) == pytest.approx(10.0)
    assert within_person_sd(np.array([10.0, 10.0]), np.array([0.5, 0.0])) == pytest.approx(
        [10.0, 10.0 / math.sqrt(2)]
    )


def test_average_sd_is_the_root_of_the_mean_variance_unweighted_by_group_size():
    # Austin 2009, eqs. 1-2: sqrt((s_t^2 + s_c^2) / 2)
    assert average_sd(4.0, 16.0) == pytest.approx(math.sqrt(10.0))
