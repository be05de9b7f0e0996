"""The investment model (business case), checked against figures worked by hand, closed forms and scipy.

Every expected number here is computed in the test from the documented conventions
(docs/business-case.md), never taken from the engine's own earlier output.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats

from indsats.engine import ENGINE_VERSION
from indsats.engine.investment.case_document import CaseError, inputs_hash, parse_case
from indsats.engine.investment.model import CaseResult, compute_case

Z_95 = stats.norm.ppf(0.975)


def small_case() -> dict[str, Any]:
    """10 participants, 3 years, 10 % flat discounting; worked by hand in test_small_case_by_hand."""
    return {
        "participants": 10,
        "price_year": 2024,
        "horizon_years": 3,
        "discount": "flat-10",
        "costs": [
            {"name": "start-up", "payer": "kommune", "category": "preparation", "amount": 1000, "year": 0},
            {
                "name": "sessions",
                "payer": "kommune",
                "category": "operation",
                "per_participant_per_year": 50,
                "years": [0, 1],
            },
        ],
        "outcomes": [
            {
                "name": "placements",
                "baseline": 0.5,
                "effect": {"type": "relative", "estimate": -0.2},
                "persistence": {"full_years": 1, "decay": 0.5},
                "unit_price": 1000,
                "payers": {"kommune": 0.6, "stat": 0.4},
            }
        ],
    }


def compute(data: dict[str, Any], **kwargs: Any) -> CaseResult:
    return compute_case(parse_case(data), **kwargs)


def one_outcome_case(
    *,
    participants: float = 1,
    horizon: int = 6,
    discount: Any = "flat-0",
    effect: Any = None,
    baseline: Any = 0.0,
    persistence: Any = None,
    unit_price: Any = 1.0,
    start_year: int = 0,
    payers: Any = None,
    costs: Any = None,
) -> dict[str, Any]:
    return {
        "participants": participants,
        "price_year": 2024,
        "horizon_years": horizon,
        "discount": discount,
        "costs": costs if costs is not None else [],
        "outcomes": [
            {
                "name": "outcome",
                "baseline": baseline,
                "effect": effect if effect is not None else {"type": "absolute", "estimate": -1.0},
                "persistence": persistence
                if persistence is not None
                else {"full_years": horizon, "decay": 1.0},
                "start_year": start_year,
                "unit_price": unit_price,
                "payers": payers if payers is not None else {"kommune": 1.0},
            }
        ],
    }


# --- deterministic figures by hand ----------------------------------------------------------------------


def test_small_case_by_hand() -> None:
    result = compute(small_case())
    # occurrences: delta = baseline x estimate = 0.5 x -0.2 = -0.1 per participant per year;
    # persistence p = 1 (year 0, s < full_years = 1), 0.5**1 (year 1), 0.5**2 (year 2);
    # change = 10 x -0.1 x p = -1, -0.5, -0.25; gains = -change x 1000 = 1000, 500, 250.
    # costs: year 0: 1000 + 10 x 50 = 1500; year 1: 10 x 50 = 500; year 2: 0.
    # discount factors at 10 %: 1, 1/1.1, 1/1.21.
    pv_costs = 1500 + 500 / 1.1
    pv_gains = 1000 + 500 / 1.1 + 250 / 1.21
    assert result.pv_costs == pytest.approx(pv_costs, rel=1e-12)  # 1954.545...
    assert result.pv_gains == pytest.approx(pv_gains, rel=1e-12)  # 1661.157...
    assert result.npv == pytest.approx(pv_gains - pv_costs, rel=1e-12)  # -293.388...
    assert result.roi == pytest.approx((pv_gains - pv_costs) / pv_costs, rel=1e-12)
    assert result.break_even_year is None  # cumulative: -500, -500, -293.39

    years = [year.to_dict() for year in result.by_year]
    assert [y["year"] for y in years] == [0, 1, 2]
    assert [y["costs"] for y in years] == pytest.approx([1500, 500, 0])
    assert [y["gains"] for y in years] == pytest.approx([1000, 500, 250])
    assert [y["net"] for y in years] == pytest.approx([-500, 0, 250])
    assert [y["discount_factor"] for y in years] == pytest.approx([1, 1 / 1.1, 1 / 1.21])
    assert [y["cumulative_discounted_net"] for y in years] == pytest.approx([-500, -500, -500 + 250 / 1.21])

    # by payer: the costs are the kommune's; the gains split 60/40 between kommune and stat
    assert result.by_payer["kommune"].pv_costs == pytest.approx(pv_costs)
    assert result.by_payer["kommune"].pv_gains == pytest.approx(0.6 * pv_gains)
    assert result.by_payer["stat"].pv_costs == 0
    assert result.by_payer["stat"].npv == pytest.approx(0.4 * pv_gains)
    assert result.by_payer_break_even_year["stat"] == 0
    assert result.by_payer_break_even_year["kommune"] is None

    per_participant = result.to_dict()["per_participant"]
    assert per_participant["npv"] == pytest.approx((pv_gains - pv_costs) / 10)
    assert per_participant["by_payer"]["stat"]["pv_gains"] == pytest.approx(0.4 * pv_gains / 10)

    # by cost line and by the agency's categories
    assert result.by_category["preparation"] == pytest.approx(1000)
    assert result.by_category["operation"] == pytest.approx(500 + 500 / 1.1)
    assert result.by_category["training"] == 0
    outcome = result.by_outcome[0]
    assert outcome.change_in_occurrences == pytest.approx(-1.75)
    assert outcome.pv_gains_by_payer["stat"] == pytest.approx(0.4 * pv_gains)


def test_persistence_is_full_for_full_years_then_decays() -> None:
    # start_year 1, full_years 2, decay 0.5: s = t - 1; p = 0 (t=0), 1, 1, 0.5**1, 0.5**2, 0.5**3
    data = one_outcome_case(start_year=1, persistence={"full_years": 2, "decay": 0.5})
    gains = [year.gains for year in compute(data).by_year]
    assert gains == pytest.approx([0, 1, 1, 0.5, 0.25, 0.125])


def test_zero_full_years_decays_from_the_first_year() -> None:
    # full_years 0: p = decay**(s + 1) from s = 0
    data = one_outcome_case(horizon=4, persistence={"full_years": 0, "decay": 0.5})
    assert [year.gains for year in compute(data).by_year] == pytest.approx([0.5, 0.25, 0.125, 0.0625])


def test_revenue_is_a_negative_unit_price() -> None:
    # a year in work: absolute effect +0.1 years in work per participant-year; tax -200,000 kr per year
    data = one_outcome_case(
        participants=10,
        horizon=1,
        effect={"type": "absolute", "estimate": 0.1},
        unit_price=-200_000,
        payers={"stat": 1.0},
    )
    # change = 10 x 0.1 = 1 year in work; gain = -1 x -200,000 = +200,000
    assert compute(data).pv_gains == pytest.approx(200_000)


def test_constant_annuity_matches_its_closed_form() -> None:
    # C each year for n years, paid at the start of each year (year 0 undiscounted), flat rate r:
    # PV = C (1 - (1 + r)**-n) / r x (1 + r)
    c, n, r = 25_000.0, 20, 0.05
    closed_form = c * (1 - (1 + r) ** -n) / r * (1 + r)
    per_participant = one_outcome_case(
        participants=1,
        horizon=n,
        discount="flat-5",
        effect={"type": "absolute", "estimate": 0.0},
        costs=[
            {"name": "yearly", "payer": "kommune", "per_participant_per_year": c, "years": list(range(n))}
        ],
    )
    assert compute(per_participant).pv_costs == pytest.approx(closed_form, rel=1e-12)
    case_level = copy.deepcopy(per_participant)
    case_level["costs"] = [{"name": "yearly", "payer": "kommune", "amount": c, "years": list(range(n))}]
    assert compute(case_level).pv_costs == pytest.approx(closed_form, rel=1e-12)
    # and the same annuity as a gain: 1 occurrence avoided per year at price C
    gains = one_outcome_case(horizon=n, discount=[[0, r]], unit_price=c)
    assert compute(gains).pv_gains == pytest.approx(closed_form, rel=1e-12)


def test_zero_effect_gives_no_gains_and_npv_minus_costs() -> None:
    data = small_case()
    data["outcomes"][0]["effect"] = {"type": "relative", "estimate": 0.0}
    result = compute(data)
    assert result.pv_gains == 0
    assert all(year.gains == 0 for year in result.by_year)
    assert result.npv == pytest.approx(-result.pv_costs)
    assert result.roi == pytest.approx(-1.0)


def test_zero_effect_keeps_every_draw_at_minus_costs_whatever_else_varies() -> None:
    data = small_case()
    outcome = data["outcomes"][0]
    outcome["effect"] = {"type": "relative", "estimate": 0.0}
    outcome["baseline"] = {"estimate": 0.5, "se": 0.1, "distribution": "beta"}
    outcome["unit_price"] = {"estimate": 1000, "se": 300, "distribution": "lognormal"}
    result = compute(data, draws=500, seed=4)
    assert np.allclose(result.npv_draws, -result.pv_costs, rtol=0, atol=1e-9)


def test_one_payer_case_has_by_payer_equal_to_the_totals() -> None:
    data = small_case()
    data["outcomes"][0]["payers"] = {"kommune": 1.0}
    result = compute(data, draws=200, seed=1)
    assert list(result.by_payer) == ["kommune"]
    only = result.by_payer["kommune"]
    assert (only.pv_costs, only.pv_gains, only.npv) == pytest.approx(
        (result.pv_costs, result.pv_gains, result.npv)
    )
    assert [y.net for y in result.by_payer_by_year["kommune"]] == pytest.approx(
        [y.net for y in result.by_year]
    )
    assert np.allclose(result.payer_npv_draws[:, 0], result.npv_draws)


def test_payers_by_year_add_up_to_the_totals() -> None:
    result = compute(small_case())
    for t, year in enumerate(result.by_year):
        assert sum(years[t].costs for years in result.by_payer_by_year.values()) == pytest.approx(year.costs)
        assert sum(years[t].gains for years in result.by_payer_by_year.values()) == pytest.approx(year.gains)


def test_a_cost_may_name_a_payer_that_no_outcome_has() -> None:
    data = small_case()
    data["costs"].append({"name": "evaluation", "payer": "fond", "amount": 200, "year": 1})
    result = compute(data)
    assert list(result.by_payer) == ["kommune", "stat", "fond"]
    assert result.by_payer["fond"].pv_costs == pytest.approx(200 / 1.1)
    assert result.by_payer["fond"].pv_gains == 0


def test_a_case_without_outcomes_is_its_costs() -> None:
    data = small_case()
    data["outcomes"] = []
    result = compute(data, draws=50, seed=1)
    assert result.pv_gains == 0
    assert result.npv == pytest.approx(-(1500 + 500 / 1.1))
    assert np.allclose(result.npv_draws, result.npv)
    assert {row.input for row in result.sensitivity} == {"costs[0]", "costs[1]", "discount"}


# --- break-even -----------------------------------------------------------------------------------------


def break_even_case(costs: list[dict[str, Any]]) -> dict[str, Any]:
    # 100 participants, 1 occurrence avoided each in each of 5 years at price 0.6: gains 60 a year;
    # no discounting, so the cumulative net is the running sum
    return one_outcome_case(participants=100, horizon=5, unit_price=0.6, costs=costs)


def test_break_even_year_by_hand() -> None:
    # costs 150 in year 0; net -90, 60, 60, 60, 60; cumulative -90, -30, 30, 90, 150 -> year 2
    result = compute(break_even_case([{"name": "c", "payer": "kommune", "amount": 150, "year": 0}]))
    assert [y.cumulative_discounted_net for y in result.by_year] == pytest.approx([-90, -30, 30, 90, 150])
    assert result.break_even_year == 2


def test_break_even_counts_a_cumulative_of_exactly_zero() -> None:
    # costs 120 in year 0: cumulative -60, 0, 60, ... -> year 1
    result = compute(break_even_case([{"name": "c", "payer": "kommune", "amount": 120, "year": 0}]))
    assert result.break_even_year == 1


def test_break_even_must_hold_to_the_end_of_the_horizon() -> None:
    # costs 100 in year 0 and 150 in year 2: cumulative -40, 20, -70, -10, 50 -> positive at year 1 but
    # negative again in year 2, so break-even is year 4
    costs = [
        {"name": "c", "payer": "kommune", "amount": 100, "year": 0},
        {"name": "d", "payer": "kommune", "amount": 150, "year": 2},
    ]
    result = compute(break_even_case(costs))
    assert [y.cumulative_discounted_net for y in result.by_year] == pytest.approx([-40, 20, -70, -10, 50])
    assert result.break_even_year == 4


def test_no_break_even_when_the_case_ends_below_zero() -> None:
    # costs 100 in year 0 and 250 in year 3: cumulative -40, 20, 80, -110, -50 -> none
    costs = [
        {"name": "c", "payer": "kommune", "amount": 100, "year": 0},
        {"name": "d", "payer": "kommune", "amount": 250, "year": 3},
    ]
    assert compute(break_even_case(costs)).break_even_year is None


# --- the richer format ----------------------------------------------------------------------------------


def test_intakes_shift_per_participant_costs_and_effects_but_not_case_amounts() -> None:
    data = one_outcome_case(
        horizon=4,
        effect={"type": "absolute", "estimate": -0.5},
        persistence={"full_years": 1, "decay": 0.0},
        unit_price=10,
        start_year=1,
        costs=[
            {"name": "sessions", "payer": "kommune", "per_participant_per_year": 100, "years": [0, 1]},
            {"name": "materials", "payer": "kommune", "amount": 500, "year": 2},
        ],
    )
    del data["participants"]
    data["intakes"] = [{"year": 0, "participants": 10}, {"year": 1, "participants": 20}]
    result = compute(data)
    # sessions: 10 x 100 in years 0, 1; 20 x 100 in years 1, 2; materials 500 in year 2 (not shifted)
    assert [y.costs for y in result.by_year] == pytest.approx([1000, 3000, 2500, 0])
    # effect one year after entry, for one year: cohort 0 in year 1 (10 x 0.5 x 10), cohort 1 in year 2
    assert [y.gains for y in result.by_year] == pytest.approx([0, 50, 100, 0])
    assert result.participants == 30
    assert result.to_dict()["per_participant"]["pv_costs"] == pytest.approx(6500 / 30)


def test_participants_may_repeat_the_total_of_the_intakes() -> None:
    data = small_case()
    data["intakes"] = [{"year": 0, "participants": 4}, {"year": 0, "participants": 6}]
    assert compute(data).pv_costs == pytest.approx(compute(small_case()).pv_costs)


def test_costs_of_late_intakes_after_the_horizon_are_left_out_with_a_warning() -> None:
    data = one_outcome_case(
        horizon=4,
        costs=[{"name": "sessions", "payer": "kommune", "per_participant_per_year": 100, "years": [0, 1]}],
    )
    del data["participants"]
    data["intakes"] = [{"year": 3, "participants": 5}]
    result = compute(data)
    assert [y.costs for y in result.by_year] == pytest.approx([0, 0, 0, 500])
    assert any("costs[0]" in warning and "after the horizon" in warning for warning in result.warnings)


def test_staff_hours_cost_is_hours_times_wage_plus_overhead() -> None:
    data = one_outcome_case(
        participants=3,
        horizon=1,
        costs=[
            {
                "name": "supervision",
                "payer": "kommune",
                "category": "training",
                "per_participant_per_year": {"hours": 10, "hourly_wage": 400, "overhead": 0.25},
                "years": [0],
            }
        ],
    )
    # 10 h x 400 kr x 1.25 = 5,000 kr per participant; 3 participants
    result = compute(data)
    assert result.pv_costs == pytest.approx(15_000)
    assert result.by_category["training"] == pytest.approx(15_000)


def test_base_alternative_is_subtracted_from_the_costs() -> None:
    data = small_case()
    data["base_alternative"] = [
        {"name": "usual casework", "payer": "kommune", "per_participant_per_year": 20, "years": [0, 1]}
    ]
    result = compute(data)
    # net per participant per year: 50 - 20 = 30
    assert result.pv_costs == pytest.approx(1000 + 10 * 30 + 10 * 30 / 1.1)
    base_line = [cost for cost in result.by_cost if cost.is_base_alternative][0]
    assert base_line.pv_costs == pytest.approx(-(200 + 200 / 1.1))
    assert base_line.input == "base_alternative[0]"


def test_unit_prices_and_costs_are_indexed_to_the_price_year() -> None:
    data = one_outcome_case(
        horizon=1,
        unit_price=1000,
        costs=[{"name": "kit", "payer": "kommune", "amount": 500, "year": 0, "price_year": 2022}],
    )
    data["outcomes"][0]["unit_price_year"] = 2020
    data["price_index"] = {"2020": 100.0, "2022": 104.0, "2024": 110.0}
    result = compute(data)
    assert result.pv_gains == pytest.approx(1000 * 110 / 100)
    assert result.pv_costs == pytest.approx(500 * 110 / 104)


def test_effect_interval_gives_the_standard_error() -> None:
    data = one_outcome_case(effect={"type": "absolute", "estimate": -1.0, "ci_low": -1.5, "ci_high": -0.5})
    effect = parse_case(data).outcomes[0].effect
    assert effect.se == pytest.approx(1.0 / (2 * Z_95))


def test_welfare_view_multiplies_public_payers_flows_by_the_net_tax_factor() -> None:
    # kommune pays 1000 (a public budget: x 1.28); the gain of 500 falls to the citizen (x 1)
    data = one_outcome_case(
        horizon=1,
        unit_price=500,
        payers={"borger": 1.0},
        costs=[{"name": "c", "payer": "kommune", "amount": 1000, "year": 0}],
    )
    welfare = compute(data).welfare
    assert welfare.net_tax_factor == 1.28
    assert welfare.totals.pv_costs == pytest.approx(1280)
    assert welfare.totals.pv_gains == pytest.approx(500)
    assert welfare.totals.npv == pytest.approx(500 - 1280)

    data["welfare"] = {"net_tax_factor": 1.1, "public_payers": ["kommune", "borger"]}
    assert compute(data).welfare.totals.npv == pytest.approx(1.1 * 500 - 1.1 * 1000)


def test_welfare_view_of_a_purely_public_case_is_the_budget_view_times_the_factor() -> None:
    result = compute(small_case())
    assert result.welfare.totals.npv == pytest.approx(1.28 * result.npv)


# --- Monte Carlo ----------------------------------------------------------------------------------------


def linear_case(*, effect: Any, baseline: Any = 0.3, unit_price: Any = 10_000) -> dict[str, Any]:
    """100 participants, 5 years at 5 %, full effect 2 years then 0.9 a year; costs 100,000 in year 0."""
    return one_outcome_case(
        participants=100,
        horizon=5,
        discount="flat-5",
        effect=effect,
        baseline=baseline,
        unit_price=unit_price,
        persistence={"full_years": 2, "decay": 0.9},
        payers={"kommune": 0.7, "stat": 0.3},
        costs=[{"name": "programme", "payer": "kommune", "amount": 100_000, "year": 0}],
    )


# sum_t df_t p(t) for linear_case: p = 1, 1, 0.9, 0.81, 0.729 and df = 1.05**-t
DISCOUNTED_YEARS_AT_EFFECT = 1 + 1 / 1.05 + 0.9 / 1.05**2 + 0.81 / 1.05**3 + 0.729 / 1.05**4


def hand_npv(delta: float, price: float) -> float:
    """NPV of linear_case for a yearly change delta per participant: -100 x delta x price x S - 100,000."""
    return -100 * delta * price * DISCOUNTED_YEARS_AT_EFFECT - 100_000


def assert_mean_within_four_standard_errors(draws: np.ndarray, expected: float) -> None:
    standard_error = draws.std(ddof=1) / math.sqrt(draws.size)
    assert standard_error > 0
    assert abs(draws.mean() - expected) < 4 * standard_error


def test_monte_carlo_mean_converges_to_the_deterministic_npv_for_a_linear_case() -> None:
    data = linear_case(effect={"type": "relative", "estimate": -0.2, "se": 0.05})
    result = compute(data, draws=20_000, seed=11)
    expected = hand_npv(0.3 * -0.2, 10_000)
    assert result.npv == pytest.approx(expected, rel=1e-12)
    assert result.uncertainty is not None
    assert_mean_within_four_standard_errors(result.npv_draws, expected)
    assert result.uncertainty.mean == pytest.approx(result.npv_draws.mean())


def test_relative_effects_drawn_below_minus_one_are_truncated_and_their_share_reported() -> None:
    # A normal relative effect -0.8 (SE 0.5) falls below -1 (a reduction of more than 100 %) with
    # probability Phi((-1 + 0.8) / 0.5) = Phi(-0.4) = 0.3446 (a published normal table gives 0.3446).
    # Truncated at -1, the effect's mean is the censored normal's (Greene, Econometric Analysis, 19.3):
    # E[max(X, -1)] = -1 Phi(a) + mu (1 - Phi(a)) + sigma phi(a), a = (-1 - mu) / sigma.
    from scipy import stats  # only this test needs the normal distribution's functions

    mu, sigma = -0.8, 0.5
    a = (-1 - mu) / sigma
    assert stats.norm.cdf(a) == pytest.approx(0.3446, abs=5e-5)
    censored_mean = -1 * stats.norm.cdf(a) + mu * stats.norm.sf(a) + sigma * stats.norm.pdf(a)
    data = linear_case(effect={"type": "relative", "estimate": mu, "se": sigma})
    result = compute(data, draws=40_000, seed=3)
    # every draw is possible: at most all occurrences removed, so the NPV is at most that of effect -1
    assert result.npv_draws.max() <= hand_npv(0.3 * -1.0, 10_000) + 1e-6
    assert_mean_within_four_standard_errors(result.npv_draws, hand_npv(0.3 * censored_mean, 10_000))
    (warning,) = [w for w in result.warnings if "below -1" in w]
    share = float(warning.split("': ")[1].split(" %")[0])
    assert share == pytest.approx(100 * stats.norm.cdf(a), abs=4 * 100 * math.sqrt(0.3446 * 0.6554 / 40_000))


def test_absolute_effects_below_minus_one_are_not_truncated() -> None:
    data = linear_case(effect={"type": "absolute", "estimate": -0.8, "se": 0.5})
    result = compute(data, draws=5_000, seed=3)
    assert not any("below -1" in w for w in result.warnings)
    assert result.npv_draws.max() > hand_npv(-1.0, 10_000)


def test_mean_preserving_distributions_keep_the_mean_of_independent_inputs() -> None:
    # beta baseline, normal effect and lognormal price are each set by mean and sd; they are independent,
    # so E[baseline x effect x price] = product of the means and the NPV stays unbiased
    data = linear_case(
        effect={"type": "relative", "estimate": -0.2, "se": 0.05},
        baseline={"estimate": 0.3, "se": 0.05, "distribution": "beta"},
        unit_price={"estimate": 10_000, "se": 3_000, "distribution": "lognormal"},
    )
    result = compute(data, draws=40_000, seed=5)
    assert_mean_within_four_standard_errors(result.npv_draws, hand_npv(0.3 * -0.2, 10_000))


def test_triangular_effect_averages_to_the_mean_of_low_mode_and_high() -> None:
    data = linear_case(
        effect={
            "type": "absolute",
            "estimate": -0.05,
            "low": -0.12,
            "high": 0.0,
            "distribution": "triangular",
        }
    )
    result = compute(data, draws=40_000, seed=8)
    # the mean of a triangular distribution is (low + mode + high) / 3
    assert_mean_within_four_standard_errors(result.npv_draws, hand_npv((-0.12 - 0.05 + 0.0) / 3, 10_000))


def recovered_effects(result: CaseResult) -> np.ndarray:
    """linear_case's NPV is affine in an absolute effect: invert it to get the drawn effects back."""
    return (result.npv_draws + 100_000) / (-100 * 10_000 * DISCOUNTED_YEARS_AT_EFFECT)


