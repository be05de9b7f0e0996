"""Small-number suppression: the threshold rule, complementary suppression and the attacker's audit.

References are computed independently of the LP: hand-worked tables, and a brute-force enumeration of
every non-negative whole-number table consistent with what is published.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indsats.engine.disclosure import (
    below_threshold,
    comparison_group_allowed,
    recoverable_cells,
    suppress_table,
)


def test_threshold_rule_hides_one_to_four_children_but_not_empty_cells():
    assert below_threshold([0, 1, 4, 5, 12]).tolist() == [False, True, True, False, False]


def test_threshold_rule_hides_cells_grouping_fewer_than_three_municipalities():
    assert below_threshold([40, 40, 0], units=[2, 3, 0]).tolist() == [True, False, False]


def test_one_dimensional_table_with_a_total_hides_a_second_cell():
    # 3 is under the threshold; with the total published, 3 = total - 7 - 12, so the smallest other cell
    # (7) is hidden too.
    result = suppress_table([3, 7, 12])
    assert result.suppressed.tolist() == [True, True, False]
    assert result.primary.tolist() == [True, False, False]
    assert result.complementary.tolist() == [False, True, False]


def test_without_published_totals_only_the_threshold_rule_applies():
    assert suppress_table([3, 7, 12], margins=False).suppressed.tolist() == [True, False, False]


def test_a_total_under_the_threshold_is_hidden_and_needs_no_partner():
    result = suppress_table([3, 0, 0])
    assert result.suppressed.tolist() == [True, False, False]
    assert result.row_totals_suppressed.tolist() == [True]


def test_two_dimensional_table_hand_worked():
    table = [[20, 3, 15], [12, 9, 30], [8, 14, 6]]
    # (0,1)=3 is primary. Row 0 takes its smallest other cell 15; column 1 takes 9; row 1 then takes 12;
    # column 2 takes 6; column 0 takes 8; now every row and column holds two hidden cells.
    expected = {(0, 1), (0, 2), (1, 1), (1, 0), (2, 0), (2, 2)}
    result = suppress_table(table)
    assert {tuple(int(i) for i in cell) for cell in np.argwhere(result.suppressed)} == expected
    assert recoverable_cells(table, result.suppressed) == []


def test_the_audit_finds_a_bridge_between_two_protected_blocks():
    table = np.full((4, 4), 10)
    mask = np.zeros((4, 4), dtype=bool)
    for cell in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        mask[cell] = True
    # Rows 0+1 minus columns 0+1 leave exactly cell (1, 2): every row and column has two hidden cells, yet
    # the bridge is recoverable.
    assert recoverable_cells(table, mask) == [(1, 2)]


def test_comparison_group_needs_three_municipalities_and_five_children():
    assert comparison_group_allowed(children=5, municipalities=3)
    assert not comparison_group_allowed(children=40, municipalities=2)
    assert not comparison_group_allowed(children=4, municipalities=6)


def test_counts_must_be_whole_and_not_negative():
    with pytest.raises(ValueError, match="whole numbers"):
        suppress_table([3, -1])
    with pytest.raises(ValueError, match="whole numbers"):
        suppress_table([2.5, 7])


def _brute_force_recoverable(table: np.ndarray, mask: np.ndarray) -> set[tuple[int, int]]:
    """Every whole-number table that agrees with the published cells and totals; a hidden cell is
    recoverable when it has the same value in all of them."""
    hidden = [tuple(int(i) for i in c) for c in np.argwhere(mask)]
    rows = table.sum(axis=1)
    columns = table.sum(axis=0)
    ranges = [np.arange(int(min(rows[r], columns[c])) + 1) for r, c in hidden]
    guesses = np.array(np.meshgrid(*ranges, indexing="ij")).reshape(len(hidden), -1).T
    fits = np.ones(len(guesses), dtype=bool)
    for line_total, members, published in [
        *[
            (rows[r], [i for i, (hr, _) in enumerate(hidden) if hr == r], table[r][~mask[r]].sum())
            for r in range(table.shape[0])
        ],
        *[
            (columns[c], [i for i, (_, hc) in enumerate(hidden) if hc == c], table[:, c][~mask[:, c]].sum())
            for c in range(table.shape[1])
        ],
    ]:
        if members:
            fits &= guesses[:, members].sum(axis=1) + published == line_total
    solutions = guesses[fits]
    return {cell for i, cell in enumerate(hidden) if len(set(solutions[:, i].tolist())) == 1}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(min_value=0, max_value=9), min_size=3, max_size=3), min_size=2, max_size=3)
)
def test_no_suppressed_cell_can_be_recovered_by_subtraction(rows):
    table = np.array(rows)
    result = suppress_table(table)
    assert result.suppressed[result.primary].all()
    hidden = int(result.suppressed.sum())
    if (
        hidden == 0
        or hidden > 6
        or result.row_totals_suppressed.any()
        or result.column_totals_suppressed.any()
    ):
        return  # brute force only where every total is published and the search stays small
    assert _brute_force_recoverable(table, result.suppressed) == set()
