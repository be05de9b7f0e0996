"""The references of outcome data that the database does not enforce, checked set-based once a day.

Measurements, enrolments and participants carry no foreign-key constraints (a check per row costs the
import 10 s per million rows and key; docs/ARCHITECTURE.md, "Measurements: storage and referential
integrity"): the services guard them with locks. This check is the safety net an auditor can see: every
reference and every copied municipality is compared with what it points at, and every municipality's
MunicipalityTotals with a live count of its children and measurements; the daily job fails (shown on the
operations page, the error in the log naming what is broken) when one does not hold. Totals that differ
are recounted by `indsats check-outcome-references --repair-totals`
(services.integrity.repair_municipality_totals).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import F

from indsats.accounts.models import Organisation
from indsats.interventions.models import Intervention
from indsats.outcomes.models import (
    Enrolment,
    Instrument,
    Measurement,
    MeasurementRound,
    MunicipalityTotals,
    Participant,
)

TOTALS = "municipality totals"


class BrokenReferences(Exception):
    """Outcome rows point at something that is not there (or disagree with their child's municipality)."""


@dataclass(frozen=True)
class TotalsDifference:
    """A municipality whose MunicipalityTotals row differs from a live count of its rows."""

    municipality_id: int
    name: str
    kept: tuple[int, int]
    """(children, measurements) as MunicipalityTotals has them (0, 0 when it has no row)."""
    counted: tuple[int, int]
    """(children, measurements) counted in outcomes_participant and outcomes_measurement."""

    def __str__(self) -> str:
        return (
            f"{self.name} (id {self.municipality_id}): {self.kept[0]} børn og {self.kept[1]} målinger gemt, "
            f"{self.counted[0]} og {self.counted[1]} talt"
        )


def differing_totals() -> list[TotalsDifference]:
    """The municipalities whose totals differ from a live count, in id order. One statement: the totals
    and the live counts grouped by municipality side by side (UNION ALL, one GROUP BY), so a municipality
    with rows and no totals row differs too. One statement reads one snapshot, and every write changes
    its rows and recounts in one transaction: a write in progress never shows as a difference.

    Only municipalities that exist are compared (a child of a missing one is "participant.municipality")."""
    totals = MunicipalityTotals._meta.db_table
    participants, measurements = Participant._meta.db_table, Measurement._meta.db_table
    organisations = Organisation._meta.db_table
    sql = (
        "SELECT c.municipality_id, o.name, SUM(c.kept_participants), SUM(c.kept_measurements), "  # noqa: S608 (table names only)
        "SUM(c.participants), SUM(c.measurements) FROM ("
        f"SELECT municipality_id, participants AS kept_participants, measurements AS kept_measurements, "
        f"0 AS participants, 0 AS measurements FROM {totals} "
        f"UNION ALL SELECT municipality_id, 0, 0, COUNT(*), 0 FROM {participants} GROUP BY municipality_id "
        f"UNION ALL SELECT municipality_id, 0, 0, 0, COUNT(*) FROM {measurements} GROUP BY municipality_id"
        f") c JOIN {organisations} o ON o.id = c.municipality_id "
        "GROUP BY c.municipality_id, o.name "
        "HAVING SUM(c.kept_participants) <> SUM(c.participants) "
        "OR SUM(c.kept_measurements) <> SUM(c.measurements) "
        "ORDER BY c.municipality_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [
            TotalsDifference(int(pk), name, (int(kp), int(km)), (int(p), int(m)))
            for pk, name, kp, km, p, m in cursor.fetchall()
        ]


def _reference_counts() -> dict[str, int]:
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


def broken_references() -> dict[str, int]:
    """How many rows break each reference: {"measurement.participant": 0, ...}, and how many
    municipalities' totals differ from a live count ("municipality totals"). One query per reference;
    NOT IN over the primary keys, which PostgreSQL answers with one hashed pass over each table."""
    return {**_reference_counts(), TOTALS: len(differing_totals())}


def check_references() -> str:
    """The daily job's work: a message when all hold, BrokenReferences naming the counts (and the
    municipalities whose totals differ) otherwise."""
    differing = differing_totals()
    broken = {name: count for name, count in _reference_counts().items() if count}
    if differing:
        broken[TOTALS] = len(differing)
    if broken:
        text = ", ".join(f"{name}: {count}" for name, count in sorted(broken.items()))
        if differing:
            text += "; " + "; ".join(str(difference) for difference in differing)
        raise BrokenReferences(text)
    return "Alle referencer i resultatdata holder"