@pytest.mark.parametrize(
    ("effect", "reference"),
    [
        ({"estimate": -0.06, "se": 0.02}, stats.norm(loc=-0.06, scale=0.02)),
        # lognormal with mean m and sd s: sigma^2 = ln(1 + s^2/m^2), mu = ln m - sigma^2/2
        (
            {"estimate": 0.06, "se": 0.02, "distribution": "lognormal"},
            stats.lognorm(
                s=math.sqrt(math.log(1 + (0.02 / 0.06) ** 2)),
                scale=math.exp(math.log(0.06) - math.log(1 + (0.02 / 0.06) ** 2) / 2),
            ),
        ),  # fmt: skip
        # beta with mean m and sd s: k = m(1-m)/s^2 - 1, a = m k, b = (1-m) k
        (
            {"estimate": 0.2, "se": 0.05, "distribution": "beta"},
            stats.beta(0.2 * (0.2 * 0.8 / 0.05**2 - 1), 0.8 * (0.2 * 0.8 / 0.05**2 - 1)),
        ),
        # scipy's triang: c = (mode - low) / (high - low), loc = low, scale = high - low
        (
            {"estimate": -0.05, "low": -0.12, "high": 0.0, "distribution": "triangular"},
            stats.triang(c=(0.07 / 0.12), loc=-0.12, scale=0.12),
        ),
    ],
)
def test_drawn_effects_follow_the_stated_distribution(effect: dict[str, Any], reference: Any) -> None:
    result = compute(linear_case(effect={"type": "absolute", **effect}), draws=5_000, seed=3)
    drawn = recovered_effects(result)
    assert stats.kstest(drawn, reference.cdf).pvalue > 0.001


