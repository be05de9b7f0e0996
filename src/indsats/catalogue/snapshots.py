"""What a published version holds: a JSON snapshot of the intervention description, drawn from the
register, the evaluations and the business cases at the moment the agency publishes.

The snapshot is plain data (numbers unformatted, so the page, the API and the CSV format them each in
their own way). Every number carries its source (analysis or business-case result id, inputs sha256,
engine version). Small numbers are removed here, before anything is stored: an effect estimate resting
on fewer children than settings.DISCLOSURE_MIN_CHILDREN is not published, and no count of children per
municipality is ever part of a snapshot.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation

from indsats.catalogue.evidence import evidence_summary_for, newest_analyses
from indsats.catalogue.models import CostBand
from indsats.economy.selectors import latest_national_result
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.statistics.meta_analysis import meta_analyse
from indsats.evaluation.cross_practice import practice_effect
from indsats.interventions.models import EventKind, Intervention, KnowledgeDeclaration

SNAPSHOT_FORMAT = 1

COST_BAND_LIMITS = (Decimal("10000"), Decimal("50000"))


def _number(value: Any) -> float | None:
    if isinstance(value, int | float | Decimal) and math.isfinite(float(value)):
        return float(value)
    return None


def cost_band(cost_per_participant: float | None) -> str:
    if cost_per_participant is None:
        return CostBand.UNKNOWN
    if cost_per_participant < COST_BAND_LIMITS[0]:
        return CostBand.LOW
    if cost_per_participant <= COST_BAND_LIMITS[1]:
        return CostBand.MEDIUM
    return CostBand.HIGH


def effect_section(intervention: Intervention) -> dict[str, Any]:
    """One row per effect study (its newest analysis, standardised so that + is an improvement) and the
    pooled estimate (random effects, REML) when there are two or more. A study with fewer children than
    the disclosure threshold is left out and only counted."""
    minimum = settings.DISCLOSURE_MIN_CHILDREN
    rows: list[dict[str, Any]] = []
    suppressed = 0
    instruments: set[str] = set()
    for analysis in newest_analyses(intervention):
        if analysis.n < minimum:
            suppressed += 1
            continue
        effect = practice_effect(analysis)
        if effect is None:
            continue
        instruments.add(str(analysis.study.instrument))
        rows.append(
            {
                "study": analysis.study.name,
                "design": analysis.study.design,
                "evidence_level": analysis.evidence_level,
                "grade": analysis.grade,
                "instrument": str(analysis.study.instrument),
                "score": effect.score_name,
                "n": analysis.n,
                "g": effect.g,
                "variance": effect.variance,
                "ci_low": effect.ci_low,
                "ci_high": effect.ci_high,
                "source": {
                    "analysis_id": analysis.pk,
                    "inputs_hash": analysis.inputs_hash,
                    "engine_version": analysis.engine_version,
                    "computed_at": analysis.created_at.isoformat(),
                },
            }
        )
    pooled: dict[str, Any] | None = None
    if len(rows) == 1:
        only = rows[0]
        pooled = {"estimate": only["g"], "ci_low": only["ci_low"], "ci_high": only["ci_high"], "k": 1}
    elif len(rows) > 1:
        try:
            result = meta_analyse([r["g"] for r in rows], [r["variance"] for r in rows], method="reml")
        except StatisticsInputError:
            pooled = None
        else:
            pooled = {
                "estimate": result.estimate,
                "ci_low": result.ci_low,
                "ci_high": result.ci_high,
                "k": result.k,
                "i2": result.i2,
            }
    return {
        "studies": rows,
        "pooled": pooled,
        "suppressed_studies": suppressed,
        "instruments": sorted(instruments),
    }


def economy_section(intervention: Intervention) -> dict[str, Any] | None:
    """The newest finished business-case result: cost per participant, NPV in total and by payer,
    P(NPV > 0), break-even year and price year, with its source."""
    result = latest_national_result(intervention)
    if result is None or not result.result:
        return None
    data = result.result
    participants = _number(data.get("participants")) or float(result.case.participants or 0)
    pv_costs = _number(data.get("pv_costs"))
    per_participant = pv_costs / participants if pv_costs is not None and participants else None
    return {
        "case": result.case.name,
        "cost_per_participant": per_participant,
        "npv": _number(data.get("npv")),
        "npv_by_payer": {
            payer: _number(totals.get("npv")) for payer, totals in (data.get("by_payer") or {}).items()
        },
        "p_positive": _number(data.get("p_positive")),
        "break_even_year": data.get("break_even_year"),
        "price_year": data.get("price_year"),
        "horizon_years": data.get("horizon_years"),
        "source": {
            "result_id": result.pk,
            "inputs_hash": result.inputs_hash,
            "engine_version": result.engine_version,
            "computed_at": result.computed_at.isoformat() if result.computed_at else None,
        },
    }


def declaration_section(intervention: Intervention) -> dict[str, Any] | None:
    declaration = (
        KnowledgeDeclaration.objects.filter(intervention=intervention).prefetch_related("scores").first()
    )
    if declaration is None:
        return None
    return {
        "declared_on": declaration.declared_on.isoformat(),
        "scores": [
            {"dimension": s.dimension, "grade": s.grade, "reason": s.reason} for s in declaration.scores.all()
        ],
    }


def phase_history(intervention: Intervention) -> list[dict[str, Any]]:
    """The phase changes and steering-group decisions, oldest first (dates and phases, no internal text)."""
    kinds = {EventKind.CREATED, EventKind.DECIDED, EventKind.RETURNED, EventKind.STOPPED}
    return [
        {
            "date": event.at.date().isoformat(),
            "kind": event.kind,
            "from_state": event.from_state,
            "to_state": event.to_state,
        }
        for event in sorted(intervention.events.filter(kind__in=kinds), key=lambda e: (e.at, e.pk))
    ]


def build_snapshot(intervention: Intervention, *, documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything a published version shows, as JSON-safe data. Texts are kept in Danish, the source
    language, whoever publishes; codes (phase, design, dimension) are translated when shown."""
    with translation.override("da"):
        return _snapshot(intervention, documents)


