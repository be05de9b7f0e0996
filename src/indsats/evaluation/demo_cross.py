"""Demo data of the report across practices: before-after studies of further interventions, analysed.

The outcomes demo measures SDQ in the first two interventions; here two more interventions get a
baseline and a 6-month round with SDQ scores of made-up children (imported through the outcomes
services like a real file, with a different typical improvement each, so the practices differ), the demo
evaluator is assigned to them, and each intervention with data but no study yet gets a before-after
study, analysed once. With the evaluation demo's own study that makes four practices to pool.
Deterministic from ``context.rng``; grows with the scale.
"""

from __future__ import annotations

import datetime
from typing import Any

from indsats.evaluation import services
from indsats.evaluation.models import Design, Study
from indsats.outcomes import services as outcome_services
from indsats.outcomes.demo import HEADER, MUNICIPALITIES, _answers, _cpr
from indsats.outcomes.models import EvaluatorAssignment, Instrument, Measurement, MeasurementRound, RoundKind

ROUNDS = (
    (RoundKind.BASELINE, datetime.date(2025, 2, 1), datetime.date(2025, 4, 30)),
    (RoundKind.MONTH_6, datetime.date(2025, 8, 1), datetime.date(2025, 10, 31)),
)
IMPROVEMENT_PER_ITEM = (0.08, 0.35)
"""How much lower each SDQ answer is at 6 months, on average, in the third and fourth intervention."""


def _measure(context: Any, intervention: Any, sdq: Instrument, improvement: float) -> int:
    """Rounds and SDQ imports for one intervention; returns the number of measurements."""
    users = context.objects["users"]
    admin = users.get("admin") or users.get("styrelse")
    by_code = context.objects["municipality_by_code"]
    rounds = [
        outcome_services.create_round(
            actor=admin, intervention=intervention, kind=kind, opens_on=opens, closes_on=closes, order=order
        )
        for order, (kind, opens, closes) in enumerate(ROUNDS)
    ]
    total = 0
    for code, username in MUNICIPALITIES:
        actor, municipality = users.get(username), by_code.get(code)
        if actor is None or municipality is None:
            continue
        children = dict((_cpr(context.rng), context.rng.uniform(0.5, 1.3)) for _ in range(15 * context.scale))
        for index, measurement_round in enumerate(rounds):
            rows = []
            for cpr, severity in children.items():
                if index and context.rng.random() < 0.1:
                    continue  # some children are missing at follow-up
                day = measurement_round.opens_on + datetime.timedelta(days=context.rng.randint(0, 60))
                rows.append([cpr, day.isoformat(), *_answers(context.rng, severity - improvement * index)])
            content = ("\n".join(";".join(r) for r in [HEADER, *rows]) + "\n").encode()
            job = outcome_services.prepare_import(
                actor=actor,
                municipality=municipality,
                measurement_round=measurement_round,
                instrument=sdq,
                content=content,
                file_name=f"demo-{code}-{intervention.pk}-{measurement_round.kind}.csv",
            )
            total += outcome_services.commit_import(actor=actor, job=job).done_rows
    return total


def load_cross_practice(context: Any) -> None:
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
        services.run_analysis(actor=person, study=study, seed=context.rng.randint(1, 10**6))
        studies += 1
    context.log(f"    {measured} SDQ measurements more; {studies} studies for the report across practices")