@pytest.mark.parametrize(
    ("distribution", "mean", "sd"), [("normal", 0.06, 0.03), ("lognormal", 0.06, 0.03), ("beta", 0.2, 0.15)]
)
def test_drawn_effects_have_the_stated_mean_and_standard_deviation(
    distribution: str, mean: float, sd: float
) -> None:
    # wide spreads, so that a wrong moment-matching formula shows (it would move the sd by 6 % or more)
    effect = {"type": "absolute", "estimate": mean, "se": sd, "distribution": distribution}
    drawn = recovered_effects(compute(linear_case(effect=effect), draws=40_000, seed=21))
    assert_mean_within_four_standard_errors(drawn, mean)
    # standard error of a sample standard deviation: sd x sqrt((kurtosis - 1) / (4 n))
    kurtosis = stats.kurtosis(drawn, fisher=False)
    sd_error = drawn.std(ddof=1) * math.sqrt((kurtosis - 1) / (4 * drawn.size))
    assert abs(drawn.std(ddof=1) - sd) < 4 * sd_error


def test_percentiles_and_probability_positive_match_the_normal_npv() -> None:
    # NPV = a + b x effect with effect ~ N(-0.08, 0.04): NPV ~ N(a + b(-0.08), |b| 0.04)
    result = compute(
        linear_case(effect={"type": "absolute", "estimate": -0.08, "se": 0.04}), draws=40_000, seed=2
    )
    slope = -100 * 10_000 * DISCOUNTED_YEARS_AT_EFFECT
    npv = stats.norm(loc=hand_npv(-0.08, 10_000), scale=abs(slope) * 0.04)
    u = result.uncertainty
    assert u is not None
    density_se = math.sqrt(0.05 * 0.95 / 40_000) / npv.pdf(npv.ppf(0.05))  # SE of a sample quantile
    assert u.p5 == pytest.approx(npv.ppf(0.05), abs=4 * density_se)
    assert u.p95 == pytest.approx(npv.ppf(0.95), abs=4 * density_se)
    assert u.p50 == pytest.approx(npv.median(), abs=4 * math.sqrt(0.25 / 40_000) / npv.pdf(npv.median()))
    p = npv.sf(0)
    assert u.p_positive == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / 40_000))


