"""The allocation helper page and its input, checked against brute force on small cases."""

from __future__ import annotations

import itertools
import random

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from indsats.engine.allocation import recommend_allocation
from indsats.grants.allocation import parse_candidates
from tests.conftest import logged_in


def _brute_force(costs, values, budget):
    best = max(
        (sum(values[i] for i in subset), subset)
        for r in range(len(costs) + 1)
        for subset in itertools.combinations(range(len(costs)), r)
        if sum(costs[i] for i in subset) <= budget
    )
    return best[0]


@pytest.mark.parametrize("seed", range(12))
def test_the_best_combination_equals_brute_force_on_small_cases(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 8)
    costs = [rng.randint(1, 30) * 1_000_000 for _ in range(n)]
    values = [rng.randint(0, 100) * 100_000 for _ in range(n)]
    budget = rng.randint(10, 90) * 1_000_000
    text = "\n".join(f"Initiativ {i}; {c}; {v}" for i, (c, v) in enumerate(zip(costs, values, strict=True)))
    result = recommend_allocation(parse_candidates(text), budget, top_k=3)
    assert result.best.total_value == pytest.approx(_brute_force(costs, values, budget), rel=1e-9)
    assert result.best.total_cost <= budget


def test_danish_numbers_and_a_clear_error_naming_the_line():
    candidates = parse_candidates("Skolefravær; 18.000.000; 2,5\nADHD; 12000000 kr.; 3")
    assert [(c.cost, c.value) for c in candidates] == [(18_000_000.0, 2.5), (12_000_000.0, 3.0)]
    with pytest.raises(ValidationError, match="Linje 2, kolonnen “omkostning”"):
        parse_candidates("A; 1; 1\nB; mange; 2")
    with pytest.raises(ValidationError, match="Linje 1 skal have tre kolonner"):
        parse_candidates("A, 1, 2")


def test_the_steering_group_gets_the_combinations_and_trade_offs(steering_member, aarhus_caseworker):
    response = logged_in(steering_member).post(
        reverse("grants:allocation"),
        {
            "budget": "90000000",
            "top_k": "3",
            "candidates": "Skolefravær; 30000000; 50\nADHD; 25000000; 40\nRusmidler; 40000000; 45\nFamilier; 20000000; 20",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "De bedste kombinationer" in page and "Afvejninger" in page
    assert logged_in(aarhus_caseworker).get(reverse("grants:allocation")).status_code == 403


def test_score_values_keep_their_decimals_and_a_negative_value_is_refused(steering_member):
    assert [c.value for c in parse_candidates("A; 12.000.000; 21.5\nB; 8000000; 21,5")] == [21.5, 21.5]
    with pytest.raises(ValidationError, match="Linje 2: værdien kan ikke være negativ"):
        parse_candidates("A; 1000; 2\nB; 1000; -3")
    page = (
        logged_in(steering_member)
        .post(
            reverse("grants:allocation"),
            {
                "budget": "20000000",
                "top_k": "2",
                "candidates": "Skolefravær; 12000000; 21,5\nADHD; 6000000; 9",
            },
        )
        .content.decode()
    )
    assert "21,5" in page and "30,5" in page  # not rounded to 22 and 31
    assert "Værdi pr. mio. kr." in page and "1,79" in page and "0,0000" not in page  # 21.5 / 12 mio.
