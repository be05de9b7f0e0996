"""Statistical disclosure control for tables about children that leave their municipality.

Every aggregate shown outside the children's own municipality (to other municipalities, the public, in
reports, exports and the API) follows the rules national statistics offices use for magnitude and
frequency tables (Hundepool et al. 2012, *Statistical Disclosure Control*, Wiley, ch. 4 and 6;
Eurostat's handbook on SDC for tabular data, 2010):

- **Threshold rule (primary suppression).** A cell built from fewer than ``min_children`` children
  (default 5) is suppressed; so is a cell built from fewer than ``min_units`` contributing
  municipalities (default 3), because a group of one or two lets each member subtract its own share and
  read the other's.
- **Complementary (secondary) suppression.** Where a table publishes the totals of its rows or columns,
  one suppressed cell in a row or column could be recovered by subtraction. So every row and every column
  that holds a suppressed cell must hold at least two, and the cells added are the smallest that are not
  yet suppressed (the least information lost). Suppressing again until nothing changes gives the classic
  iterative heuristic for two-dimensional tables (Hundepool et al. 2012, 4.4.3): it guarantees that no
  suppressed cell is the only unknown of any published row or column equation.
- The heuristic alone can leave a "bridge": a suppressed cell whose value still follows from a chain of
  row and column equations. So the result is audited: for every suppressed cell, linear programming finds
  the smallest and largest value consistent with everything published (cells, totals, no negative counts);
  where the two coincide, the cell is recoverable and the smallest published cell of its row or column is
  suppressed too, until no suppressed cell can be recovered (the "attacker's LP" of Hundepool et al. 2012,
  4.3.4).
- A published total whose own count is under the threshold is suppressed as well; a margin equation whose
  total is suppressed protects nothing and needs no partner.

The functions take and return plain arrays, so the web pages, exports, the API and reports apply one
implementation; the policy (thresholds from the settings, which cells a person may see unsuppressed) lives
in the apps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

MIN_CHILDREN = 5
"""Fewest children behind a published cell (the threshold rule)."""
MIN_UNITS = 3
"""Fewest municipalities behind a published cell that groups municipalities."""

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class SuppressionResult:
    """Which cells of a table may be published.

    Attributes:
        suppressed: True for every cell that must not be shown (same shape as the counts).
        primary: True for the cells suppressed by the threshold rule itself.
        row_totals_suppressed: True for each row whose total must not be shown (2-D tables only).
        column_totals_suppressed: True for each column whose total must not be shown (2-D tables only).
    """

    suppressed: BoolArray
    primary: BoolArray
    row_totals_suppressed: BoolArray
    column_totals_suppressed: BoolArray

    @property
    def complementary(self) -> BoolArray:
        """The cells suppressed only to protect others."""
        return self.suppressed & ~self.primary

    def to_dict(self) -> dict[str, list[object]]:
        return {
            "suppressed": self.suppressed.tolist(),
            "primary": self.primary.tolist(),
            "row_totals_suppressed": self.row_totals_suppressed.tolist(),
            "column_totals_suppressed": self.column_totals_suppressed.tolist(),
        }


def below_threshold(
    children: ArrayLike,
    units: ArrayLike | None = None,
    *,
    min_children: int = MIN_CHILDREN,
    min_units: int = MIN_UNITS,
) -> BoolArray:
    """The threshold rule: True where a cell has 1 to ``min_children - 1`` children, or where it groups
    fewer than ``min_units`` municipalities. Empty cells (0 children) reveal nothing and are not
    suppressed; they show as 0 or as "no data"."""
    counts = _counts(children, "children")
    too_few = (counts > 0) & (counts < min_children)
    if units is not None:
        unit_counts = _counts(units, "units")
        if unit_counts.shape != counts.shape:
            raise ValueError(f"units has shape {unit_counts.shape}, children {counts.shape}; they must match")
        too_few |= (counts > 0) & (unit_counts < min_units)
    return too_few


def suppress_table(
    children: ArrayLike,
    units: ArrayLike | None = None,
    *,
    min_children: int = MIN_CHILDREN,
    min_units: int = MIN_UNITS,
    margins: bool = True,
) -> SuppressionResult:
    """Primary and complementary suppression of a one- or two-dimensional table of child counts.

    Args:
        children: children behind each cell (1-D: one row of cells with a published total; 2-D: rows x
            columns with published row and column totals).
        units: municipalities behind each cell, where cells group municipalities (same shape); None when
            every cell is one municipality's own children.
        min_children, min_units: the thresholds (Indsats' settings pass the configured values).
        margins: whether totals are published. Without published totals no subtraction is possible and
            only the threshold rule applies.

    Returns:
        A SuppressionResult. For a 1-D table the "row total" is the table's one total.
    """
    counts = _counts(children, "children")
    if counts.ndim not in (1, 2):
        raise ValueError(f"a table must have one or two dimensions, not {counts.ndim}")
    primary = below_threshold(counts, units, min_children=min_children, min_units=min_units)
    table = counts.reshape(1, -1) if counts.ndim == 1 else counts
    mask = primary.reshape(table.shape).copy()

    row_totals = table.sum(axis=1)
    column_totals = table.sum(axis=0)
    row_totals_hidden = (row_totals > 0) & (row_totals < min_children)
    column_totals_hidden = (column_totals > 0) & (column_totals < min_children)
    if units is not None:
        unit_table = _counts(units, "units").reshape(table.shape)
        # A total over a row of municipalities groups at most the sum of their units.
        row_totals_hidden |= (row_totals > 0) & (unit_table.sum(axis=1) < min_units)

    if margins:
        changed = True
        while changed:
            changed = False
            for row in range(table.shape[0]):
                if not row_totals_hidden[row] and int(mask[row].sum()) == 1:
                    changed = True
                    if not _add_partner(table[row], mask[row]):
                        row_totals_hidden[row] = True
            for column in range(table.shape[1]) if counts.ndim == 2 else ():
                if not column_totals_hidden[column] and int(mask[:, column].sum()) == 1:
                    changed = True
                    if not _add_partner(table[:, column], mask[:, column]):
                        column_totals_hidden[column] = True
        if counts.ndim == 2:
            while (
                cell := _first_recoverable(table, mask, row_totals_hidden, column_totals_hidden)
            ) is not None:
                _suppress_partner(table, mask, cell, row_totals_hidden, column_totals_hidden)

    shape = counts.shape
    return SuppressionResult(
        suppressed=mask.reshape(shape),
        primary=primary.reshape(shape),
        row_totals_suppressed=row_totals_hidden,
        column_totals_suppressed=column_totals_hidden if counts.ndim == 2 else np.zeros(0, dtype=bool),
    )


def _add_partner(line: NDArray[np.int64], hidden: BoolArray) -> bool:
    """Hide the smallest unsuppressed non-empty cell of a line (changing ``hidden`` in place), so that its
    one suppressed cell is no longer the only unknown of the line's total. False when there is none: then
    the line's total itself must be hidden."""
    candidates = np.flatnonzero(~hidden & (line > 0))
    if candidates.size == 0:
        return False
    hidden[candidates[np.argmin(line[candidates])]] = True
    return True


def recoverable_cells(
    children: ArrayLike,
    suppressed: ArrayLike,
    *,
    row_totals_published: ArrayLike | None = None,
    column_totals_published: ArrayLike | None = None,
) -> list[tuple[int, int]]:
    """The suppressed cells of a 2-D table whose value follows exactly from what is published.

    The attacker knows every unsuppressed cell, the published row and column totals and that no count is
    negative; linear programming gives each suppressed cell's smallest and largest possible value
    (Hundepool et al. 2012, 4.3.4). A cell whose range is a single value is recoverable.
    """
    table = _counts(children, "children")
    mask = np.asarray(suppressed, dtype=bool)
    rows_hidden = (
        np.zeros(table.shape[0], dtype=bool)
        if row_totals_published is None
        else ~np.asarray(row_totals_published, dtype=bool)
    )
    columns_hidden = (
        np.zeros(table.shape[1], dtype=bool)
        if column_totals_published is None
        else ~np.asarray(column_totals_published, dtype=bool)
    )
    return _recoverable(table, mask, rows_hidden, columns_hidden, first_only=False)


def _first_recoverable(
    table: NDArray[np.int64], mask: BoolArray, rows_hidden: BoolArray, columns_hidden: BoolArray
) -> tuple[int, int] | None:
    found = _recoverable(table, mask, rows_hidden, columns_hidden, first_only=True)
    return found[0] if found else None


def _recoverable(
    table: NDArray[np.int64],
    mask: BoolArray,
    rows_hidden: BoolArray,
    columns_hidden: BoolArray,
    *,
    first_only: bool,
) -> list[tuple[int, int]]:
    from scipy.optimize import linprog  # only 2-D tables with suppressed cells need the LP solver

    cells = [(int(row), int(column)) for row, column in np.argwhere(mask)]
    if not cells:
        return []
    index = {cell: position for position, cell in enumerate(cells)}
    equations: list[tuple[list[int], float]] = []
    for row in range(table.shape[0]):
        members = [index[(row, column)] for column in range(table.shape[1]) if mask[row, column]]
        if members and not rows_hidden[row]:
            equations.append((members, float(table[row][mask[row]].sum())))
    for column in range(table.shape[1]):
        members = [index[(row, column)] for row in range(table.shape[0]) if mask[row, column]]
        if members and not columns_hidden[column]:
            equations.append((members, float(table[:, column][mask[:, column]].sum())))
    if not equations:
        return []
    a_eq = np.zeros((len(equations), len(cells)))
    b_eq = np.zeros(len(equations))
    for number, (members, total) in enumerate(equations):
        a_eq[number, members] = 1.0
        b_eq[number] = total
    found = []
    for position, cell in enumerate(cells):
        objective = np.zeros(len(cells))
        objective[position] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if low.status == 0 and high.status == 0 and (-high.fun) - low.fun < 0.5:
            found.append(cell)
            if first_only:
                break
    return found


def _suppress_partner(
    table: NDArray[np.int64],
    mask: BoolArray,
    cell: tuple[int, int],
    rows_hidden: BoolArray,
    columns_hidden: BoolArray,
) -> None:
    """Hide one more thing so that a recoverable cell stops being recoverable: the smallest published
    non-empty cell of its row or column; failing that, its row's or column's total; failing that, the
    smallest published non-empty cell anywhere, then any published total. Each call hides something new,
    so the audit loop ends (at worst with everything hidden)."""
    row, column = cell
    published = ~mask & (table > 0)
    in_line = [(row, c) for c in np.flatnonzero(published[row])] + [
        (r, column) for r in np.flatnonzero(published[:, column])
    ]
    if in_line:
        mask[min(in_line, key=lambda rc: (int(table[rc]), rc))] = True
    elif not rows_hidden[row]:
        rows_hidden[row] = True
    elif not columns_hidden[column]:
        columns_hidden[column] = True
    elif published.any():
        anywhere = [tuple(rc) for rc in np.argwhere(published)]
        mask[min(anywhere, key=lambda rc: (int(table[rc]), rc))] = True
    elif not rows_hidden.all():
        rows_hidden[np.flatnonzero(~rows_hidden)[0]] = True
    else:
        columns_hidden[np.flatnonzero(~columns_hidden)[0]] = True


def comparison_group_allowed(
    children: int, municipalities: int, *, min_children: int = MIN_CHILDREN, min_units: int = MIN_UNITS
) -> bool:
    """Whether "other municipalities" may be shown as a group beside one municipality's own figures:
    at least ``min_units`` municipalities and ``min_children`` children in the group (so that neither
    subtraction from an "all municipalities" figure nor a group of two reveals another municipality)."""
    return municipalities >= min_units and children >= min_children


def _counts(values: ArrayLike, name: str) -> NDArray[np.int64]:
    array = np.asarray(values)
    if array.size and not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be whole numbers of children, got {array.dtype}")
    if array.size and (np.any(array < 0) or np.any(np.asarray(array, dtype=float) % 1 != 0)):
        raise ValueError(f"{name} must be whole numbers of at least 0")
    return array.astype(np.int64)