def test_payer_draws_split_the_gains_by_share_and_add_up_to_the_total() -> None:
    result = compute(
        linear_case(effect={"type": "absolute", "estimate": -0.08, "se": 0.04}), draws=1_000, seed=9
    )
    assert result.payers == ("kommune", "stat")
    assert np.allclose(result.payer_npv_draws.sum(axis=1), result.npv_draws)
    gains = result.npv_draws + 100_000
    assert np.allclose(result.payer_npv_draws[:, 1], 0.3 * gains)
    assert np.allclose(result.payer_npv_draws[:, 0], 0.7 * gains - 100_000)
    assert result.by_payer_uncertainty is not None
    assert result.by_payer_uncertainty["stat"].mean == pytest.approx(0.3 * gains.mean())


def test_same_seed_gives_identical_draws_and_another_seed_different_ones() -> None:
    data = linear_case(
        effect={"type": "relative", "estimate": -0.2, "se": 0.05},
        unit_price={"estimate": 10_000, "se": 3_000, "distribution": "lognormal"},
    )
    first = compute(data, draws=2_000, seed=42)
    again = compute(data, draws=2_000, seed=42)
    other = compute(data, draws=2_000, seed=43)
    assert np.array_equal(first.npv_draws, again.npv_draws)
    assert first.to_dict() == again.to_dict()
    assert not np.array_equal(first.npv_draws, other.npv_draws)


