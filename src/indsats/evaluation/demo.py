"""Demo data of evaluation: the demo evaluator's before-after study of the first intervention with
measurement rounds (the one the outcomes demo assigns to the evaluator) with its children's dose and
fidelity, analysed once; then further practices' studies for the report across practices."""

from __future__ import annotations

from typing import Any

from indsats.evaluation import services
from indsats.evaluation.demo_cross import load_cross_practice
from indsats.evaluation.exposure import export_code
from indsats.evaluation.models import Design
from indsats.outcomes.models import (
    EvaluatorAssignment,
    Instrument,
    Measurement,
    MeasurementRound,
    Participant,
    RoundKind,
)
from indsats.outcomes.services import pseudonym_key


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
    seed = context.rng.randint(1, 10**6)
    load_exposures(context)
    analysis = services.run_analysis(actor=person, study=study, seed=seed)
    context.log(f"    1 effect study, analysed with n = {analysis.n} (grade {analysis.grade})")
    load_cross_practice(context)


def load_exposures(context: Any) -> None:
    """Dose and fidelity for the demo intervention's children, imported by the demo evaluator as a file with
    the export's codes. Deterministic from ``context.rng``; a child whose difficulties fell more (baseline
    minus 6 months, SDQ total difficulties) got more sessions and a more faithful delivery, plus noise, so
    the report's dose-response shows. About one child in ten has no fidelity recorded."""
    evaluator = context.objects.get("evaluator")
    person = context.objects["users"].get("evaluator")
    assignment = (
        EvaluatorAssignment.objects.filter(evaluator=evaluator).order_by("pk").first() if evaluator else None
    )
    if assignment is None or person is None:
        return
    intervention = assignment.intervention
    scores: dict[tuple[int, str], float] = {}
    for participant_id, kind, values in Measurement.objects.filter(
        round__intervention=intervention,
        round__kind__in=[RoundKind.BASELINE, RoundKind.MONTH_6],
        instrument__key="sdq-parent-4-17",
    ).values_list("participant_id", "round__kind", "scores"):
        if values.get("total_difficulties") is not None:
            scores[(participant_id, kind)] = float(values["total_difficulties"])
    key = pseudonym_key()
    lines = ["pseudonym;sessions;fidelity"]
    for participant in Participant.objects.filter(enrolments__intervention=intervention).order_by("pk"):
        before = scores.get((participant.pk, RoundKind.BASELINE))
        after = scores.get((participant.pk, RoundKind.MONTH_6))
        improvement = before - after if before is not None and after is not None else 0.0
        sessions = max(0, min(30, round(10 + 0.8 * improvement + context.rng.gauss(0, 2))))
        fidelity = max(0.0, min(1.0, 0.7 + 0.025 * improvement + context.rng.gauss(0, 0.08)))
        shown_fidelity = "" if context.rng.random() < 0.1 else f"{fidelity:.2f}".replace(".", ",")
        code = export_code(participant.pseudonym, intervention.pk, key)
        lines.append(f"{code};{sessions};{shown_fidelity}")
    result = services.import_exposures(
        actor=person,
        intervention=intervention,
        content=("\n".join(lines) + "\n").encode(),
        file_name="demo-dosis-og-troskab.csv",
    )
    context.log(f"    dose and fidelity for {result.created} children ({result.error_count} errors)")
