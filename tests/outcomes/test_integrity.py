"""The daily check of the outcome references the database does not enforce (outcomes/integrity.py)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection

from indsats.audit.models import AuditAction, AuditEntry
from indsats.operations import schedule
from indsats.operations.models import RunStatus
from indsats.outcomes.integrity import (
    BrokenReferences,
    TotalsDifference,
    broken_references,
    check_references,
    differing_totals,
)
from indsats.outcomes.models import Measurement, MunicipalityTotals
from indsats.outcomes.services.participants import record_measurement, register_participant
from tests.outcomes.files import fake_cpr

pytestmark = pytest.mark.django_db


def _measured_child(actor, municipality, intervention, measurement_round, instrument, n=1):
    child = register_participant(
        actor=actor, municipality=municipality, intervention=intervention, cpr=fake_cpr(n)
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
    assert broken_references()["municipality totals"] == 0
    assert differing_totals() == []
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


def _totals_audit_entries() -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(MunicipalityTotals)
        ).order_by("object_id")
    )


@pytest.fixture
def two_measured_municipalities(
    aarhus, odense, intervention, baseline, sdq, aarhus_caseworker, odense_caseworker
):
    """Aarhus with two measured children, Odense with one: totals kept by the services."""
    for n in (1, 2):
        _measured_child(aarhus_caseworker, aarhus, intervention, baseline, sdq, n=n)
    _measured_child(odense_caseworker, odense, intervention, baseline, sdq, n=3)
    assert differing_totals() == []


def test_totals_changed_behind_the_services_back_are_found_named_and_fail_the_run(
    aarhus, odense, two_measured_municipalities, django_assert_num_queries
):
    with connection.cursor() as cursor:  # as a careless script would
        cursor.execute(
            "UPDATE outcomes_municipalitytotals SET participants = participants + 5 WHERE municipality_id = %s",
            [aarhus.pk],
        )
    with django_assert_num_queries(1):  # every municipality in one query
        assert differing_totals() == [TotalsDifference(aarhus.pk, "Aarhus Kommune", (7, 2), (2, 2))]
    assert broken_references()["municipality totals"] == 1
    assert broken_references()["measurement.participant"] == 0
    with pytest.raises(BrokenReferences) as raised:
        check_references()
    assert str(raised.value) == (
        f"municipality totals: 1; Aarhus Kommune (id {aarhus.pk}): 7 børn og 2 målinger gemt, 2 og 2 talt"
    )
    assert "Odense" not in str(raised.value)
    run = schedule.run_now("check-outcome-references", day=datetime.date(2026, 12, 7))
    assert run.status == RunStatus.FAILED


def test_a_missing_totals_row_and_a_measurement_deleted_behind_the_services_back_are_found(
    aarhus, odense, two_measured_municipalities
):
    """No totals row counts as none (the front page shows 0 children)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM outcomes_municipalitytotals WHERE municipality_id = %s", [odense.pk])
        cursor.execute(
            "DELETE FROM outcomes_measurement WHERE id = %s",
            [Measurement.objects.filter(municipality=aarhus).values_list("pk", flat=True).first()],
        )
    expected = [
        TotalsDifference(aarhus.pk, "Aarhus Kommune", (2, 2), (2, 1)),
        TotalsDifference(odense.pk, "Odense Kommune", (0, 0), (1, 1)),
    ]
    assert differing_totals() == sorted(expected, key=lambda difference: difference.municipality_id)
    assert broken_references()["municipality totals"] == 2


def test_the_command_names_the_differing_totals_and_repairs_them_with_an_audit_entry(
    aarhus, odense, two_measured_municipalities, capsys
):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE outcomes_municipalitytotals SET participants = 0, measurements = 9 WHERE municipality_id = %s",
            [odense.pk],
        )
    with pytest.raises(CommandError, match="1 kontroller holder ikke"):
        call_command("check_outcome_references")
    assert "Odense Kommune" in capsys.readouterr().err
    assert differing_totals() != []  # the check alone changes nothing
    assert _totals_audit_entries() == []

    call_command("check_outcome_references", "--repair-totals")
    output = capsys.readouterr().out
    assert f"Talt igen: Odense Kommune (id {odense.pk}): 0 børn og 9 målinger gemt, 1 og 1 talt" in output
    assert "Alle referencer i resultatdata holder." in output
    assert differing_totals() == []
    assert MunicipalityTotals.objects.get(municipality=odense).participants == 1
    assert MunicipalityTotals.objects.get(municipality=odense).measurements == 1
    (entry,) = _totals_audit_entries()
    assert (entry.action, entry.actor_id, entry.actor_name, entry.object_id) == (
        AuditAction.UPDATE,
        None,
        "system",
        str(odense.pk),
    )
    assert entry.changes == {"participants": [0, 1], "measurements": [9, 1]}
    assert "Odense Kommune" in entry.message
    run = schedule.run_now("check-outcome-references", day=datetime.date(2026, 12, 7))
    assert run.status == RunStatus.DONE

    call_command("check_outcome_references", "--repair-totals")  # nothing to repair: no new entry
    assert len(_totals_audit_entries()) == 1
