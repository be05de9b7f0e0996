"""The virkning (effect) criterion of a gate review: the newest analysis of the intervention's effect
studies, registered as a provider in the interventions app's evidence registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from indsats.evaluation.literature import pooled_literature
from indsats.evaluation.models import RatingLevel
from indsats.evaluation.rating import evidence_rating
from indsats.evaluation.selectors import latest_analysis_of_intervention
from indsats.interventions.evidence import (
    EvidenceFact,
    register_declaration_proposer,
    register_evidence_provider,
)
from indsats.ui.formatting import date, interval, number

if TYPE_CHECKING:
    from indsats.interventions.models import Intervention


def effect_study_facts(intervention: Intervention) -> list[EvidenceFact]:
    analysis = latest_analysis_of_intervention(intervention)
    if analysis is None:
        return []
    result = analysis.result
    source = _("Effektstudie ”%(name)s”, analyse nr. %(id)s, beregnet %(date)s") % {
        "name": analysis.study.name,
        "id": analysis.pk,
        "date": date(analysis.created_at),
    }
    url = reverse("evaluation:analysis_report", args=[analysis.pk])
    return [
        EvidenceFact(
            _("Estimat (95 % KI)"),
            f"{number(result['estimate'], 2)} ({interval(result['ci_low'], result['ci_high'])}), "
            f"n = {analysis.n}",
            source,
            url,
        ),
        EvidenceFact(_("Evidensniveau"), str(analysis.evidence_level), source, url),
        EvidenceFact(
            _("Vurdering af virkning"),
            analysis.grade
            + (
                ""
                if analysis.grade == analysis.proposed_grade
                else _(" (foreslået: %s)") % analysis.proposed_grade
            ),
            source,
            url,
        ),
    ]


def literature_facts(intervention: Intervention) -> list[EvidenceFact]:
    """The pooled effect of the intervention's literature (REML), when two or more references carry one."""
    pool = pooled_literature(intervention)
    if pool is None:
        return []
    result = pool.result
    url = reverse("evaluation:intervention_literature", args=[intervention.pk])
    source = _("Metaanalyse af %(k)s referencer med effektstørrelse (REML)") % {"k": result.k}
    return [
        EvidenceFact(
            _("Litteraturens samlede effekt, Hedges' g (95 % KI)"),
            f"{number(result.estimate, 2)} ({interval(result.ci_low, result.ci_high)}), "
            f"I² = {number(result.i2, 0)} %",
            source,
            url,
        )
    ]


def evidence_rating_facts(intervention: Intervention) -> list[EvidenceFact]:
    rating = evidence_rating(intervention)
    if rating.level == RatingLevel.NOT_RATED:
        return []
    url = reverse("evaluation:intervention_rating", args=[intervention.pk])
    return [
        EvidenceFact(
            _("Evidensvurdering"),
            f"{rating.label} ({rating.code})",
            _("Fastsat af styrelsen") if rating.decided else _("Foreslået af Indsats ud fra effektstudierne"),
            url,
        )
    ]


def effect_dimension(intervention: Intervention) -> dict[str, tuple[str, str]]:
    """The effect dimension of the knowledge declaration, proposed from the evidence rating."""
    rating = evidence_rating(intervention)
    if rating.level == RatingLevel.NOT_RATED:
        return {}
    met = "; ".join(c.detail for c in rating.criteria if c.met)
    reason = _("Foreslået ud fra evidensvurderingen %(label)s (%(code)s). %(met)s") % {
        "label": rating.label,
        "code": rating.code,
        "met": met,
    }
    return {"effect": (rating.effect_grade, reason.strip())}


register_evidence_provider("effect", effect_study_facts)
register_declaration_proposer(effect_dimension)
register_evidence_provider("effect", literature_facts)
register_evidence_provider("effect", evidence_rating_facts)