def test_inputs_without_se_are_not_varied() -> None:
    data = linear_case(effect={"type": "relative", "estimate": -0.2, "se": 0})
    result = compute(data, draws=300, seed=1)
    assert np.allclose(result.npv_draws, result.npv, rtol=1e-12)
    assert result.uncertainty is not None and result.uncertainty.p_positive in (0.0, 1.0)


def test_uncertain_decay_is_varied_and_kept_inside_zero_and_one() -> None:
    data = linear_case(effect={"type": "absolute", "estimate": -0.08})
    data["outcomes"][0]["persistence"]["decay"] = {"estimate": 0.95, "se": 0.1}
    result = compute(data, draws=2_000, seed=6)
    assert result.npv_draws.std() > 0
    # the largest NPV possible: decay 1 (full effect all 5 years)
    best = -100 * -0.08 * 10_000 * (1 + 1 / 1.05 + 1 / 1.05**2 + 1 / 1.05**3 + 1 / 1.05**4) - 100_000
    assert result.npv_draws.max() <= best + 1e-6
    assert any("decays fell outside [0, 1]" in warning for warning in result.warnings)


def test_monte_carlo_of_decay_matches_a_direct_computation_per_draw() -> None:
    # the engine evaluates the persistence as a polynomial in the decay (Horner's rule); check it
    # against the direct sum over years for a beta-distributed decay, with two intakes
    data = linear_case(effect={"type": "absolute", "estimate": -0.08})
    del data["participants"]
    data["intakes"] = [{"year": 0, "participants": 60}, {"year": 2, "participants": 40}]
    data["outcomes"][0]["persistence"]["decay"] = {"estimate": 0.8, "se": 0.1, "distribution": "beta"}
    result = compute(data, draws=50, seed=12)
    recovered_sums = (result.npv_draws + 100_000) / (0.08 * 10_000)
    for total in recovered_sums[:5]:
        # solve for the decay the draw used, then recompute the sum year by year
        def direct(decay: float) -> float:
            value = 0.0
            for entry, size in ((0, 60), (2, 40)):
                for t in range(5):
                    s = t - entry
                    p = 0.0 if s < 0 else (1.0 if s < 2 else decay ** (s - 1))
                    value += size * p / 1.05**t
            return value

        from scipy.optimize import brentq

        decay = brentq(lambda d, total=total: direct(d) - total, 0.0, 1.0)
        assert direct(decay) == pytest.approx(total, rel=1e-10)
        assert 0 <= decay <= 1


