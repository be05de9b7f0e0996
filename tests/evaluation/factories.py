"""Builders of the evaluation tests: participants with known scores (no CPR number involved)."""

from __future__ import annotations

import datetime
from typing import Any

from indsats.evaluation.models import Design, Study
from indsats.outcomes.models import Enrolment, Measurement, Participant, Sex


def add_scores(
    *,
    rounds: tuple[Any, Any],
    instrument: Any,
    municipalities: list[Any],
    pairs: list[tuple[int, int]],
    prefix: str,
) -> None:
    """One participant per (before, after) pair, alternately in each municipality, with total difficulties."""
    baseline, follow_up = rounds
    for index, (before, after) in enumerate(pairs):
        municipality = municipalities[index % len(municipalities)]
        participant = Participant.objects.create(
            municipality=municipality,
            pseudonym=f"{prefix}{index:04d}" + "0" * 40,
            birth_year=2012 + index % 5,
            sex=Sex.FEMALE if index % 2 else Sex.MALE,
        )
        Enrolment.objects.create(participant=participant, intervention=baseline.intervention)
        for measurement_round, value in ((baseline, before), (follow_up, after)):
            Measurement.objects.create(
                participant=participant,
                round=measurement_round,
                instrument=instrument,
                municipality=municipality,
                measured_on=measurement_round.opens_on + datetime.timedelta(days=10),
                age=8 + index % 5,
                scores={"total_difficulties": value},
            )


def make_study(*, intervention: Any, rounds: tuple[Any, Any], instrument: Any, **fields: Any) -> Study:
    values: dict[str, Any] = {
        "name": "Effektstudie af Skolefravær",
        "design": Design.PRE_POST,
        "score_key": "total_difficulties",
    }
    values.update(fields)
    return Study.objects.create(
        intervention=intervention,
        instrument=instrument,
        baseline_round=rounds[0],
        follow_up_round=rounds[1],
        **values,
    )


def add_children(
    *,
    rounds: tuple[Any, Any],
    instrument: Any,
    children: list[dict[str, Any]],
    prefix: str,
) -> list[Participant]:
    """One participant per dict (before, after, age, female, municipality; optional sessions and
    fidelity, recorded as the child's Exposure in the rounds' intervention)."""
    from indsats.evaluation.models import Exposure

    baseline, follow_up = rounds
    created = []
    for index, child in enumerate(children):
        participant = Participant.objects.create(
            municipality=child["municipality"],
            pseudonym=f"{prefix}{index:04d}" + "0" * 40,
            birth_year=2010,
            sex=Sex.FEMALE if child["female"] else Sex.MALE,
        )
        Enrolment.objects.create(participant=participant, intervention=baseline.intervention)
        for measurement_round, value in ((baseline, child["before"]), (follow_up, child["after"])):
            Measurement.objects.create(
                participant=participant,
                round=measurement_round,
                instrument=instrument,
                municipality=child["municipality"],
                measured_on=measurement_round.opens_on + datetime.timedelta(days=10),
                age=child["age"],
                scores={"total_difficulties": value},
            )
        if child.get("sessions") is not None or child.get("fidelity") is not None:
            Exposure.objects.create(
                intervention=baseline.intervention,
                participant=participant,
                sessions=child.get("sessions"),
                fidelity=child.get("fidelity"),
            )
        created.append(participant)
    return created
