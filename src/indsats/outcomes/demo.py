"""Demo data of result documentation: rounds in two interventions, SDQ measurements of made-up children in
three municipalities (imported through the same services as a real file), a reason for a long-list
instrument and an evaluator assigned to a study. Deterministic from ``context.rng``; grows with the scale.
The CPR numbers are generated in memory and never stored (only their pseudonyms are)."""

from __future__ import annotations

import datetime
from typing import Any

from indsats.outcomes import services
from indsats.outcomes.models import EvaluatorAssignment, Instrument, RoundKind
from indsats.outcomes.registry import ensure_builtin_instruments

ROUNDS = (
    (RoundKind.BASELINE, datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)),
    (RoundKind.MONTH_6, datetime.date(2025, 7, 1), datetime.date(2025, 9, 30)),
    (RoundKind.MONTH_12, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)),
)
HEADER = ["cpr", "dato", *[f"sdq{i}" for i in range(1, 26)]]
# which municipalities, by code, with the username of the caseworker who imports for them
MUNICIPALITIES = (("751", "sagsbehandler-aarhus"), ("461", "sagsbehandler-odense"))


def _cpr(rng: Any) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(8, 19)
    return f"{day:02d}{month:02d}{year:02d}-{4000 + rng.randint(0, 999) * 2 + rng.randint(0, 1):04d}"


def _answers(rng: Any, severity: float) -> list[str]:
    return [str(min(2, max(0, round(rng.gauss(severity, 0.6))))) for _ in range(25)]


def load(context: Any) -> None:
    ensure_builtin_instruments()
    users = context.objects["users"]
    interventions = list(context.objects.get("interventions", []))[:2]
    by_code = context.objects["municipality_by_code"]
    admin = users.get("admin") or users.get("styrelse")
    if not interventions or admin is None:
        context.log("    no interventions: outcomes skipped")
        return
    sdq = Instrument.objects.get(key="sdq-parent-4-17", version=1)
    who5 = Instrument.objects.filter(key="who-5").first()
    total = 0
    for intervention in interventions:
        rounds = [
            services.create_round(
                actor=admin,
                intervention=intervention,
                kind=kind,
                opens_on=opens,
                closes_on=closes,
                order=order,
            )
            for order, (kind, opens, closes) in enumerate(ROUNDS)
        ]
        for code, username in MUNICIPALITIES:
            actor = users.get(username)
            municipality = by_code.get(code)
            if actor is None or municipality is None:
                continue
            children = [(_cpr(context.rng), context.rng.uniform(0.5, 1.3)) for _ in range(15 * context.scale)]
            children = list(dict(children).items())
            for index, measurement_round in enumerate(rounds):
                if index == 2 and code == "461":
                    continue  # Odense has not measured the 12-month round yet: completeness shows it
                rows = []
                for cpr, severity in children:
                    if index and context.rng.random() < 0.15:
                        continue  # some children are missing in a round
                    day = measurement_round.opens_on + datetime.timedelta(days=context.rng.randint(0, 60))
                    rows.append([cpr, day.isoformat(), *_answers(context.rng, severity - 0.2 * index)])
                content = ("\n".join(";".join(r) for r in [HEADER, *rows]) + "\n").encode()
                job = services.prepare_import(
                    actor=actor,
                    municipality=municipality,
                    measurement_round=measurement_round,
                    instrument=sdq,
                    content=content,
                    file_name=f"demo-{code}-{measurement_round.kind}.csv",
                )
                total += services.commit_import(actor=actor, job=job).done_rows
        if who5 is not None and users.get("sagsbehandler-aarhus") and by_code.get("751"):
            services.explain_instrument_choice(
                actor=users["sagsbehandler-aarhus"],
                municipality=by_code["751"],
                intervention=intervention,
                instrument=who5,
                reason="De ældste unge (15-17 år) besvarer WHO-5 i stedet for SDQ, fordi de selv vil svare.",
            )
    evaluator = context.objects.get("evaluator")
    if evaluator is not None:
        EvaluatorAssignment.objects.get_or_create(evaluator=evaluator, intervention=interventions[0])
    context.log(f"    {total} SDQ measurements in {len(interventions)} interventions")