def test_welfare_view_has_its_own_distribution() -> None:
    result = compute(
        linear_case(effect={"type": "absolute", "estimate": -0.08, "se": 0.04}), draws=500, seed=1
    )
    welfare = result.to_dict()["welfare"]
    assert welfare["npv_mean"] == pytest.approx(1.28 * result.npv_draws.mean())


def test_draws_must_be_a_whole_number_in_range() -> None:
    case = parse_case(small_case())
    with pytest.raises(CaseError) as caught:
        compute_case(case, draws=-1)
    assert caught.value.field == "draws"
    with pytest.raises(CaseError) as caught:
        compute_case(case, seed=-5)
    assert caught.value.field == "seed"


def test_progress_is_reported_per_block_of_draws() -> None:
    seen: list[int] = []
    compute_case(parse_case(linear_case(effect={"type": "absolute", "estimate": -0.08, "se": 0.04})),
                 draws=120_000, seed=0, progress=seen.append)  # fmt: skip
    assert sum(seen) == 120_000
    assert len(seen) == 3


# --- sensitivity ----------------------------------------------------------------------------------------


def test_tornado_uses_the_95_percent_interval_of_a_stated_distribution() -> None:
    result = compute(linear_case(effect={"type": "absolute", "estimate": -0.08, "se": 0.02}))
    row = next(row for row in result.sensitivity if row.input == "outcomes[0].effect")
    assert (row.low, row.high) == pytest.approx((-0.08 - Z_95 * 0.02, -0.08 + Z_95 * 0.02))
    assert row.npv_low == pytest.approx(hand_npv(row.low, 10_000))
    assert row.npv_high == pytest.approx(hand_npv(row.high, 10_000))
    assert row.swing == pytest.approx(abs(row.npv_high - row.npv_low))


