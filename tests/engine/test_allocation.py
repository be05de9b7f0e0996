"""The allocation helper checked against brute force over all 2^n subsets and hand-worked small cases.

The reference for every optimum is independent of the MILP: the tests enumerate every subset of the
candidates with numpy (a bit matrix), keep those that satisfy the budget and the constraints, and read
the best values off that list. Partial funding is checked against the fractional knapsack's greedy rule
(Dantzig 1957: fill by value per krone), applied by hand to each subset.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indsats.engine.allocation import (
    AllocationConstraints,
    AllocationInfeasible,
    AllocationInputError,
    Candidate,
    GroupConstraint,
    recommend_allocation,
)

# --- the brute-force reference --------------------------------------------------------------------------


def all_subsets(n: int) -> np.ndarray:
    """Every subset of n candidates as a (2^n x n) boolean matrix, row m = the bits of m."""
    return ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)


def feasible_subsets(
    candidates: list[Candidate], budget: float, constraints: AllocationConstraints | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The feasible 0/1 selections and their values (whole funding only), by enumeration."""
    constraints = constraints or AllocationConstraints()
    keys = [c.key for c in candidates]
    cost = np.array([c.cost for c in candidates])
    value = np.array([c.value for c in candidates])
    subsets = all_subsets(len(candidates))
    feasible = subsets @ cost <= budget
    for key in constraints.must_include:
        feasible &= subsets[:, keys.index(key)]
    for key in constraints.must_exclude:
        feasible &= ~subsets[:, keys.index(key)]
    for group in constraints.groups:
        members = np.isin(keys, group.keys)
        count = subsets[:, members].sum(axis=1)
        feasible &= count >= group.min_selected
        if group.max_selected is not None:
            feasible &= count <= group.max_selected
        if group.max_cost is not None:
            feasible &= subsets[:, members] @ cost[members] <= group.max_cost
    return subsets[feasible], subsets[feasible] @ value


def random_candidates(rng: np.random.Generator, n: int) -> tuple[list[Candidate], float]:
    """n candidates with costs of 1-40 million kroner and values correlated with cost plus noise; the
    budget is 40 % of the total cost. Continuous draws, so no two subsets tie."""
    cost = rng.uniform(1e6, 40e6, n)
    value = cost / 1e6 * rng.uniform(0.5, 1.5, n) + rng.normal(0.0, 3.0, n)
    candidates = [Candidate(f"i{i}", f"Initiative {i}", float(cost[i]), float(value[i])) for i in range(n)]
    return candidates, 0.4 * float(cost.sum())


def random_groups(
    rng: np.random.Generator, candidates: list[Candidate], *, with_fixed: bool
) -> AllocationConstraints:
    """Three target groups: at least one from the first, at most two from the second, at most one from
    the third and at most a quarter of the total cost on it; and (``with_fixed``) one must-include and
    one must-exclude."""
    keys = [c.key for c in candidates]
    labels = rng.integers(0, 3, len(keys))
    labels[:3] = [0, 1, 2]  # every group has a member
    members = [tuple(k for k, label in zip(keys, labels, strict=True) if label == g) for g in range(3)]
    total = sum(c.cost for c in candidates)
    return AllocationConstraints(
        groups=(
            GroupConstraint("skolefravær", members[0], min_selected=1),
            GroupConstraint("opmærksomhed", members[1], max_selected=2),
            GroupConstraint("rusmidler", members[2], max_selected=1, max_cost=0.25 * total),
        ),
        must_include=(keys[-1],) if with_fixed else (),
        must_exclude=(keys[-2],) if with_fixed else (),
    )


