"""Every write of the evaluation app: one transaction, one permission check, one audit entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indsats.audit.services import record_create, record_update, snapshot
from indsats.engine import ENGINE_VERSION
from indsats.engine.effects import StatisticsInputError
from indsats.evaluation import estimation
from indsats.evaluation.models import Analysis, Design, Grade, Study
from indsats.evaluation.selectors import can_manage_studies_of
from indsats.outcomes.registry import engine_instrument

DEFAULT_SEED = 20240101


def require_study_manager(actor: Any, intervention: Any) -> None:
    if not can_manage_studies_of(actor, intervention):
        raise PermissionDenied("evaluation.manage_studies")


def _validate(
    *,
    intervention: Any,
    design: str,
    instrument: Any,
    score_key: str,
    baseline_round: Any,
    follow_up_round: Any,
    comparison_intervention: Any | None,
) -> None:
    errors: dict[str, str] = {}
    if score_key not in engine_instrument(instrument).score_keys:
        errors["score_key"] = _("Skalaen “%(key)s” findes ikke i %(instrument)s. Vælg en af: %(keys)s.") % {
            "key": score_key,
            "instrument": instrument,
            "keys": ", ".join(engine_instrument(instrument).score_keys),
        }
    for field, measurement_round in (
        ("baseline_round", baseline_round),
        ("follow_up_round", follow_up_round),
    ):
        if measurement_round.intervention_id != intervention.pk:
            errors[field] = _("Målerunden hører til en anden indsats. Vælg en af indsatsens egne målerunder.")
    if baseline_round.pk == follow_up_round.pk:
        errors["follow_up_round"] = _("Eftermålingen skal være en anden målerunde end førmålingen.")
    if design in {Design.RANDOMISED, Design.QUASI} and comparison_intervention is None:
        errors["comparison_intervention"] = _(
            "Et design med to grupper kræver en sammenligningsgruppe. "
            "Vælg den indsats, hvis børn er kontrolgruppe."
        )
    if comparison_intervention is not None and comparison_intervention.pk == intervention.pk:
        errors["comparison_intervention"] = _(
            "Sammenligningsgruppen skal være en anden indsats end den, der evalueres."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_study(
    *,
    actor: Any,
    intervention: Any,
    name: str,
    design: str,
    instrument: Any,
    score_key: str,
    baseline_round: Any,
    follow_up_round: Any,
    comparison_intervention: Any | None = None,
    adjust_for_age: bool = True,
    adjust_for_sex: bool = True,
) -> Study:
    require_study_manager(actor, intervention)
    _validate(
        intervention=intervention,
        design=design,
        instrument=instrument,
        score_key=score_key,
        baseline_round=baseline_round,
        follow_up_round=follow_up_round,
        comparison_intervention=comparison_intervention,
    )
    study = Study.objects.create(
        intervention=intervention,
        name=name,
        design=design,
        instrument=instrument,
        score_key=score_key,
        baseline_round=baseline_round,
        follow_up_round=follow_up_round,
        comparison_intervention=comparison_intervention,
        adjust_for_age=adjust_for_age,
        adjust_for_sex=adjust_for_sex,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_create(actor=actor, instance=study)
    return study


@transaction.atomic
def run_analysis(*, actor: Any, study: Study, seed: int = DEFAULT_SEED) -> Analysis:
    """Run the engine on the scores of the study and store the result with its provenance.

    Raises ValidationError (Danish, naming the problem) when the data cannot be analysed.
    """
    require_study_manager(actor, study.intervention)
    try:
        found = estimation.estimate(study, seed=seed)
    except StatisticsInputError as error:
        raise ValidationError(
            _(
                "Analysen kunne ikke beregnes ud fra målingerne (%(detail)s). Tjek at børnene er målt i både "
                "før- og eftermålingen med %(instrument)s."
            )
            % {"detail": error, "instrument": study.instrument}
        ) from error
    higher_is_better = engine_instrument(study.instrument).direction(study.score_key) == "higher_is_better"
    proposed = estimation.propose_grade(
        level=study.evidence_level, result=found.result, higher_is_better=higher_is_better
    )
    analysis = Analysis.objects.create(
        study=study,
        method=found.method,
        result=found.result,
        n=found.n,
        warnings=found.warnings,
        inputs_hash=found.inputs_hash,
        engine_version=ENGINE_VERSION,
        seed=seed,
        evidence_level=study.evidence_level,
        proposed_grade=proposed,
        grade=proposed,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_create(actor=actor, instance=analysis)
    return analysis


@transaction.atomic
def override_grade(*, actor: Any, analysis: Analysis, grade: str, reason: str) -> Analysis:
    """The evaluator's own judgement of the effect dimension, with a reason (audited)."""
    require_study_manager(actor, analysis.study.intervention)
    if grade not in Grade.values:
        raise ValidationError({"grade": _("Vælg en vurdering mellem A og D.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv en begrundelse for at ændre den foreslåede vurdering.")})
    before = snapshot(analysis)
    analysis.grade = grade
    analysis.grade_reason = reason.strip()
    analysis.save(update_fields=["grade", "grade_reason"])
    record_update(actor=actor, instance=analysis, before=before, message=reason.strip())
    return analysis
