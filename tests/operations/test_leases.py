"""A task whose worker died is found by its expired lease and taken again, or shown as interrupted with a
retry button; retrying writes the import exactly once."""

from __future__ import annotations

import datetime
import importlib
import os

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from indsats.audit.context import RequestContext, request_context
from indsats.audit.models import AuditEntry
from indsats.operations import leases
from indsats.operations.models import RunStatus, ScheduledRun, TaskLease
from indsats.operations.tasks import run_scheduled_job
from indsats.outcomes.models import ImportJob, ImportStatus, Measurement
from indsats.outcomes.services.imports import prepare_import, queue_import
from tests.conftest import logged_in
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows


@pytest.fixture
def queued_import(aarhus_caseworker, aarhus, baseline, sdq, django_capture_on_commit_callbacks):
    job = prepare_import(
        actor=aarhus_caseworker,
        municipality=aarhus,
        measurement_round=baseline,
        instrument=sdq,
        content=csv_bytes(HEADER, sdq_rows(30)),
        file_name="data.csv",
    )
    token = request_context.set(RequestContext(request_id="req-4711"))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            queue_import(actor=aarhus_caseworker, job=job)
    finally:
        request_context.reset(token)
    return job


def die_while_running(task: DBTaskResult, job: ImportJob, worker_id: str) -> None:
    """What a worker killed half-way leaves: the task claimed, a lease that ran out on another machine,
    and the job showing the progress it had written before it died (nothing was committed)."""
    task.refresh_from_db()
    task.claim(worker_id)
    TaskLease.objects.filter(task=task).update(
        worker_id=worker_id,
        host="a-machine-that-is-gone",
        pid=1,
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, done_rows=5)


def test_enqueueing_remembers_the_request_that_started_the_task(queued_import):
    task = DBTaskResult.objects.get()
    assert leases.request_id_of(task.pk) == "req-4711"


def test_a_dead_workers_import_is_taken_again_then_shown_interrupted_and_retried_once(
    settings, queued_import, aarhus_caseworker, run_worker, django_capture_on_commit_callbacks
):
    settings.TASK_MAX_ATTEMPTS = 2
    job = queued_import
    task = DBTaskResult.objects.get()

    # the first worker dies: the task goes back to the queue for another worker, the job shows no progress
    die_while_running(task, job, "worker-1")
    reclaimed = leases.reclaim_expired()
    assert [(r.task_id, r.will_retry) for r in reclaimed] == [(str(task.pk), True)]
    task.refresh_from_db()
    job.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert job.status == ImportStatus.QUEUED and job.done_rows == 0

    # the second dies too: that was the last attempt; the job is interrupted, not running at 5 rows
    die_while_running(task, job, "worker-2")
    assert [r.will_retry for r in leases.reclaim_expired()] == [False]
    task.refresh_from_db()
    job.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED and task.exception_class_path == leases.WORKER_LOST
    assert job.status == ImportStatus.ABORTED and job.done_rows == 0
    assert leases.reclaim_expired() == []  # handled once

    client = logged_in(aarhus_caseworker)
    page = client.get(reverse("outcomes:import_detail", args=[job.pk])).content.decode()
    assert "Afbrudt" in page and "Prøv igen" in page
    assert "rækker gemt" not in page and "rækker skrevet" not in page
    assert reverse("outcomes:import_retry", args=[job.pk]) in page
    status = client.get(reverse("outcomes:import_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in status and "Prøv igen" in status

    # retry: queued anew, and the worker writes the 30 rows exactly once
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("outcomes:import_retry", args=[job.pk]))
    assert response.status_code == 302
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.done_rows == 30
    assert Measurement.objects.count() == 30
    # retrying a finished import is refused
    client.post(reverse("outcomes:import_retry", args=[job.pk]))
    assert Measurement.objects.count() == 30
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_a_task_run_again_after_its_import_was_saved_writes_nothing_twice(queued_import, run_worker):
    run_worker()
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.SUCCESSFUL and Measurement.objects.count() == 30
    # the worker died after the commit but before it marked the task: the task is taken again
    task.status = TaskResultStatus.RUNNING
    task.save(update_fields=["status"])
    TaskLease.objects.filter(task=task).update(host="gone", pid=1, expires_at=timezone.now())
    assert [r.will_retry for r in leases.reclaim_expired()] == [True]
    queued_import.refresh_from_db()
    assert queued_import.status == ImportStatus.DONE  # a saved import is not touched
    run_worker("another-worker")
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL and task.return_value == 30
    assert Measurement.objects.count() == 30


def test_a_live_lease_or_a_live_local_worker_is_left_alone(queued_import):
    task = DBTaskResult.objects.get()
    task.claim("alive")
    leases.take(task, worker_id="alive")
    assert leases.reclaim_expired() == []  # not expired
    # expired, but the worker's process runs on this machine (a long SQLite write blocks its heartbeat)
    TaskLease.objects.filter(task=task).update(expires_at=timezone.now() - datetime.timedelta(seconds=5))
    assert TaskLease.objects.get(task=task).pid == os.getpid()
    assert leases.reclaim_expired() == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    assert TaskLease.objects.get(task=task).expires_at > timezone.now()  # renewed on its behalf


def test_a_task_claimed_without_a_lease_is_taken_again_after_the_lease_time(settings, queued_import):
    task = DBTaskResult.objects.get()
    task.claim("died-before-its-lease")
    TaskLease.objects.filter(task=task).update(expires_at=None)
    assert leases.reclaim_expired() == []
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS + 1)
    )
    assert len(leases.reclaim_expired()) == 1


def test_the_worker_runs_the_task_with_the_request_id_and_releases_its_lease(queued_import, run_worker):
    run_worker("w-1")
    lease = TaskLease.objects.get()
    assert lease.worker_id == "w-1" and lease.expires_at is None and lease.request_id == "req-4711"
    assert lease.pid == os.getpid()
    # what the task wrote carries the request that started it
    saved = AuditEntry.objects.filter(object_id=str(queued_import.pk), message__contains="importeret").get()
    assert saved.request_id == "req-4711"


def test_every_task_of_indsats_has_an_interruption_handler():
    """A new task must say what its page shows when its worker dies (leases.register_interruption_handler)."""
    tasks = []
    for module_name in ("outcomes", "evaluation", "economy", "operations"):
        module = importlib.import_module(f"indsats.{module_name}.tasks")
        tasks += [value for value in vars(module).values() if isinstance(value, Task)]
    assert len(tasks) == 5  # with outcomes.tasks.refresh_insight
    assert {task.module_path for task in tasks} <= set(leases._HANDLERS)


def test_a_dead_workers_scheduled_run_is_run_again_or_marked_failed(db, settings):
    settings.TASK_MAX_ATTEMPTS = 1
    run = ScheduledRun.objects.create(
        job="grants-daily", day=datetime.date(2026, 12, 7), status=RunStatus.RUNNING
    )
    result = run_scheduled_job.enqueue(run_id=run.pk)
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim("dead")
    TaskLease.objects.filter(task=task).update(host="gone", pid=1, expires_at=timezone.now())
    assert [r.will_retry for r in leases.reclaim_expired()] == [False]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.message.startswith("WorkerLost")
