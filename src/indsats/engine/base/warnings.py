"""Caveats on a result: ``AnalysisWarning`` with its stable codes, and the checks every analysis shares.

The web application translates a warning by its ``code`` (evaluation/report.py), so never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass

SMALL_N = "small_n"
HEAVY_MISSINGNESS = "heavy_missingness"
POOR_BALANCE = "poor_balance"
FEW_STUDIES = "few_studies"
FEW_CLUSTERS = "few_clusters"
POOR_OVERLAP = "poor_overlap"
EXTREME_WEIGHTS = "extreme_weights"
PRE_TRENDS = "pre_trends"
NO_VARIATION = "no_variation"
NOT_CONVERGED = "not_converged"
SEPARATION = "separation"
SUBGROUP_SKIPPED = "subgroup_skipped"

SMALL_N_LIMIT = 20
"""Fewer analysed children than this (per group) gives a ``small_n`` warning."""
HEAVY_MISSINGNESS_SHARE = 0.2
"""More than this share of rows dropped for missing values gives a ``heavy_missingness`` warning."""
FEW_CLUSTERS_LIMIT = 30
"""Cluster-robust standard errors are unreliable with fewer clusters (Cameron & Miller 2015)."""


@dataclass(frozen=True)
class AnalysisWarning:
    """A caveat on a result: a stable ``code`` for translation and a plain English ``message``."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def missingness_warnings(n_total: int, n_used: int, what: str = "rows") -> list[AnalysisWarning]:
    """A ``heavy_missingness`` warning when more than 20 % of the rows were dropped."""
    if n_total == 0:
        return []
    share = 1.0 - n_used / n_total
    if share > HEAVY_MISSINGNESS_SHARE:
        return [
            AnalysisWarning(
                HEAVY_MISSINGNESS,
                f"{n_total - n_used} of {n_total} {what} ({share:.0%}) were left out for missing values; "
                "the result holds only for the children with complete data",
            )
        ]
    return []


def small_n_warnings(counts: dict[str, int], limit: int = SMALL_N_LIMIT) -> list[AnalysisWarning]:
    """A ``small_n`` warning for each group with fewer than ``limit`` children."""
    return [
        AnalysisWarning(
            SMALL_N,
            f"only {count} children in {name}; estimates are imprecise and the normal approximation "
            f"may not hold (fewer than {limit})",
        )
        for name, count in counts.items()
        if count < limit
    ]


def few_clusters_warnings(n_clusters: int | None) -> list[AnalysisWarning]:
    """A ``few_clusters`` warning when cluster-robust standard errors rest on too few clusters."""
    if n_clusters is not None and n_clusters < FEW_CLUSTERS_LIMIT:
        return [
            AnalysisWarning(
                FEW_CLUSTERS,
                f"only {n_clusters} clusters (e.g. municipalities): cluster-robust standard errors are "
                f"too small with fewer than about {FEW_CLUSTERS_LIMIT} clusters",
            )
        ]
    return []