def test_tornado_moves_inputs_without_uncertainty_by_twenty_percent() -> None:
    result = compute(linear_case(effect={"type": "absolute", "estimate": -0.08}))
    rows = {row.input: row for row in result.sensitivity}
    price = rows["outcomes[0].unit_price"]
    assert (price.low, price.high) == pytest.approx((8_000, 12_000))
    assert price.npv_low == pytest.approx(hand_npv(-0.08, 8_000))
    cost = rows["costs[0]"]
    # a cost of 100,000 in year 0 at -+20 %: the NPV moves by +-20,000
    assert (cost.npv_low, cost.npv_high) == pytest.approx((result.npv + 20_000, result.npv - 20_000))
    assert "outcomes[0].baseline" not in rows  # an absolute effect does not use the baseline
    decay = rows["outcomes[0].persistence.decay"]
    assert (decay.low, decay.high) == pytest.approx((0.72, 1.0))  # 0.9 x 1.2 capped at 1


def test_tornado_discount_row_moves_every_rate_one_percentage_point() -> None:
    result = compute(small_case())
    row = next(row for row in result.sensitivity if row.input == "discount")
    # undiscounted net -500, 0, 250 at 9 % and 11 %
    assert row.npv_low == pytest.approx(-500 + 250 / 1.09**2)
    assert row.npv_high == pytest.approx(-500 + 250 / 1.11**2)


def test_tornado_is_sorted_by_swing_and_covers_every_input() -> None:
    result = compute(small_case())
    swings = [row.swing for row in result.sensitivity]
    assert swings == sorted(swings, reverse=True)
    inputs = {row.input for row in result.sensitivity}
    assert inputs == {
        "outcomes[0].effect",
        "outcomes[0].baseline",
        "outcomes[0].unit_price",
        "outcomes[0].persistence.decay",
        "costs[0]",
        "costs[1]",
        "discount",
    }


# --- result format and provenance -----------------------------------------------------------------------

CONTRACT_KEYS = {"npv", "pv_costs", "pv_gains", "roi", "break_even_year", "by_payer", "by_year"}
MONTE_CARLO_KEYS = {"npv_mean", "npv_p5", "npv_p50", "npv_p95", "p_positive"}


def test_result_dict_has_the_contract_keys_and_is_json() -> None:
    plain = compute(small_case()).to_dict()
    assert set(plain) >= CONTRACT_KEYS
    assert not MONTE_CARLO_KEYS & set(plain)
    assert set(plain["by_payer"]["kommune"]) == {"pv_costs", "pv_gains", "npv"}
    assert {"year", "costs", "gains", "net", "discount_factor", "cumulative_discounted_net"} <= set(
        plain["by_year"][0]
    )
    assert {"per_participant", "sensitivity", "by_payer_by_year", "inputs_hash", "engine_version"} <= set(
        plain
    )
    assert set(plain["sensitivity"][0]) >= {"input", "low", "high", "npv_low", "npv_high", "swing"}
    assert plain["engine_version"] == ENGINE_VERSION
    json.dumps(plain, allow_nan=False)

    simulated = compute(small_case(), draws=100, seed=1).to_dict()
    assert set(simulated) >= MONTE_CARLO_KEYS
    assert simulated["draws"] == 100 and simulated["seed"] == 1
    json.dumps(simulated, allow_nan=False)


def test_summary_reads_as_text() -> None:
    text = compute(small_case(), draws=100).summary()
    assert "NPV" in text and "kommune" in text and "P(NPV > 0)" in text


def test_inputs_hash_ignores_key_order_comments_and_number_spelling() -> None:
    data = small_case()
    reordered = dict(reversed(list(copy.deepcopy(data).items())))
    reordered["_comment"] = "a note"
    reordered["costs"][0]["amount"] = 1e3
    first = inputs_hash(parse_case(data))
    assert len(first) == 64 and all(c in "0123456789abcdef" for c in first)
    assert inputs_hash(parse_case(reordered)) == first
    changed = copy.deepcopy(data)
    changed["costs"][0]["amount"] = 1001
    assert inputs_hash(parse_case(changed)) != first
    assert compute(data).inputs_hash == first


# --- bad input: every error names its field -------------------------------------------------------------


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _intakes_total_mismatch(data: dict[str, Any]) -> None:
    data["intakes"] = [{"year": 0, "participants": 4}, {"year": 1, "participants": 4}]


def _intake_outside(data: dict[str, Any]) -> None:
    data["intakes"] = [{"year": 0, "participants": 5}, {"year": 3, "participants": 5}]


def _price_year_without_index(data: dict[str, Any]) -> None:
    data["outcomes"][0]["unit_price_year"] = 2019


def _index_without_year(data: dict[str, Any]) -> None:
    data["outcomes"][0]["unit_price_year"] = 2019
    data["price_index"] = {"2020": 100, "2024": 110}


