"""The literature behind an intervention, pooled: the effect sizes recorded on its evidence references,
on one scale (Hedges' g, positive = improvement), in a random-effects meta-analysis.

Each reference gives its effect as Hedges' g with its variance, as group means, SDs and sizes (Hedges' g
by the engine, ``standardised_mean_difference``), or as event counts (a log odds ratio converted to the
d scale, ``log_odds_ratio_to_d``). Where lower is better for the reference's outcome the sign is turned,
so every row reads "positive = improvement". Pooling: REML with the prediction interval, Knapp-Hartung
as an option (engine.statistics.meta_analysis.meta_analyse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.statistics.meta_analysis import (
    MetaAnalysisResult,
    log_odds_ratio,
    log_odds_ratio_to_d,
    meta_analyse,
    standardised_mean_difference,
)
from indsats.interventions.models import EffectInput, EvidenceReference

if TYPE_CHECKING:
    from indsats.interventions.models import Intervention


@dataclass(frozen=True)
class LiteratureEffect:
    """One reference's effect on the pooled scale."""

    reference: EvidenceReference
    g: float
    variance: float

    @property
    def label(self) -> str:
        year = f" ({self.reference.year})" if self.reference.year else ""
        return f"{self.reference.citation[:60]}{year}"


@dataclass(frozen=True)
class LiteraturePool:
    effects: tuple[LiteratureEffect, ...]
    result: MetaAnalysisResult


def _values(reference: EvidenceReference, names: tuple[str, ...]) -> list[float] | None:
    values = [getattr(reference, name) for name in names]
    return None if any(value is None for value in values) else [float(value) for value in values]


def reference_effect(reference: EvidenceReference) -> LiteratureEffect | None:
    """The reference's effect as Hedges' g (positive = improvement) with its variance; None without one."""
    kind = reference.effect_input
    values = _values(reference, EvidenceReference.EFFECT_FIELDS[EffectInput(kind)]) if kind else None
    if values is None:
        return None
    if kind == EffectInput.YI_VI:
        g, v = values
    elif kind == EffectInput.MEANS:
        gs, vs = standardised_mean_difference(*([value] for value in values))
        g, v = float(gs[0]), float(vs[0])
    else:
        ys, lvs = log_odds_ratio(*([value] for value in values))
        ds, dvs = log_odds_ratio_to_d(ys, lvs)
        g, v = float(ds[0]), float(dvs[0])
    return LiteratureEffect(reference=reference, g=-g if reference.lower_is_better else g, variance=v)


def literature_effects(intervention: Intervention) -> list[LiteratureEffect]:
    effects = (reference_effect(r) for r in EvidenceReference.objects.filter(intervention=intervention))
    return [e for e in effects if e is not None]


def pooled_literature(intervention: Intervention, *, knapp_hartung: bool = False) -> LiteraturePool | None:
    """The intervention's literature pooled by REML; None with fewer than two references with an effect."""
    effects = literature_effects(intervention)
    if len(effects) < 2:
        return None
    try:
        result = meta_analyse(
            [e.g for e in effects],
            [e.variance for e in effects],
            method="reml",
            study_labels=[e.label for e in effects],
            knapp_hartung=knapp_hartung,
        )
    except StatisticsInputError:
        return None
    return LiteraturePool(effects=tuple(effects), result=result)