def _snapshot(intervention: Intervention, documents: list[dict[str, Any]]) -> dict[str, Any]:
    effect = effect_section(intervention)
    economy = economy_section(intervention)
    evidence = evidence_summary_for(intervention)
    partnerships = intervention.partnerships.select_related("municipality").order_by("municipality__name")
    return {
        "format": SNAPSHOT_FORMAT,
        "name": intervention.name,
        "summary": intervention.short_description,
        "description": intervention.description,
        "target_group": {
            "text": intervention.target_group,
            "age_from": intervention.age_from,
            "age_to": intervention.age_to,
            "problem_areas": sorted(intervention.problem_areas.values_list("name", flat=True)),
        },
        "theory_of_change": {
            "activities": intervention.activity_list,
            "short_term": intervention.short_term_list,
            "long_term": intervention.long_term_list,
        },
        "core_elements": intervention.core_element_list,
        "implementation": {
            "staff_qualifications": intervention.staff_qualifications,
            "training_days": _number(intervention.training_days),
            "supervision": intervention.supervision,
            "sessions": intervention.sessions,
            "weeks": intervention.weeks,
            "setting": intervention.setting,
            "delivery_format": intervention.delivery_format,
            "delivery_model": intervention.delivery_model,
        },
        "phase": intervention.state,
        "phase_history": phase_history(intervention),
        "declaration": declaration_section(intervention),
        "evidence": evidence.to_dict(),
        "effect": effect,
        "economy": economy,
        "cost_band": cost_band(economy["cost_per_participant"] if economy else None),
        # Realistisk drift (still operating 12/24 months after funding) comes from the steering-group
        # work (issue #14); until it is wired in, the page says it is not yet measured.
        "realistic_operation": None,
        "municipalities": [
            {"name": p.municipality.name, "role": p.role, "code": p.municipality.municipality_code}
            for p in partnerships
        ],
        "documents": documents,
    }
