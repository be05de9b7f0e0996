"""`indsats worker`: django-tasks-db's worker with a lease on every task it runs and a heartbeat thread.

The heartbeat renews the running task's lease, puts tasks of dead workers back in the queue
(leases.reclaim_expired) and takes the schedule (schedule.take_schedule) when no other worker holds it.
The task runs with the request id of the web request that queued it, so its log lines and audit entries
can be followed back."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.db import DatabaseError, connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from indsats.audit.context import RequestContext, request_context
from indsats.operations import leases, schedule
from indsats.operations.log_context import LogContext, log_context

logger = logging.getLogger("indsats.operations")

SCHEDULE_EVERY_SECONDS = 30.0


class LeasedWorker(Worker):
    def __init__(self, *, take_schedule: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.take_schedule = take_schedule
        self._current: Any = None
        self._stop = threading.Event()

    def run(self) -> None:
        heartbeat = threading.Thread(target=self._heartbeat, name="indsats-heartbeat", daemon=True)
        heartbeat.start()
        try:
            super().run()
        finally:
            self._stop.set()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        leases.take(db_task_result, worker_id=self.worker_id)
        self._current = db_task_result.pk
        request_id, user_id = leases.origin_of(db_task_result.pk)
        token = request_context.set(RequestContext(request_id=request_id))
        log_token = log_context.set(LogContext(request_id, user_id, db_task_result.task_path))
        started = time.perf_counter()
        try:
            super().run_task(db_task_result)
        finally:
            self._current = None
            log_context.reset(log_token)
            request_context.reset(token)
            leases.release(db_task_result.pk, worker_id=self.worker_id)
            db_task_result.refresh_from_db(fields=["status"])
            logger.info(
                "task finished",
                extra={
                    "task": db_task_result.task_path,
                    "task_id": str(db_task_result.pk),
                    "status": db_task_result.status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": request_id,
                },
            )

    # --- the heartbeat thread (its own database connection) ---------------------------------------

    def _heartbeat(self) -> None:
        next_schedule = time.monotonic()
        try:
            while not self._stop.wait(leases.heartbeat_seconds()):
                self.beat()
                if self.take_schedule and time.monotonic() >= next_schedule:
                    next_schedule = time.monotonic() + SCHEDULE_EVERY_SECONDS
                    self._guarded(lambda: schedule.take_schedule(holder=self.worker_id))
        finally:
            connection.close()

    def beat(self) -> None:
        current = self._current
        if current is not None:
            self._guarded(lambda: leases.renew(current, worker_id=self.worker_id))
        self._guarded(leases.reclaim_expired)

    def _guarded(self, work: Any) -> None:
        try:
            work()
        except DatabaseError:  # the database is busy or away: the next beat tries again
            logger.warning("heartbeat: database not reachable", exc_info=True)
            connection.close()
