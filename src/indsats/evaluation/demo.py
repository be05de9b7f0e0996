"""Demo data of evaluation: the demo evaluator's before-after study of the first intervention with
measurement rounds (the one the outcomes demo assigns to the evaluator) with its children's dose and
fidelity, analysed once; then further practices' studies for the report across practices."""

from __future__ import annotations

from django.utils import timezone

from indsats.accounts.demo import DemoContext
from indsats.accounts.models import User
from indsats.evaluation import services
from indsats.evaluation.models import Design, Study
from indsats.interventions.models import Intervention
from indsats.outcomes.demo import import_sdq_measurements, rounds_until_today
from indsats.outcomes.models import (
    EvaluatorAssignment,
    Instrument,
    Measurement,
    MeasurementRound,
    Participant,
    RoundKind,
)
from indsats.outcomes.pseudonyms import export_code, pseudonym_key
from indsats.outcomes.services.setup import create_round


def load(context: DemoContext) -> None:
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
    study = _before_after_study(person, intervention, sdq, rounds)
    seed = context.rng.randint(1, 10**6)
    load_exposures(context)
    analysis = services.run_analysis(actor=person, study=study, seed=seed)
    context.log(f"    1 effect study, analysed with n = {analysis.n} (grade {analysis.grade})")
    load_cross_practice(context)


def _before_after_study(
    person: User, intervention: Intervention, sdq: Instrument, rounds: dict[str, MeasurementRound]
) -> Study:
    """The demo's study design: SDQ total difficulties from baseline to 6 months, no comparison group."""
    return services.create_study(
        actor=person,
        intervention=intervention,
        name=f"Før-efter-studie af {intervention.name}",
        design=Design.PRE_POST,
        instrument=sdq,
        score_key="total_difficulties",
        baseline_round=rounds[RoundKind.BASELINE],
        follow_up_round=rounds[RoundKind.MONTH_6],
    )


def load_exposures(context: DemoContext) -> None:
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


# --- further practices for the report across practices -----------------------------------------------

ROUND_KINDS = (RoundKind.BASELINE, RoundKind.MONTH_6)
IMPROVEMENT_PER_ITEM = (0.08, 0.35)
"""How much lower each SDQ answer is at 6 months, on average, in the third and fourth intervention."""


def _measure(context: DemoContext, intervention: Intervention, sdq: Instrument, improvement: float) -> int:
    """Rounds and SDQ imports for one intervention; returns the number of measurements."""
    users = context.objects["users"]
    admin = users.get("admin") or users.get("styrelse")
    rounds = [
        create_round(
            actor=admin, intervention=intervention, kind=kind, opens_on=opens, closes_on=closes, order=order
        )
        for order, (kind, opens, closes) in enumerate(
            rounds_until_today(ROUND_KINDS, today=timezone.localdate())
        )
    ]
    return import_sdq_measurements(
        context,
        rounds=rounds,
        sdq=sdq,
        improvement=improvement,
        missing_share=0.1,
        file_name=f"demo-{{code}}-{intervention.pk}-{{kind}}.csv",
    )


def load_cross_practice(context: DemoContext) -> None:
    evaluator = context.objects.get("evaluator")
    person = context.objects["users"].get("evaluator")
    interventions = list(context.objects.get("interventions", []))
    sdq = Instrument.objects.filter(key="sdq-parent-4-17", version=1).first()
    if evaluator is None or person is None or sdq is None or len(interventions) < 2:
        context.log("    no evaluator, SDQ or interventions: cross-practice studies skipped")
        return
    measured = 0
    for intervention, improvement in zip(interventions[2:4], IMPROVEMENT_PER_ITEM, strict=False):
        if not MeasurementRound.objects.filter(intervention=intervention).exists():
            measured += _measure(context, intervention, sdq, improvement)
    studies = 0
    for intervention in interventions[:4]:
        rounds = {r.kind: r for r in MeasurementRound.objects.filter(intervention=intervention)}
        if RoundKind.BASELINE not in rounds or RoundKind.MONTH_6 not in rounds:
            continue
        if not Measurement.objects.filter(round=rounds[RoundKind.MONTH_6], instrument=sdq).exists():
            continue
        EvaluatorAssignment.objects.get_or_create(evaluator=evaluator, intervention=intervention)
        if Study.objects.filter(intervention=intervention).exists():
            continue
        study = _before_after_study(person, intervention, sdq, rounds)
        services.run_analysis(actor=person, study=study, seed=context.rng.randint(1, 10**6))
        studies += 1
    context.log(f"    {measured} SDQ measurements more; {studies} studies for the report across practices")
    load_national_studies(context)


NATIONAL_STUDIES = 5
"""At national scale, bulk-measured interventions get a before-after study each, analysed: the largest (the
report the benchmark reads) and the smallest others (an analysis of 50,000 children takes minutes)."""


def load_national_studies(context: DemoContext) -> None:
    evaluator = context.objects.get("evaluator")
    person = context.objects["users"].get("evaluator")
    sdq = Instrument.objects.filter(key="sdq-parent-4-17", version=1).first()
    measured = list(context.objects.get("bulk_interventions", []))
    largest = measured[:1] + measured[1:][-(NATIONAL_STUDIES - 1) :]
    if evaluator is None or person is None or sdq is None or not largest:
        return
    analysed = []
    for number, intervention in enumerate(largest, start=1):
        context.progress("studies", number - 1, len(largest))
        rounds = {r.kind: r for r in MeasurementRound.objects.filter(intervention=intervention)}
        EvaluatorAssignment.objects.get_or_create(evaluator=evaluator, intervention=intervention)
        study = _before_after_study(person, intervention, sdq, rounds)
        analysed.append(
            services.run_analysis(actor=person, study=study, seed=context.rng.randint(1, 10**6)).n
        )
    context.progress("studies", len(largest), len(largest))
    context.log(f"    {len(analysed)} studies of the largest interventions, analysed with n = {analysed}")
