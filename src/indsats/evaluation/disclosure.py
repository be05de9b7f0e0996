"""Statistical disclosure control of a stored analysis as it leaves for the report and the API.

An analysis pools every municipality's children, and its subgroup tables (by age band, sex and
municipality) and round means can describe very few of them. engine/disclosure.py holds the rules; this
module applies them, with the thresholds in settings, to what the report pages, the PDFs and the API
show. The stored result itself stays whole (it is the reproducible record of the computation).

- A subgroup row with fewer than DISCLOSURE_MIN_CHILDREN children (in either group, with a comparison
  group) is withheld, and so is the next smallest where the withheld row would otherwise follow from the
  published total by subtraction (complementary suppression).
- A round's mean score of fewer than DISCLOSURE_MIN_CHILDREN children is withheld.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from django.conf import settings

from indsats.engine.disclosure import suppress_table

SUBGROUP_VALUES = ("n", "n_treated", "n_control", "estimate", "se", "ci_low", "ci_high", "p_value")


def hidden_subgroups(rows: list[dict[str, Any]], has_comparison_group: bool) -> list[bool]:
    """Which rows of one subgroup table are withheld (see the module's docstring)."""
    if not rows:
        return []
    if has_comparison_group:
        counts = np.array([[row["n_treated"], row["n_control"]] for row in rows], dtype=np.int64)
    else:
        counts = np.array([row["n"] for row in rows], dtype=np.int64)
    result = suppress_table(counts, min_children=settings.DISCLOSURE_MIN_CHILDREN)
    by_row = np.asarray(result.suppressed).reshape(len(rows), -1)
    return [bool(by_row[index].any()) for index in range(len(rows))]


def round_mean(row: dict[str, Any], prefix: str = "") -> float | None:
    """A round's mean (``prefix`` "comparison_" for the comparison group), None when too few children."""
    n = row.get(f"{prefix}n")
    return row.get(f"{prefix}mean") if n is None or n >= settings.DISCLOSURE_MIN_CHILDREN else None


def disclosed_result(result: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stored result with the withheld subgroup rows' numbers and round means set to None
    (and ``"suppressed": true`` on each withheld row)."""
    shown = copy.deepcopy(result)
    for entry in shown.get("subgroups") or []:
        rows = entry.get("subgroups", [])
        for row, hidden in zip(
            rows, hidden_subgroups(rows, entry.get("has_comparison_group", False)), strict=True
        ):
            if hidden:
                row.update(dict.fromkeys((key for key in SUBGROUP_VALUES if key in row), None))
                row["suppressed"] = True
    for row in shown.get("rounds") or []:
        for prefix in ("", "comparison_"):
            if f"{prefix}mean" in row:
                row[f"{prefix}mean"] = round_mean(row, prefix)
    return shown
