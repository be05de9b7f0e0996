"""Leases on running tasks: a task whose worker died is found and taken again, or ended as interrupted.

A worker that starts a task takes its lease (worker id, host, process id, an expiry TASK_LEASE_SECONDS
ahead) and renews it from a heartbeat thread while the task runs. Any worker's heartbeat also looks for
running tasks whose lease expired (the worker was killed, the machine lost): such a task goes back to the
queue for another worker, at most TASK_MAX_ATTEMPTS times in all, after which it ends as failed. The app
that owns the task learns of it through the handler it registered here (an import shows "Afbrudt" with a
retry button, a report or business case goes back to "I kø"), so no page shows progress that is not
happening. Every task must therefore be safe to run again: the ones in Indsats write all or nothing, and
skip work already done.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus, task_enqueued
from django_tasks_db.models import DBTaskResult

from indsats.audit.context import current_request_context
from indsats.operations.log_context import current_log_context
from indsats.operations.models import TaskLease

logger = logging.getLogger("indsats.operations")

# handler(*the task's arguments, will_retry=..., **its keyword arguments): bring the app's own row in line
InterruptionHandler = Callable[..., None]
_HANDLERS: dict[str, InterruptionHandler] = {}

WORKER_LOST = "indsats.operations.leases.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped sending heartbeats (killed, out of memory, machine lost)."""


def register_interruption_handler(task: Task[Any, Any], handler: InterruptionHandler) -> None:
    """Called from an app's AppConfig.ready(): ``handler(*args, will_retry=bool, **kwargs)`` (the task's
    own arguments) runs in the transaction that puts an interrupted task back in the queue (will_retry)
    or ends it."""
    _HANDLERS[task.module_path] = handler


def lease_seconds() -> int:
    return int(settings.TASK_LEASE_SECONDS)


def heartbeat_seconds() -> float:
    return max(0.2, lease_seconds() / 4)


def max_attempts() -> int:
    return int(settings.TASK_MAX_ATTEMPTS)


def this_host() -> str:
    return socket.gethostname()


# --- enqueue: remember who started the task ----------------------------------------------------------


def _remember_origin(sender: type, task_result: Any, **kwargs: Any) -> None:
    if not issubclass(sender, DatabaseBackend):
        return
    context = current_request_context()
    TaskLease.objects.update_or_create(
        task_id=task_result.id,
        defaults={"request_id": context.request_id or "", "user_id": current_log_context().user_id},
    )


def connect_signals() -> None:
    task_enqueued.connect(_remember_origin, dispatch_uid="indsats.operations.remember_origin")


# --- the worker's side ---------------------------------------------------------------------------------


def take(task: DBTaskResult, *, worker_id: str) -> TaskLease:
    """The worker starts the task: it holds the lease from now on."""
    now = timezone.now()
    lease, _created = TaskLease.objects.update_or_create(
        task_id=task.pk,
        defaults={
            "worker_id": worker_id,
            "host": this_host(),
            "pid": os.getpid(),
            "heartbeat_at": now,
            "expires_at": now + datetime.timedelta(seconds=lease_seconds()),
        },
    )
    return lease


def renew(task_id: Any, *, worker_id: str) -> bool:
    """The heartbeat: push the expiry ahead. False when the lease is no longer this worker's (another
    worker took the task after this one was thought dead)."""
    now = timezone.now()
    return bool(
        TaskLease.objects.filter(task_id=task_id, worker_id=worker_id).update(
            heartbeat_at=now, expires_at=now + datetime.timedelta(seconds=lease_seconds())
        )
    )


def release(task_id: Any, *, worker_id: str) -> None:
    """The task ended (either way): the lease no longer expires."""
    TaskLease.objects.filter(task_id=task_id, worker_id=worker_id).update(expires_at=None)


# --- finding work left by a dead worker ---------------------------------------------------------------


@dataclass(frozen=True)
class Reclaimed:
    task_id: str
    task_path: str
    will_retry: bool


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _still_alive_here(lease: TaskLease | None) -> bool:
    """On this machine a worker's process can be asked directly; that keeps a long SQLite write (which
    holds the only write lock, so no heartbeat gets through) from being taken for a dead worker."""
    return bool(lease and lease.pid and lease.host == this_host() and _process_alive(lease.pid))


def expired_tasks(now: datetime.datetime | None = None) -> Any:
    now = now or timezone.now()
    started_before = now - datetime.timedelta(seconds=lease_seconds())
    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).filter(
        Q(lease__expires_at__lt=now)
        | Q(lease__isnull=True, started_at__lt=started_before)
        | Q(lease__expires_at__isnull=True, started_at__lt=started_before)
    )


def reclaim_expired(now: datetime.datetime | None = None) -> list[Reclaimed]:
    """Put every task whose worker died back in the queue (or end it after TASK_MAX_ATTEMPTS), telling
    its app. Safe to run in any number of workers at once: each task is handled by one of them."""
    now = now or timezone.now()
    reclaimed = []
    candidates = list(expired_tasks(now).values_list("pk", flat=True)[:100])
    for task_id in candidates:
        with transaction.atomic():
            locked = expired_tasks(now).filter(pk=task_id)
            features = transaction.get_connection().features
            if features.has_select_for_update_skip_locked:  # PostgreSQL: only the task row is locked
                locked = locked.select_for_update(skip_locked=True, of=("self",))
            task = locked.first()
            if task is None:
                continue
            lease = TaskLease.objects.filter(task_id=task.pk).first()
            if _still_alive_here(lease):
                renew(task.pk, worker_id=lease.worker_id if lease else "")
                continue
            reclaimed.append(_reclaim(task, lease, now))
    return reclaimed


def _reclaim(task: DBTaskResult, lease: TaskLease | None, now: datetime.datetime) -> Reclaimed:
    will_retry = len(task.worker_ids) < max_attempts()
    lost_worker = lease.worker_id if lease else (task.worker_ids[-1] if task.worker_ids else "")
    if will_retry:
        task.status = TaskResultStatus.READY
        task.started_at = None
        task.save(update_fields=["status", "started_at"])
    else:
        task.status = TaskResultStatus.FAILED
        task.finished_at = now
        task.exception_class_path = WORKER_LOST
        task.traceback = f"WorkerLost: worker {lost_worker} stopped sending heartbeats"
        task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
    TaskLease.objects.update_or_create(
        task_id=task.pk,
        defaults={"expires_at": None, "worker_id": "", "pid": None, "host": ""},
    )
    TaskLease.objects.filter(task_id=task.pk).update(interruptions=_interruptions(task.pk) + 1)
    handler = _HANDLERS.get(task.task_path)
    if handler is not None:
        arguments = task.args_kwargs
        handler(*arguments.get("args", []), will_retry=will_retry, **arguments.get("kwargs", {}))
    logger.warning(
        "task interrupted",
        extra={
            "task_id": str(task.pk),
            "task": task.task_path,
            "lost_worker": lost_worker,
            "will_retry": will_retry,
        },
    )
    return Reclaimed(task_id=str(task.pk), task_path=task.task_path, will_retry=will_retry)


def _interruptions(task_id: Any) -> int:
    return TaskLease.objects.filter(task_id=task_id).values_list("interruptions", flat=True).first() or 0


def request_id_of(task_id: Any) -> str:
    return origin_of(task_id)[0]


def origin_of(task_id: Any) -> tuple[str, int | None]:
    """The request id and user id of the request that queued the task."""
    found = TaskLease.objects.filter(task_id=task_id).values_list("request_id", "user_id").first()
    return (found[0] or "", found[1]) if found else ("", None)
