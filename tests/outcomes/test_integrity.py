"""The daily check of the outcome references the database does not enforce (outcomes/integrity.py)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from indsats.operations import schedule
from indsats.operations.models import RunStatus
from indsats.outcomes.integrity import broken_references
from indsats.outcomes.services.participants import record_measurement, register_participant
from tests.outcomes.files import fake_cpr

pytestmark = pytest.mark.django_db


def _measured_child(actor, municipality, intervention, measurement_round, instrument):
    child = register_participant(
        actor=actor, municipality=municipality, intervention=intervention, cpr=fake_cpr(1)
    )
    record_measurement(
        actor=actor,
        participant=child,
        measurement_round=measurement_round,
        instrument=instrument,
        measured_on=measurement_round.opens_on,
        answers=[1] * 25,
    )
    return child


def test_intact_data_passes_and_the_daily_run_is_done(aarhus_caseworker, aarhus, intervention, baseline, sdq):
    _measured_child(aarhus_caseworker, aarhus, intervention, baseline, sdq)
    assert set(broken_references().values()) == {0}
    run = schedule.run_now("check-outcome-references", day=datetime.date(2026, 12, 7))
    assert run.status == RunStatus.DONE


def test_a_child_deleted_behind_the_services_back_is_found_and_fails_the_run(
    aarhus_caseworker, aarhus, intervention, baseline, sdq
):
    child = _measured_child(aarhus_caseworker, aarhus, intervention, baseline, sdq)
    with connection.cursor() as cursor:  # raw SQL, as a careless script would: no constraint stops it
        cursor.execute("DELETE FROM outcomes_participant WHERE id = %s", [child.pk])
    broken = broken_references()
    assert broken["measurement.participant"] == 1
    assert broken["enrolment.participant"] == 1
    assert broken["measurement.round"] == 0
    run = schedule.run_now("check-outcome-references", day=datetime.date(2026, 12, 7))
    assert run.status == RunStatus.FAILED


def test_a_copied_municipality_that_disagrees_with_the_childs_is_found(
    aarhus_caseworker, aarhus, odense, intervention, baseline, sdq
):
    child = _measured_child(aarhus_caseworker, aarhus, intervention, baseline, sdq)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE outcomes_enrolment SET municipality_id = %s WHERE participant_id = %s",
            [odense.pk, child.pk],
        )
    broken = broken_references()
    assert broken["enrolment.municipality = participant.municipality"] == 1
    assert broken["measurement.municipality = participant.municipality"] == 0