def _duplicate_outcome(data: dict[str, Any]) -> None:
    data["outcomes"].append(copy.deepcopy(data["outcomes"][0]))


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (_delete(["participants"]), "participants", "missing"),
        (_set(["participants"], 0), "participants", "above 0"),
        (_set(["participants"], True), "participants", "number"),
        (_set(["participants"], "10"), "participants", "number"),
        (_intakes_total_mismatch, "participants", "intakes"),
        (_intake_outside, "intakes[1].year", "outside the horizon"),
        (_set(["costs", 0, "amount"], -1000), "costs[0].amount", "negative"),
        (_set(["costs", 1, "per_participant_per_year"], -5), "costs[1].per_participant_per_year", "negative"),
        (
            _set(["costs", 1, "per_participant_per_year"], {"hours": -2, "hourly_wage": 400}),
            "costs[1].per_participant_per_year.hours",
            "negative",
        ),
        (_set(["outcomes", 0, "payers"], {"kommune": 0.6, "stat": 0.3}), "outcomes[0].payers", "sum to 1"),
        (
            _set(["outcomes", 0, "payers"], {"kommune": 1.2, "stat": -0.2}),
            "outcomes[0].payers.kommune",
            "at most 1",
        ),
        (_set(["outcomes", 0, "payers"], {}), "outcomes[0].payers", "payer shares"),
        (_set(["costs", 0, "year"], 3), "costs[0].year", "outside the horizon"),
        (_set(["costs", 1, "years"], [0, 5]), "costs[1].years[1]", "outside the horizon"),
        (_set(["costs", 1, "years"], [0, 0]), "costs[1].years", "twice"),
        (_set(["costs", 0, "year"], -1), "costs[0].year", "outside the horizon"),
        (_set(["outcomes", 0, "start_year"], 3), "outcomes[0].start_year", "outside the horizon"),
        (_set(["costs", 0, "per_participant_per_year"], 10), "costs[0]", "not both"),
        (_delete(["costs", 0, "year"]), "costs[0]", "year"),
        (_set(["costs", 0, "category"], "travel"), "costs[0].category", "preparation"),
        (_delete(["costs", 0, "payer"]), "costs[0].payer", "missing"),
        (_delete(["costs"]), "costs", "missing"),
        (_set(["outcomes"], {"name": "x"}), "outcomes", "list"),
        (_delete(["price_year"]), "price_year", "missing"),
        (_set(["horizon_years"], 0), "horizon_years", "at least 1"),
        (_set(["horizon_years"], 2.5), "horizon_years", "whole number"),
        (_set(["discount"], "ramsey"), "discount", "unknown schedule"),
        (_set(["discount"], [[0, 3.5]]), "discount[0][1]", "fractions"),
        (_price_year_without_index, "price_index", "missing"),
        (_index_without_year, "price_index", "2019"),
        (_set(["outcomes", 0, "unit_prise"], 1000), "outcomes[0].unit_prise", "unknown field"),
        (_set(["outcomes", 0, "effect", "type"], "percent"), "outcomes[0].effect.type", "relative"),
        (_set(["outcomes", 0, "effect", "estimate"], -1.5), "outcomes[0].effect.estimate", "at least -1"),
        (_set(["outcomes", 0, "effect", "se"], -0.1), "outcomes[0].effect.se", "at least 0"),
        (
            _set(
                ["outcomes", 0, "effect"],
                {"type": "relative", "estimate": -0.2, "se": 0.1, "ci_low": -0.3, "ci_high": -0.1},
            ),
            "outcomes[0].effect",
            "not both",
        ),  # fmt: skip
        (
            _set(
                ["outcomes", 0, "effect"],
                {"type": "relative", "estimate": -0.2, "ci_low": -0.1, "ci_high": 0.1},
            ),
            "outcomes[0].effect",
            "outside its interval",
        ),  # fmt: skip
        (
            _set(["outcomes", 0, "effect"], {"type": "relative", "estimate": -0.2, "distribution": "cauchy"}),
            "outcomes[0].effect.distribution",
            "normal",
        ),
        (
            _set(
                ["outcomes", 0, "effect"],
                {
                    "type": "relative",
                    "estimate": -0.2,
                    "low": -0.1,
                    "high": 0.1,
                    "distribution": "triangular",
                },
            ),
            "outcomes[0].effect",
            "low <= estimate <= high",
        ),  # fmt: skip
        (
            _set(["outcomes", 0, "baseline"], {"estimate": 0.5, "se": 0.6, "distribution": "beta"}),
            "outcomes[0].baseline",
            "too large",
        ),
        (
            _set(["outcomes", 0, "unit_price"], {"estimate": -100, "se": 10, "distribution": "lognormal"}),
            "outcomes[0].unit_price",
            "above 0",
        ),
        (_set(["outcomes", 0, "baseline"], -0.1), "outcomes[0].baseline", "at least 0"),
        (_delete(["outcomes", 0, "baseline"]), "outcomes[0].baseline", "relative effect"),
        (_set(["outcomes", 0, "persistence", "decay"], 1.2), "outcomes[0].persistence.decay", "at most 1"),
        (
            _set(["outcomes", 0, "persistence", "full_years"], -1),
            "outcomes[0].persistence.full_years",
            "at least 0",
        ),
        (_delete(["outcomes", 0, "persistence"]), "outcomes[0].persistence", "missing"),
        (_duplicate_outcome, "outcomes[1].name", "names must differ"),
        (_set(["welfare"], {"factor": 1.28}), "welfare.factor", "unknown field"),
        (_set(["sensitivity_range"], 1.5), "sensitivity_range", "below 1"),
    ],
)
def test_bad_case_file_names_the_field(
    change: Callable[[dict[str, Any]], None], field: str, words: str
) -> None:
    data = small_case()
    change(data)
    with pytest.raises(CaseError) as caught:
        parse_case(data)
    assert caught.value.field == field
    assert words in caught.value.message
    assert str(caught.value).startswith(f"{field}: ")


def test_a_case_must_be_an_object() -> None:
    with pytest.raises(CaseError) as caught:
        parse_case([1, 2])  # type: ignore[arg-type]
    assert "JSON object" in caught.value.message


def test_keys_starting_with_underscore_are_comments() -> None:
    data = small_case()
    data["_note"] = "prices from the 2024 catalogue"
    data["outcomes"][0]["_source"] = "SØM"
    assert compute(data).npv == pytest.approx(compute(small_case()).npv)
