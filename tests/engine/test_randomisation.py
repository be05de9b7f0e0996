"""Allocation sequences checked against what their definitions require (Schulz & Grimes 2002) and
against the binomial and chi-square distributions (scipy)."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.statistics.randomisation import SINGLE_STRATUM, allocation_sequence


def test_the_same_seed_gives_the_same_sequence_and_another_seed_a_different_one() -> None:
    first = allocation_sequence({SINGLE_STRATUM: 40}, method="block", seed=7)
    again = allocation_sequence({SINGLE_STRATUM: 40}, method="block", seed=7)
    other = allocation_sequence({SINGLE_STRATUM: 40}, method="block", seed=8)
    assert first.lists == again.lists and first.sha256() == again.sha256()
    assert first.lists != other.lists and first.sha256() != other.sha256()


@pytest.mark.parametrize("block_size", [2, 4, 6, 8])
def test_every_complete_permuted_block_holds_as_many_of_each_arm(block_size: int) -> None:
    arms = allocation_sequence(
        {SINGLE_STRATUM: 10 * block_size + 1}, method="block", seed=3, block_size=block_size
    )
    sequence = arms.lists[SINGLE_STRATUM]
    assert len(sequence) == 10 * block_size + 1
    for start in range(0, 10 * block_size, block_size):
        assert sum(sequence[start : start + block_size]) == block_size // 2


def test_orderings_of_a_block_of_four_are_equally_likely() -> None:
    # the 6 orderings of two of each arm must be uniform: a chi-square goodness-of-fit test
    sequence = allocation_sequence({SINGLE_STRATUM: 4 * 6000}, method="block", seed=11).lists[SINGLE_STRATUM]
    blocks = Counter(tuple(sequence[i : i + 4]) for i in range(0, len(sequence), 4))
    expected_orderings = {p for p in itertools.permutations((1, 1, 0, 0))}
    assert set(blocks) == expected_orderings
    assert stats.chisquare(list(blocks.values())).pvalue > 0.001


def test_simple_randomisation_is_a_fair_coin() -> None:
    sequence = allocation_sequence({SINGLE_STRATUM: 20_000}, method="simple", seed=5).lists[SINGLE_STRATUM]
    treated = sum(sequence)
    assert stats.binomtest(treated, len(sequence), 0.5).pvalue > 0.001
    # a coin does not balance blocks: some runs of four are all one arm
    assert any(sum(sequence[i : i + 4]) in (0, 4) for i in range(0, 400, 4))


def test_stratified_sequence_balances_every_municipality_and_strata_are_independent() -> None:
    sizes = {"0751": 22, "0461": 9, "0101": 16}
    found = allocation_sequence(sizes, method="stratified", seed=2026, block_size=4)
    for stratum, size in sizes.items():
        arms = found.lists[stratum]
        assert len(arms) == size
        complete = size - size % 4
        assert sum(arms[:complete]) == complete // 2
        assert abs(2 * sum(arms) - size) <= 4
    more = allocation_sequence({**sizes, "0101": 40}, method="stratified", seed=2026, block_size=4)
    assert more.lists["0751"] == found.lists["0751"] and more.lists["0461"] == found.lists["0461"]
    assert more.lists["0101"][:16] == found.lists["0101"]
    assert found.n == sum(sizes.values())


def test_the_sequence_is_numpys_permutation_of_the_spawned_stream() -> None:
    # the documented recipe, written out independently: one PCG64 stream per stratum, spawned from the seed
    stream = np.random.SeedSequence(99).spawn(1)[0]
    rng = np.random.default_rng(stream)
    expected = np.concatenate([rng.permutation([1, 0, 1, 0]) for _ in range(3)]).tolist()
    assert (
        list(allocation_sequence({SINGLE_STRATUM: 12}, method="block", seed=99).lists[SINGLE_STRATUM])
        == expected
    )


@pytest.mark.parametrize(
    ("sizes", "method", "block_size", "code"),
    [
        ({}, "block", 4, "no_strata"),
        ({"a": 4, "b": 4}, "block", 4, "one_stratum_only"),
        ({"a": 0}, "stratified", 4, "stratum_size_invalid"),
        ({"a": 4}, "block", 3, "block_size_invalid"),
        ({"a": 4}, "urn", 4, "unknown_method"),
    ],
)
def test_invalid_requests_are_refused_with_a_stable_code(sizes, method, block_size, code) -> None:
    with pytest.raises(StatisticsInputError) as raised:
        allocation_sequence(sizes, method=method, seed=1, block_size=block_size)
    assert raised.value.code == code
