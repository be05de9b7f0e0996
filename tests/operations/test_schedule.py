"""The daily jobs Indsats declares: taken by one worker at a time, run once per day, recorded, and shown
to the agency's administrators."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.db import connection, connections
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from indsats.audit.models import AuditEntry
from indsats.operations import schedule
from indsats.operations.models import RunStatus, ScheduledRun, SchedulerLock
from indsats.outcomes.models import ImportJob, ImportStatus
from indsats.outcomes.services.imports import prepare_import
from tests.conftest import logged_in
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")


def at(hour: int, day: int = 7) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, 5, tzinfo=COPENHAGEN)


def test_indsats_declares_its_daily_jobs():
    names = {job.name for job in schedule.scheduled_jobs()}
    assert {
        "grants-daily",
        "governance-daily",
        "purge-expired-outcomes",
        "purge-abandoned-imports",
        "refresh-insight-summaries",
        "check-outcome-references",
        "check-portfolio-totals",
    } <= names


def test_a_job_is_queued_once_a_day_from_its_hour(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule.take_schedule(holder="w1", now=at(1)) == []  # before every job's hour
        early = schedule.take_schedule(holder="w1", now=at(4))
    assert {run.job for run in early} == {
        "purge-expired-outcomes",
        "purge-abandoned-imports",
        "refresh-insight-summaries",
    }
    with django_capture_on_commit_callbacks(execute=True):
        later = schedule.take_schedule(holder="w1", now=at(7))
        again = schedule.take_schedule(holder="w1", now=at(23))
    assert {run.job for run in later} == {
        "check-outcome-references",
        "check-portfolio-totals",
        "governance-daily",
        "grants-daily",
    } and again == []
    assert ScheduledRun.objects.filter(day=datetime.date(2026, 12, 7)).count() == 7
    assert DBTaskResult.objects.count() == 7  # one task per run
    # the next day, the jobs are due again
    with django_capture_on_commit_callbacks(execute=True):
        assert len(schedule.take_schedule(holder="w1", now=at(7, day=8))) == 7


def test_only_one_process_holds_the_schedule_on_sqlite(db):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL holds the schedule with an advisory lock (test_pg_advisory_lock...)")
    assert schedule.take_schedule(holder="w1", now=at(7))
    lock = SchedulerLock.objects.get()
    assert lock.holder == "w1"
    ScheduledRun.objects.all().delete()
    assert schedule.take_schedule(holder="w2", now=at(7)) == []  # w1 still holds it
    assert schedule.take_schedule(holder="w2", now=at(7) + datetime.timedelta(minutes=3))  # w1's ran out


def test_running_the_same_days_job_twice_changes_nothing(db, aarhus_caseworker, aarhus, baseline, sdq):
    job = prepare_import(
        actor=aarhus_caseworker,
        municipality=aarhus,
        measurement_round=baseline,
        instrument=sdq,
        content=csv_bytes(HEADER, sdq_rows(3)),
        file_name="left.csv",
    )
    assert job.status == ImportStatus.VALIDATED
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=job.created_at - datetime.timedelta(days=8)
    )  # validated and never saved, 8 days ago
    fresh = prepare_import(
        actor=aarhus_caseworker,
        municipality=aarhus,
        measurement_round=baseline,
        instrument=sdq,
        content=csv_bytes(HEADER, sdq_rows(3)),
        file_name="today.csv",
    )
    run = schedule.run_now("purge-abandoned-imports")
    assert run.status == RunStatus.DONE and run.message == "1 forladte importer slettet"
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    audit_count = AuditEntry.objects.count()
    again = schedule.run_now("purge-abandoned-imports")
    assert again.pk == run.pk and again.finished_at == run.finished_at
    assert AuditEntry.objects.count() == audit_count
    assert ScheduledRun.objects.count() == 1


def test_a_failing_job_is_recorded_without_its_error_text(db):
    def broken(day):
        raise ValueError("0101011234 went wrong")

    schedule.register_scheduled_job("test-broken", title="broken", run=broken, hour=0)
    try:
        run = schedule.run_now("test-broken")
    finally:
        schedule._JOBS.pop("test-broken")
    assert run.status == RunStatus.FAILED and run.message == "ValueError (se loggen)"


def test_grants_daily_runs_as_a_scheduled_job(db):
    run = schedule.run_now("grants-daily")
    assert run.status == RunStatus.DONE
    assert run.message.startswith("0 bevillinger bortfaldet")


def test_the_operations_page_is_for_agency_administrators(
    agency_admin, agency_staff, aarhus_caseworker, client
):
    schedule.run_now("purge-abandoned-imports")
    url = reverse("operations:overview")
    page = logged_in(agency_admin).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "grants-daily" in text and "0 forladte importer slettet" in text and "Gennemført" in text
    assert logged_in(agency_staff).get(url).status_code == 403
    assert logged_in(aarhus_caseworker).get(url).status_code == 403
    assert client.get(url).status_code == 302


def test_pg_advisory_lock_lets_one_process_take_the_schedule(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite uses a lock row (test above)")
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [schedule.ADVISORY_LOCK_KEY])
        assert schedule.take_schedule(holder="w2", now=at(7)) == []  # another process holds it
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [schedule.ADVISORY_LOCK_KEY])
        assert len(schedule.take_schedule(holder="w2", now=at(7))) == 7
    finally:
        other.close()
