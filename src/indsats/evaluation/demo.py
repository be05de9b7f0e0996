"""Demo data of evaluation: the demo evaluator's before-after study of the first intervention with
measurement rounds (the one the outcomes demo assigns to the evaluator), analysed once."""

from __future__ import annotations

from typing import Any

from indsats.evaluation import services
from indsats.evaluation.models import Design
from indsats.outcomes.models import EvaluatorAssignment, Instrument, MeasurementRound, RoundKind


def load(context: Any) -> None:
    evaluator = context.objects.get("evaluator")
    person = context.objects["users"].get("evaluator")
    assignment = (
        EvaluatorAssignment.objects.filter(evaluator=evaluator)
        .select_related("intervention")
        .order_by("pk")
        .first()
        if evaluator is not None
        else None
    )
    if assignment is None or person is None:
        context.log("    no evaluator assignment: evaluation skipped")
        return
    intervention = assignment.intervention
    rounds = {r.kind: r for r in MeasurementRound.objects.filter(intervention=intervention)}
    sdq = Instrument.objects.filter(key="sdq-parent-4-17", version=1).first()
    if sdq is None or RoundKind.BASELINE not in rounds or RoundKind.MONTH_6 not in rounds:
        context.log("    no SDQ rounds: evaluation skipped")
        return
    study = services.create_study(
        actor=person,
        intervention=intervention,
        name=f"Før-efter-studie af {intervention.name}",
        design=Design.PRE_POST,
        instrument=sdq,
        score_key="total_difficulties",
        baseline_round=rounds[RoundKind.BASELINE],
        follow_up_round=rounds[RoundKind.MONTH_6],
    )
    analysis = services.run_analysis(actor=person, study=study, seed=context.rng.randint(1, 10**6))
    context.log(f"    1 effect study, analysed with n = {analysis.n} (grade {analysis.grade})")