def assert_matches_brute_force(
    candidates: list[Candidate], budget: float, constraints: AllocationConstraints | None, top_k: int
) -> None:
    subsets, values = feasible_subsets(candidates, budget, constraints)
    order = np.argsort(-values, kind="stable")
    if not values.size:  # no subset satisfies everything: the helper must say so, not guess
        with pytest.raises(AllocationInfeasible):
            recommend_allocation(candidates, budget, constraints=constraints, top_k=top_k)
        return
    result = recommend_allocation(candidates, budget, constraints=constraints, top_k=top_k)
    scale = max(abs(c.value) for c in candidates)

    # the top-k values are the k largest values over all feasible subsets, best first
    expected = values[order[:top_k]]
    assert len(result.combinations) == min(top_k, len(values))
    assert [c.total_value for c in result.combinations] == pytest.approx(list(expected), abs=1e-6 * scale)

    # each combination is one of the feasible subsets, with that subset's value, and they are distinct
    keys = [c.key for c in candidates]
    selections = {tuple(np.flatnonzero(row)) for row in subsets}
    seen = set()
    for combination in result.combinations:
        chosen = tuple(keys.index(k) for k in combination.keys)
        assert chosen in selections
        assert combination.total_value == pytest.approx(sum(candidates[i].value for i in chosen))
        assert combination.total_cost == pytest.approx(sum(candidates[i].cost for i in chosen))
        assert combination.budget_left == pytest.approx(budget - combination.total_cost)
        seen.add(chosen)
    assert len(seen) == len(result.combinations)

    # trade-offs: the best value over the feasible subsets with / without each candidate
    for i, trade_off in enumerate(result.trade_offs):
        with_i, without_i = values[subsets[:, i]], values[~subsets[:, i]]
        if with_i.size:
            assert trade_off.best_value_with == pytest.approx(with_i.max(), abs=1e-6 * scale)
            assert trade_off.loss_if_included == pytest.approx(values.max() - with_i.max(), abs=1e-6 * scale)
        else:
            assert trade_off.best_value_with is None and trade_off.loss_if_included is None
        if without_i.size:
            assert trade_off.best_value_without == pytest.approx(without_i.max(), abs=1e-6 * scale)
        else:
            assert trade_off.best_value_without is None and trade_off.loss_if_excluded is None


# --- against brute force --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_top_combinations_and_trade_offs_equal_brute_force_without_constraints(seed: int) -> None:
    rng = np.random.default_rng(seed)
    candidates, budget = random_candidates(rng, n=5 + seed)  # 5 .. 12 candidates
    assert_matches_brute_force(candidates, budget, None, top_k=5)


