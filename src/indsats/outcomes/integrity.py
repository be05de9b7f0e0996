"""The references of outcome data that the database does not enforce, checked set-based once a day.

Measurements, enrolments and participants carry no foreign-key constraints (a check per row costs the
import 10 s per million rows and key; docs/ARCHITECTURE.md, "Measurements: storage and referential
integrity"): the services guard them with locks. This check is the safety net an auditor can see: every
reference and every copied municipality is compared with what it points at, and the daily job fails
(shown on the operations page, the error in the log) when one is broken.
"""

from __future__ import annotations

from django.db.models import F

from indsats.accounts.models import Organisation
from indsats.interventions.models import Intervention
from indsats.outcomes.models import Enrolment, Instrument, Measurement, MeasurementRound, Participant


class BrokenReferences(Exception):
    """Outcome rows point at something that is not there (or disagree with their child's municipality)."""


def broken_references() -> dict[str, int]:
    """How many rows break each reference: {"measurement.participant": 0, ...}. One query per reference;
    NOT IN over the primary keys, which PostgreSQL answers with one hashed pass over each table."""
    participants = Participant.objects.values("pk")
    municipalities = Organisation.objects.values("pk")
    checks = {
        "measurement.participant": Measurement.objects.exclude(participant_id__in=participants),
        "measurement.round": Measurement.objects.exclude(round_id__in=MeasurementRound.objects.values("pk")),
        "measurement.instrument": Measurement.objects.exclude(
            instrument_id__in=Instrument.objects.values("pk")
        ),
        "measurement.municipality": Measurement.objects.exclude(municipality_id__in=municipalities),
        "measurement.municipality = participant.municipality": Measurement.objects.exclude(
            municipality_id=F("participant__municipality_id")
        ).filter(participant_id__in=participants),
        "enrolment.participant": Enrolment.objects.exclude(participant_id__in=participants),
        "enrolment.intervention": Enrolment.objects.exclude(
            intervention_id__in=Intervention.objects.values("pk")
        ),
        "enrolment.municipality = participant.municipality": Enrolment.objects.exclude(
            municipality_id=F("participant__municipality_id")
        ).filter(participant_id__in=participants),
        "participant.municipality": Participant.objects.exclude(municipality_id__in=municipalities),
    }
    return {name: rows.order_by().count() for name, rows in checks.items()}


def check_references() -> str:
    """The daily job's work: a message when all hold, BrokenReferences naming the counts otherwise."""
    broken = {name: count for name, count in broken_references().items() if count}
    if broken:
        raise BrokenReferences(", ".join(f"{name}: {count}" for name, count in sorted(broken.items())))
    return "Alle referencer i resultatdata holder"
