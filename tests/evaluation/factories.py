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


def record_randomisation(study: Study, *, recorded_on: datetime.date | None = None) -> Any:
    """An allocation list on record for a randomised study whose children already exist (as the fixtures
    build them): one position per child measured in either group, stored on ``recorded_on`` (by default
    the day before the baseline round opens)."""
    from indsats.evaluation.models import Allocation, AllocationMethod, Arm, Randomisation
    from indsats.outcomes.models import Measurement

    stored = recorded_on or study.baseline_round.opens_on - datetime.timedelta(days=1)
    moment = datetime.datetime.combine(stored, datetime.time(12), tzinfo=datetime.UTC)
    randomisation = Randomisation.objects.create(
        study=study,
        method=AllocationMethod.UPLOADED,
        made_by="Trial statistician",
        made_at=moment,
        sequence_sha256="0" * 64,
    )
    Randomisation.objects.filter(pk=randomisation.pk).update(recorded_at=moment)
    measured = (
        Measurement.objects.filter(
            round__intervention_id__in=[study.intervention_id, study.comparison_intervention_id],
            round__kind=study.follow_up_round.kind,
        )
        .values_list("participant_id", "round__intervention_id")
        .distinct()
    )
    Allocation.objects.bulk_create(
        Allocation(
            randomisation=randomisation,
            position=position,
            arm=Arm.INTERVENTION if intervention_id == study.intervention_id else Arm.COMPARISON,
            participant_id=participant_id,
            allocated_at=moment,
        )
        for position, (participant_id, intervention_id) in enumerate(measured, start=1)
    )
    randomisation.refresh_from_db()
    return randomisation
