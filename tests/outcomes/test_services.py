"""Services of result documentation: CPR handling, questionnaires, imports all or nothing, exports, GDPR."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from indsats.audit.models import AuditAction, AuditEntry
from indsats.outcomes import bulk_write
from indsats.outcomes.access import ImportNotReady
from indsats.outcomes.models import (
    Enrolment,
    ImportJob,
    ImportStatus,
    InstrumentExplanation,
    InstrumentList,
    Measurement,
    Participant,
    RetentionPolicy,
)
from indsats.outcomes.selectors import needs_explanation
from indsats.outcomes.services.exports import export_outcomes
from indsats.outcomes.services.gdpr import delete_participant, purge_expired_outcomes
from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.imports import prepare_import, queue_import
from indsats.outcomes.services.instruments import (
    add_instrument,
    explain_instrument_choice,
    set_instrument_list,
)
from indsats.outcomes.services.participants import record_measurement, register_participant
from tests.outcomes.files import HEADER, csv_bytes, fake_cpr, sdq_rows, xlsx_bytes

CPR = "010115-4003"


def sdq_answers(value: float = 1.0) -> list[float | None]:
    return [value] * 25


def test_registering_a_child_keeps_only_a_pseudonym_birth_year_and_sex(
    aarhus_caseworker, aarhus, intervention
):
    participant = register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=CPR
    )
    assert len(participant.pseudonym) == 64 and participant.birth_year == 2015 and participant.sex == "male"
    assert Enrolment.objects.filter(participant=participant, intervention=intervention).exists()
    # the same child again is the same participant
    again = register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr="0101154003"
    )
    assert again.pk == participant.pk
    for entry in AuditEntry.objects.all():
        assert "0101154003" not in str(entry.changes) and "010115-4003" not in str(entry.changes)


def test_a_malformed_cpr_number_gets_a_clear_danish_message(aarhus_caseworker, aarhus, intervention):
    with pytest.raises(ValidationError) as caught:
        register_participant(
            actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr="3102151234"
        )
    assert "gyldig dato" in caught.value.message_dict["cpr"][0]
    assert "3102151234" not in str(caught.value)


def test_a_caseworker_cannot_register_a_child_in_another_municipality(
    aarhus_caseworker, odense, intervention
):
    with pytest.raises(PermissionDenied):
        register_participant(actor=aarhus_caseworker, municipality=odense, intervention=intervention, cpr=CPR)


def test_agency_staff_cannot_record_outcomes(agency_staff, aarhus, intervention):
    with pytest.raises(PermissionDenied):
        register_participant(actor=agency_staff, municipality=aarhus, intervention=intervention, cpr=CPR)


def test_a_questionnaire_is_scored_by_the_engine_and_audited(
    aarhus_caseworker, aarhus, intervention, baseline, sdq
):
    participant = register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=CPR
    )
    measurement = record_measurement(
        actor=aarhus_caseworker,
        participant=participant,
        measurement_round=baseline,
        instrument=sdq,
        measured_on=datetime.date(2025, 2, 1),
        answers=sdq_answers(1),
        cpr=CPR,
    )
    # all items "somewhat true" (1): every subscale 5 (reversed items are 1 too), total difficulties 20
    assert measurement.scores["emotional"] == 5 and measurement.scores["total_difficulties"] == 20
    assert measurement.age == 10
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(measurement.pk)).exists()
    with pytest.raises(ValidationError, match="allerede målt"):
        record_measurement(
            actor=aarhus_caseworker,
            participant=participant,
            measurement_round=baseline,
            instrument=sdq,
            measured_on=datetime.date(2025, 2, 1),
            answers=sdq_answers(1),
        )
    with pytest.raises(ValidationError):
        record_measurement(
            actor=aarhus_caseworker,
            participant=participant,
            measurement_round=baseline,
            instrument=sdq,
            measured_on=datetime.date(2024, 2, 1),
            answers=sdq_answers(1),
        )


def test_the_agency_keeps_the_short_list_and_sees_reasons(
    agency_staff, aarhus_caseworker, aarhus, intervention, who5
):
    set_instrument_list(actor=agency_staff, instrument=who5, list_status=InstrumentList.LONG)
    assert needs_explanation(municipality=aarhus, intervention=intervention, instrument=who5)
    with pytest.raises(PermissionDenied):
        set_instrument_list(actor=aarhus_caseworker, instrument=who5, list_status=InstrumentList.SHORT)
    explain_instrument_choice(
        actor=aarhus_caseworker,
        municipality=aarhus,
        intervention=intervention,
        instrument=who5,
        reason="Unge over 15",
    )
    assert not needs_explanation(municipality=aarhus, intervention=intervention, instrument=who5)
    assert InstrumentExplanation.objects.get().reason == "Unge over 15"


def test_a_new_instrument_is_added_as_data_and_a_broken_definition_names_the_field(agency_staff, sdq):
    definition = dict(sdq.definition)
    definition["version"] = 2
    added = add_instrument(actor=agency_staff, definition=definition)
    assert added.key == sdq.key and added.version == 2
    broken = dict(definition, version=3, items=[])
    with pytest.raises(ValidationError, match="items"):
        add_instrument(actor=agency_staff, definition=broken)


# --- imports ---------------------------------------------------------------------------------------------


def prepare(actor, municipality, measurement_round, instrument, content, name="data.csv", mapping=None):
    return prepare_import(
        actor=actor,
        municipality=municipality,
        measurement_round=measurement_round,
        instrument=instrument,
        content=content,
        file_name=name,
        mapping=mapping,
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_good_file_imports_all_rows_after_validation(
    fmt, aarhus_caseworker, aarhus, baseline, sdq, tasks_immediate, django_capture_on_commit_callbacks
):
    rows = sdq_rows(30)
    content = csv_bytes(HEADER, rows) if fmt == "csv" else xlsx_bytes(HEADER, rows)
    job = prepare(aarhus_caseworker, aarhus, baseline, sdq, content, name=f"data.{fmt}")
    assert job.status == ImportStatus.VALIDATED and job.errors == []
    assert Measurement.objects.count() == 0  # nothing before the commit
    assert len(job.preview) == 10 and fake_cpr(0) not in str(job.preview)
    with django_capture_on_commit_callbacks(execute=True):
        queue_import(actor=aarhus_caseworker, job=job)  # the immediate backend runs the task
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.done_rows == 30 and job.payload is None
    assert Measurement.objects.filter(municipality=aarhus).count() == 30
    assert Participant.objects.count() == 30
    assert Enrolment.objects.filter(intervention=baseline.intervention).count() == 30
    # importing the same file again is refused: every child is already measured
    again = prepare(aarhus_caseworker, aarhus, baseline, sdq, content, name=f"data.{fmt}")
    assert again.status == ImportStatus.INVALID and again.error_count == 30


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_broken_file_imports_nothing_and_lists_the_errors(fmt, aarhus_caseworker, aarhus, baseline, sdq):
    rows = sdq_rows(5)
    rows[2][5] = "7"
    rows[4][0] = "12345"
    content = csv_bytes(HEADER, rows) if fmt == "csv" else xlsx_bytes(HEADER, rows)
    job = prepare(aarhus_caseworker, aarhus, baseline, sdq, content, name=f"data.{fmt}")
    assert job.status == ImportStatus.INVALID
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "sdq4"), (6, "cpr")]
    with pytest.raises(ImportNotReady):
        commit_import(actor=aarhus_caseworker, job=job)
    assert Measurement.objects.count() == 0 and Participant.objects.count() == 0


def test_an_import_that_dies_half_way_leaves_the_database_as_it_was(
    aarhus_caseworker, aarhus, baseline, sdq, monkeypatch
):
    monkeypatch.setattr(bulk_write, "BATCH_SIZE", 10)  # SQLite's batches
    monkeypatch.setattr(bulk_write, "COPY_CHUNK", 10)  # PostgreSQL's chunks of binary COPY
    job = prepare(aarhus_caseworker, aarhus, baseline, sdq, csv_bytes(HEADER, sdq_rows(50)))
    batches = []

    def die(done, total):
        batches.append(done)
        if done >= 30:
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        commit_import(actor=aarhus_caseworker, job=job, progress=die)
    assert batches == [10, 20, 30]
    assert (
        Measurement.objects.count() == 0
        and Participant.objects.count() == 0
        and Enrolment.objects.count() == 0
    )


def test_a_caseworker_cannot_import_for_another_municipality(aarhus_caseworker, odense, baseline, sdq):
    with pytest.raises(PermissionDenied):
        prepare(aarhus_caseworker, odense, baseline, sdq, csv_bytes(HEADER, sdq_rows(2)))


def test_an_unreadable_file_is_an_invalid_job_with_a_danish_message(aarhus_caseworker, aarhus, baseline, sdq):
    job = prepare(aarhus_caseworker, aarhus, baseline, sdq, b"%PDF", name="data.pdf")
    assert job.status == ImportStatus.INVALID and "CSV-fil" in job.errors[0]["message"]


# --- exports, GDPR, retention ----------------------------------------------------------------------------


def imported(actor, municipality, measurement_round, instrument, count=6, start=0):
    job = prepare(
        actor, municipality, measurement_round, instrument, csv_bytes(HEADER, sdq_rows(count, start=start))
    )
    return commit_import(actor=actor, job=job)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_an_export_is_pseudonymised_has_a_data_dictionary_and_is_logged(
    fmt, aarhus_caseworker, aarhus_manager, odense_caseworker, aarhus, odense, baseline, sdq
):
    imported(aarhus_caseworker, aarhus, baseline, sdq, count=4)
    imported(odense_caseworker, odense, baseline, sdq, count=3, start=100)
    result = export_outcomes(
        actor=aarhus_manager, intervention=baseline.intervention, instrument=sdq, fmt=fmt
    )
    assert result.rows == 4  # Aarhus only
    archive = zipfile.ZipFile(io.BytesIO(result.content))
    names = archive.namelist()
    assert any(n.endswith(f".{fmt}") for n in names) and any(n.endswith("dataordbog.csv") for n in names)
    dictionary = archive.read(next(n for n in names if n.endswith("dataordbog.csv"))).decode("utf-8-sig")
    assert "sdq7" in dictionary and "total_difficulties" in dictionary
    stored = set(Participant.objects.values_list("pseudonym", flat=True))
    data = archive.read(next(n for n in names if n.endswith(f".{fmt}")))
    assert not any(code.encode() in data for code in stored)  # not even the stored pseudonym leaves
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_an_assigned_evaluator_exports_every_municipality_and_others_cannot(
    aarhus_caseworker,
    odense_caseworker,
    aarhus,
    odense,
    baseline,
    sdq,
    assigned_evaluator,
    evaluator,
    agency_staff,
):
    imported(aarhus_caseworker, aarhus, baseline, sdq, count=4)
    imported(odense_caseworker, odense, baseline, sdq, count=3, start=100)
    result = export_outcomes(
        actor=assigned_evaluator, intervention=baseline.intervention, instrument=sdq, fmt="csv"
    )
    assert result.rows == 7
    for person in (evaluator, agency_staff, aarhus_caseworker):
        with pytest.raises(PermissionDenied):
            export_outcomes(actor=person, intervention=baseline.intervention, instrument=sdq, fmt="csv")


def test_a_childs_data_can_be_deleted_on_request(aarhus_caseworker, odense_caseworker, aarhus, baseline, sdq):
    imported(aarhus_caseworker, aarhus, baseline, sdq, count=2)
    participant = Participant.objects.first()
    pk = participant.pk
    with pytest.raises(PermissionDenied):
        delete_participant(actor=odense_caseworker, participant=participant)
    assert delete_participant(actor=aarhus_caseworker, participant=participant, reason="Anmodning") == 1
    assert not Participant.objects.filter(pk=pk).exists()
    assert Measurement.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=str(pk)).exists()


def test_data_older_than_the_retention_period_is_purged(aarhus_caseworker, aarhus, baseline, sdq):
    imported(aarhus_caseworker, aarhus, baseline, sdq, count=3)
    RetentionPolicy.objects.create(intervention=baseline.intervention, retention_days=365)
    assert purge_expired_outcomes(today=datetime.date(2025, 12, 31))["measurements"] == 0
    assert purge_expired_outcomes(today=datetime.date(2026, 3, 1))["measurements"] == 3
    assert Measurement.objects.count() == 0
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, message__contains="Opbevaringstiden").exists()


def test_the_purge_command_runs(aarhus_caseworker, aarhus, baseline, sdq):
    from django.core.management import call_command

    imported(aarhus_caseworker, aarhus, baseline, sdq, count=2)
    out = io.StringIO()
    call_command("purge_expired_outcomes", "--today", "2040-01-01", stdout=out)
    assert "2 målinger" in out.getvalue()
    assert Measurement.objects.count() == 0
    assert ImportJob.objects.count() == 1
