"""What the workers keep about the work they do: a lease per running task (renewed by a heartbeat, so that
a task whose worker died is taken again), the scheduled runs, and the scheduler's lock row (SQLite)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult


class TaskLease(models.Model):
    """Who holds a task and until when. Written when the task is enqueued (with the request that started
    it), taken by a worker when it starts the task, renewed by the worker's heartbeat while it runs."""

    task = models.OneToOneField(
        DBTaskResult, on_delete=models.CASCADE, primary_key=True, related_name="lease"
    )
    request_id = models.CharField(max_length=64, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    interruptions = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.task_id} @ {self.worker_id or '-'}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("I kø")
    RUNNING = "running", _("Kører")
    DONE = "done", _("Gennemført")
    FAILED = "failed", _("Fejlede")


class ScheduledRun(models.Model):
    """One day's run of one scheduled job: there is at most one per job and day, so taking the schedule
    twice, or in two workers at once, runs nothing twice."""

    job = models.CharField(_("job"), max_length=64)
    day = models.DateField(_("dag"))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    message = models.CharField(_("udfald"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("planlagt"), auto_now_add=True)
    started_at = models.DateTimeField(_("startet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("afsluttet"), null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-day", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="one_scheduled_run_per_day")]
        verbose_name = _("planlagt kørsel")
        verbose_name_plural = _("planlagte kørsler")

    def __str__(self) -> str:
        return f"{self.job} {self.day}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class SchedulerLock(models.Model):
    """The one row a worker holds while it takes the schedule on SQLite (PostgreSQL uses an advisory
    lock instead)."""

    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.holder or "-"
