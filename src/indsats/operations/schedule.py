"""The daily jobs Indsats declares itself, run by the workers: no cron entry or hand-made timer.

An app registers its job in AppConfig.ready() with `register_scheduled_job` (grants-daily, the purge of
expired outcome data, the purge of abandoned imports; a new one is one call). A worker's heartbeat calls
`take_schedule` every half minute: one process at a time takes the schedule (a PostgreSQL advisory lock;
on SQLite a lock row), and for every job whose hour has come and that has no run for today, it writes a
ScheduledRun and queues the task that runs it. The run is unique per job and day, so the same day's job
never runs twice, however many workers there are; the jobs themselves are idempotent as well.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise

from indsats.operations.models import RunStatus, ScheduledRun, SchedulerLock

logger = logging.getLogger("indsats.operations")

ADVISORY_LOCK_KEY = 4_711_017  # any constant; the schedule's advisory lock in PostgreSQL
LOCK_ROW_SECONDS = 120


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    title: str | Promise
    run: Callable[[datetime.date], str]  # the day -> a short outcome ("3 bevillinger bortfaldet")
    hour: int  # local time (TIME_ZONE) from which the day's run is due


_JOBS: dict[str, ScheduledJob] = {}


def register_scheduled_job(
    name: str, *, title: str | Promise, run: Callable[[datetime.date], str], hour: int = 2
) -> None:
    _JOBS[name] = ScheduledJob(name=name, title=title, run=run, hour=hour)


def scheduled_jobs() -> list[ScheduledJob]:
    return sorted(_JOBS.values(), key=lambda job: (job.hour, job.name))


def job(name: str) -> ScheduledJob:
    return _JOBS[name]


# --- taking the schedule ---------------------------------------------------------------------------------


def _hold_lock(holder: str, now: datetime.datetime) -> bool:
    """Inside the caller's transaction: True when this process holds the schedule."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            return bool(cursor.fetchone()[0])
    SchedulerLock.objects.get_or_create(pk=1)
    return bool(
        SchedulerLock.objects.filter(pk=1)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__lt=now) | Q(holder=holder))
        .update(holder=holder, expires_at=now + datetime.timedelta(seconds=LOCK_ROW_SECONDS))
    )


def take_schedule(*, holder: str, now: datetime.datetime | None = None) -> list[ScheduledRun]:
    """Queue every job that is due today and has not run; returns the runs queued (none if another
    process holds the schedule)."""
    # the task module imports this one: loaded here to run the job in a worker
    from indsats.operations.tasks import run_scheduled_job

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    hour = timezone.localtime(now).hour
    queued: list[ScheduledRun] = []
    with transaction.atomic():
        if not _hold_lock(holder, now):
            return []
        done = set(ScheduledRun.objects.filter(day=today).values_list("job", flat=True))
        for scheduled in scheduled_jobs():
            if scheduled.name in done or hour < scheduled.hour:
                continue
            try:
                with transaction.atomic():
                    run = ScheduledRun.objects.create(job=scheduled.name, day=today)
            except IntegrityError:  # another process queued it a moment ago
                continue
            queued.append(run)
            transaction.on_commit(partial(run_scheduled_job.enqueue, run_id=run.pk))
    return queued


def run_now(name: str, *, day: datetime.date | None = None, worker_id: str = "") -> ScheduledRun:
    """Run one job for a day here and now (the command line, tests): the day's existing run is returned
    as it is when it already finished, so running the same day twice changes nothing."""
    day = day or timezone.localdate()
    run, _created = ScheduledRun.objects.get_or_create(job=name, day=day)
    return execute(run.pk, worker_id=worker_id)


def execute(run_id: int, *, worker_id: str = "") -> ScheduledRun:
    """Run a queued ScheduledRun and record its outcome. A run already done is left as it is."""
    with transaction.atomic():
        run = ScheduledRun.objects.select_for_update().get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.worker_id = worker_id
        run.save(update_fields=["status", "started_at", "worker_id"])
    scheduled = _JOBS.get(run.job)
    try:
        if scheduled is None:
            raise LookupError(f"no scheduled job named {run.job}")
        with transaction.atomic():
            message = scheduled.run(run.day)
        run.status, run.message = RunStatus.DONE, str(message)[:500]
    except Exception as error:  # the outcome is recorded; the text of the error goes to the log only
        logger.exception("scheduled job failed", extra={"job": run.job, "day": str(run.day)})
        run.status, run.message = RunStatus.FAILED, f"{type(error).__name__} (se loggen)"
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "finished_at"])
    return run


def recent_runs(limit: int = 100) -> list[ScheduledRun]:
    return list(ScheduledRun.objects.all()[:limit])
