"""Health and readiness, answered before anything else in the request (operations.middleware): cheap,
without log-in, and saying nothing but ok or not ok per check."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

_migrations_checked = False


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() is not None
    except DatabaseError:
        return False


def migrations_ok() -> bool:
    """Every migration of this code applied. Once true, a process does not ask again (its code does not
    change while it runs)."""
    global _migrations_checked
    if _migrations_checked:
        return True
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return False
    _migrations_checked = not plan
    return _migrations_checked


def oldest_queued_age(now: datetime.datetime | None = None) -> float | None:
    """Seconds the oldest task ready to run has waited (None: the queue is empty)."""
    now = now or timezone.now()
    ready = DBTaskResult.objects.ready().order_by("enqueued_at")
    oldest = ready.values_list("enqueued_at", flat=True).first()
    return None if oldest is None else (now - oldest).total_seconds()


def queue_ok() -> bool:
    try:
        age = oldest_queued_age()
    except DatabaseError:
        return False
    return age is None or age <= settings.READY_QUEUE_MAX_AGE_SECONDS


def readiness() -> dict[str, bool]:
    database = database_ok()
    return {
        "database": database,
        "migrations": database and migrations_ok(),
        "queue": database and queue_ok(),
    }
