"""What the operations page shows: the scheduled jobs with their runs, and the task queue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from indsats.operations import health, leases
from indsats.operations.models import ScheduledRun
from indsats.operations.schedule import ScheduledJob, scheduled_jobs


@dataclass(frozen=True)
class JobOverview:
    job: ScheduledJob
    last_run: ScheduledRun | None


def job_overview() -> list[JobOverview]:
    """Each registered job with its latest run: one row per job read, however many days have run."""
    jobs = scheduled_jobs()
    newest = ScheduledRun.objects.filter(job=OuterRef("job")).order_by("-day").values("pk")[:1]
    runs = ScheduledRun.objects.filter(job__in=[job.name for job in jobs], pk=Subquery(newest))
    latest = {run.job: run for run in runs}
    return [JobOverview(job=job, last_run=latest.get(job.name)) for job in jobs]


def runs() -> QuerySet[ScheduledRun]:
    """Every run, the newest first (the page shows them a page at a time)."""
    return ScheduledRun.objects.order_by("-day", "-created_at", "-pk")


def recent_runs(limit: int = 50) -> list[ScheduledRun]:
    return list(runs()[:limit])


@dataclass(frozen=True)
class QueueState:
    counts: dict[str, int]
    oldest_ready_seconds: float | None
    interrupted: int


def queue_state() -> QueueState:
    by_status = DBTaskResult.objects.values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in by_status}
    return QueueState(
        counts={status: counts.get(status, 0) for status in TaskResultStatus.values},
        oldest_ready_seconds=health.oldest_queued_age(),
        interrupted=DBTaskResult.objects.filter(exception_class_path=leases.WORKER_LOST).count(),
    )