@pytest.mark.parametrize("seed", range(10))
def test_top_combinations_and_trade_offs_equal_brute_force_with_group_constraints(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    candidates, budget = random_candidates(rng, n=3 + seed)  # 3 .. 12 candidates
    constraints = random_groups(rng, candidates, with_fixed=seed % 2 == 0)
    assert_matches_brute_force(candidates, budget, constraints, top_k=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    costs=st.lists(st.integers(0, 20), min_size=1, max_size=8),
    values=st.lists(st.integers(-10, 30), min_size=8, max_size=8),
    budget=st.integers(0, 60),
    top_k=st.integers(1, 6),
)
def test_integer_cases_with_ties_equal_brute_force(
    costs: list[int], values: list[int], budget: int, top_k: int
) -> None:
    # small integers make ties, zero costs and negative values common: the values (not the keys) must agree
    candidates = [
        Candidate(f"k{i}", f"K{i}", float(c), float(v))
        for i, (c, v) in enumerate(zip(costs, values[: len(costs)], strict=True))
    ]
    assert_matches_brute_force(candidates, float(budget), None, top_k=top_k)


def best_with_partial_funding(candidates: list[Candidate], budget: float) -> float:
    """The best value when some candidates may be part-funded: over every subset, fund the chosen at
    their minimum shares, then raise shares by value per krone (positive values only) while money lasts
    - the greedy rule that is optimal for the fractional knapsack (Dantzig 1957)."""
    best = -np.inf
    for chosen in all_subsets(len(candidates)):
        picked = [c for c, is_in in zip(candidates, chosen, strict=True) if is_in]
        money = budget - sum(c.cost * c.min_share for c in picked)
        if money < -1e-9:
            continue
        total = sum(c.value * c.min_share for c in picked)
        for c in sorted(picked, key=lambda c: -c.value / c.cost):
            if c.value <= 0:
                break
            extra = min(c.max_share - c.min_share, money / c.cost)
            total += extra * c.value
            money -= extra * c.cost
        best = max(best, total)
    return float(best)


@pytest.mark.parametrize("seed", range(6))
def test_partial_funding_equals_the_greedy_fractional_fill_over_all_subsets(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    candidates, budget = random_candidates(rng, n=7)
    shares = rng.uniform(0.2, 0.7, 3)
    candidates[:3] = [
        dataclasses.replace(c, min_share=float(s), max_share=float(min(1.0, s + 0.4)))
        for c, s in zip(candidates[:3], shares, strict=True)
    ]
    result = recommend_allocation(candidates, budget, top_k=1)
    assert result.best.total_value == pytest.approx(best_with_partial_funding(candidates, budget), rel=1e-6)
    assert result.best.total_cost <= budget * (1 + 1e-7)
    for item in result.best.funded:
        candidate = next(c for c in candidates if c.key == item.key)
        assert candidate.min_share - 1e-9 <= item.share <= candidate.max_share + 1e-9


# --- hand-checked cases ---------------------------------------------------------------------------------


def three_initiatives() -> list[Candidate]:
    return [
        Candidate("skole", "Bekymrende skolefravær", 50e6, 60.0),
        Candidate("adhd", "Opmærksomhedsforstyrrelser", 40e6, 50.0),
        Candidate("rus", "Psykisk sårbarhed og rusmidler", 30e6, 35.0),
    ]


def test_three_initiatives_worked_by_hand() -> None:
    # Budget 80 million. Subsets within budget and their values: skole+rus 80m -> 95, adhd+rus 70m -> 85,
    # skole 60, adhd 50, rus 35, none 0 (skole+adhd costs 90m). Value per krone puts adhd first (1.25
    # per million), yet the best combination leaves it out: a greedy ranking would pick adhd+rus (85).
    result = recommend_allocation(three_initiatives(), 80e6, top_k=10)
    assert [c.keys for c in result.combinations] == [
        ("skole", "rus"), ("adhd", "rus"), ("skole",), ("adhd",), ("rus",), (),
    ]  # fmt: skip
    assert [c.total_value for c in result.combinations] == pytest.approx([95, 85, 60, 50, 35, 0])
    assert [c.budget_left for c in result.combinations] == pytest.approx([0, 10e6, 30e6, 40e6, 50e6, 80e6])
    assert [c.value_gap for c in result.combinations] == pytest.approx([0, 10, 35, 45, 60, 95])
    assert [w.code for w in result.warnings] == ["fewer_combinations"]  # only 6 of 10 exist

    by_key = {t.key: t for t in result.trade_offs}
    # with / without: skole 95 / 85 (adhd+rus), adhd 85 (adhd+rus) / 95, rus 95 / 60 (skole alone)
    assert (by_key["skole"].best_value_with, by_key["skole"].best_value_without) == pytest.approx((95, 85))
    assert (by_key["adhd"].best_value_with, by_key["adhd"].best_value_without) == pytest.approx((85, 95))
    assert (by_key["rus"].best_value_with, by_key["rus"].best_value_without) == pytest.approx((95, 60))
    assert by_key["adhd"].loss_if_included == pytest.approx(10)
    assert by_key["rus"].loss_if_excluded == pytest.approx(35)
    assert by_key["adhd"].value_per_krone == pytest.approx(50 / 40e6)
    assert [t.in_best for t in result.trade_offs] == [True, False, True]


def test_must_include_and_must_exclude_change_the_best_and_the_trade_offs() -> None:
    # skole excluded: adhd+rus (85). adhd included as well: adhd+rus is still the best (85) and the only
    # other option with adhd is adhd alone (50). With skole excluded its forced-in value is impossible.
    constraints = AllocationConstraints(must_include=("adhd",), must_exclude=("skole",))
    result = recommend_allocation(three_initiatives(), 80e6, constraints=constraints, top_k=5)
    assert [c.keys for c in result.combinations] == [("adhd", "rus"), ("adhd",)]
    by_key = {t.key: t for t in result.trade_offs}
    assert by_key["skole"].best_value_with is None and by_key["skole"].loss_if_included is None
    assert by_key["adhd"].best_value_without is None
    assert by_key["rus"].best_value_without == pytest.approx(50)


def test_group_limits_worked_by_hand() -> None:
    # skole and adhd form one target group with at most one funded; rus must have company from the group
    # ('at least one'): the best is then skole+rus (95) and adhd+rus (85); skole+adhd is excluded twice.
    constraints = AllocationConstraints(
        groups=(GroupConstraint("børn i skolealderen", ("skole", "adhd"), min_selected=1, max_selected=1),)
    )
    result = recommend_allocation(three_initiatives(), 100e6, constraints=constraints, top_k=3)
    assert [c.keys for c in result.combinations] == [("skole", "rus"), ("adhd", "rus"), ("skole",)]
    # a group cost cap of 45 million keeps skole (50m) out: adhd+rus (85) becomes the best
    capped = AllocationConstraints(
        groups=(GroupConstraint("skole og adhd", ("skole", "adhd"), max_cost=45e6),)
    )
    result = recommend_allocation(three_initiatives(), 100e6, constraints=capped, top_k=1)
    assert result.best.keys == ("adhd", "rus")


def test_partial_funding_worked_by_hand() -> None:
    # Budget 80m. skole may be funded from 50 % to 100 %; adhd and rus whole or not at all.
    # Options: skole at 80 % alone (value 48); skole at 50 % (25m, 30) + rus (30m, 35) + 25m left to raise
    # skole to 100 %? No: 50m + 30m = 80m is skole whole + rus = 95; skole at s + adhd: 50s + 40 <= 80 gives
    # s = 0.8, value 48 + 50 = 98; skole at s + adhd + rus: 50s + 70 <= 80 needs s <= 0.2 < 0.5, infeasible.
    # adhd + rus = 85. The best is skole at 80 % + adhd: 98.
    candidates = three_initiatives()
    candidates[0] = dataclasses.replace(candidates[0], min_share=0.5)
    result = recommend_allocation(candidates, 80e6, top_k=3)
    assert result.best.keys == ("skole", "adhd")
    assert result.best.total_value == pytest.approx(98)
    assert result.best.funded[0].share == pytest.approx(0.8)
    assert result.best.funded[0].cost == pytest.approx(40e6)
    assert result.best.budget_left == pytest.approx(0, abs=1e-3)
    assert [c.total_value for c in result.combinations] == pytest.approx([98, 95, 85])
    assert "partial_funding" in [w.code for w in result.warnings]


def test_a_candidate_that_allows_no_partial_funding_is_never_split() -> None:
    # Budget 60m: a part of skole (50m) would fit beside nothing else, but it is whole-or-nothing.
    result = recommend_allocation(
        [Candidate("skole", "Skole", 50e6, 60.0), Candidate("rus", "Rus", 30e6, 35.0)], 60e6, top_k=1
    )
    assert result.best.keys == ("skole",)
    assert [item.share for item in result.best.funded] == [1.0]


def test_all_negative_values_recommend_funding_nothing() -> None:
    result = recommend_allocation([Candidate("a", "A", 10, -5), Candidate("b", "B", 10, -1)], 100, top_k=2)
    assert result.best.keys == () and result.best.total_value == 0
    assert result.combinations[1].keys == ("b",)


def test_top_k_is_ordered_best_first_and_distinct() -> None:
    rng = np.random.default_rng(7)
    candidates, budget = random_candidates(rng, n=12)
    result = recommend_allocation(candidates, budget, top_k=8)
    values = [c.total_value for c in result.combinations]
    assert len(values) == 8
    assert values == sorted(values, reverse=True)
    assert len({c.keys for c in result.combinations}) == 8
    assert [c.rank for c in result.combinations] == list(range(1, 9))


def test_unaffordable_candidate_is_warned_and_never_chosen() -> None:
    result = recommend_allocation([Candidate("a", "A", 200, 100), Candidate("b", "B", 10, 1)], 100, top_k=1)
    assert result.best.keys == ("b",)
    assert [w.code for w in result.warnings] == ["unaffordable"]
    assert result.trade_offs[0].best_value_with is None


def test_decimal_money_and_mappings_are_accepted() -> None:
    result = recommend_allocation(
        [{"key": "a", "name": "A", "cost": Decimal("30.50"), "value": 3}, Candidate("b", "B", 40, 5)],
        Decimal("71"),
        top_k=1,
    )
    assert result.best.keys == ("a", "b")
    assert result.best.budget_left == pytest.approx(0.5)


def test_result_is_frozen_serialisable_and_summarised() -> None:
    result = recommend_allocation(three_initiatives(), 80e6, top_k=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.top_k = 3  # type: ignore[misc]
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data) == {
        "engine_version", "budget", "n_candidates", "top_k", "solver_calls", "combinations", "trade_offs",
        "warnings",
    }  # fmt: skip
    assert data["combinations"][0]["keys"] == ["skole", "rus"]
    assert data["combinations"][0]["budget_left"] == 0
    assert data["trade_offs"][1]["key"] == "adhd" and data["trade_offs"][1]["in_best"] is False
    summary = result.summary()
    assert "skole, rus" in summary and "adhd" in summary


# --- bad input and infeasible constraints --------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidates", "budget", "constraints", "field", "words"),
    [
        ([], 10, None, "candidates", "non-empty"),
        ([Candidate("a", "A", -1, 1)], 10, None, "candidates[0].cost", "'a'"),
        ([Candidate("a", "A", 1, float("nan"))], 10, None, "candidates[0].value", "finite"),
        ([Candidate("a", "A", 1, 1), Candidate("a", "B", 1, 1)], 10, None, "candidates[1].key", "duplicate"),
        ([Candidate("", "A", 1, 1)], 10, None, "candidates[0].key", "non-empty"),
        ([Candidate("a", "A", "1", 1)], 10, None, "candidates[0].cost", "number"),  # type: ignore[arg-type]
        ([Candidate("a", "A", 1, 1, min_share=0)], 10, None, "candidates[0].min_share", "above 0"),
        ([Candidate("a", "A", 1, 1, 0.6, 0.5)], 10, None, "candidates[0].max_share", "min_share"),
        ([{"key": "a", "name": "A", "cost": 1}], 10, None, "candidates[0].value", "required"),
        ([{"key": "a", "name": "A", "cost": 1, "value": 1, "tint": 2}], 10, None, "candidates[0].tint", ""),
        ([Candidate("a", "A", 1, 1)], -5, None, "budget", "at least 0"),
        (
            [Candidate("a", "A", 1, 1)], 10, AllocationConstraints(must_include=("z",)),
            "constraints.must_include[0]", "'z'",
        ),
        (
            [Candidate("a", "A", 1, 1)], 10, AllocationConstraints(must_include=("a",), must_exclude=("a",)),
            "constraints.must_exclude", "'a'",
        ),
        (
            [Candidate("a", "A", 1, 1)], 10,
            AllocationConstraints(groups=(GroupConstraint("g", ("a", "y")),)),
            "constraints.groups[0].keys[1]", "'y'",
        ),
        (
            [Candidate("a", "A", 1, 1)], 10, AllocationConstraints(groups=(GroupConstraint("g", ("a",), 2),)),
            "constraints.groups[0].min_selected", "only 1",
        ),
        (
            [Candidate("a", "A", 1, 1)], 10,
            AllocationConstraints(groups=(GroupConstraint("g", ("a",), 1, max_selected=0),)),
            "constraints.groups[0].max_selected", "'g'",
        ),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(
    candidates: list, budget: float, constraints: AllocationConstraints | None, field: str, words: str
) -> None:
    with pytest.raises(AllocationInputError) as error:
        recommend_allocation(candidates, budget, constraints=constraints)
    assert error.value.field == field
    assert str(error.value).startswith(field + ": ")
    assert words in str(error.value)


@pytest.mark.parametrize("top_k", [0, 101, 2.5, True])
def test_top_k_out_of_range_names_top_k(top_k: object) -> None:
    with pytest.raises(AllocationInputError, match="^top_k: "):
        recommend_allocation(three_initiatives(), 80e6, top_k=top_k)  # type: ignore[arg-type]


def test_must_include_over_budget_is_infeasible_and_says_so() -> None:
    constraints = AllocationConstraints(must_include=("skole", "adhd"))  # 90m > 80m
    with pytest.raises(AllocationInfeasible) as error:
        recommend_allocation(three_initiatives(), 80e6, constraints=constraints)
    assert error.value.field == "constraints.must_include"
    assert "90,000,000" in str(error.value) and "budget" in str(error.value)


def test_group_that_cannot_be_met_is_named() -> None:
    # two from {skole, adhd} cost 90m, more than 80m
    constraints = AllocationConstraints(
        groups=(
            GroupConstraint("rus", ("rus",), max_selected=1),
            GroupConstraint("skolealder", ("skole", "adhd"), min_selected=2),
        )
    )
    with pytest.raises(AllocationInfeasible) as error:
        recommend_allocation(three_initiatives(), 80e6, constraints=constraints)
    assert error.value.field == "constraints.groups[1]"
    assert "'skolealder'" in str(error.value)
    assert isinstance(error.value, ValueError)


def test_groups_that_conflict_only_together_are_reported_together() -> None:
    # each alone is fine (skole; or adhd+rus), together they need skole plus two more: 120m > 100m
    constraints = AllocationConstraints(
        groups=(
            GroupConstraint("a", ("skole",), min_selected=1),
            GroupConstraint("b", ("adhd", "rus"), min_selected=2),
        )
    )
    with pytest.raises(AllocationInfeasible) as error:
        recommend_allocation(three_initiatives(), 100e6, constraints=constraints)
    assert error.value.field == "constraints.groups"
    assert "'a', 'b'" in str(error.value)
