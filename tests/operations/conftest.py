"""Fixtures of the operations tests: the outcomes fixtures (an intervention, a round, the SDQ), and a worker
run in this process."""

from __future__ import annotations

import pytest
from django_tasks_db.management.commands import db_worker

from indsats.operations.worker import LeasedWorker
from tests.outcomes.conftest import baseline, instruments, intervention, sdq  # noqa: F401 - fixtures


@pytest.fixture
def run_worker(monkeypatch):
    """Run every queued task in this process with Indsats' worker, then return. The library's worker
    closes "old" connections between tasks, which would end the test's transaction: that is left out."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run(worker_id: str = "test-worker") -> LeasedWorker:
        worker = LeasedWorker(
            take_schedule=False,
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.run()
        return worker

    return run
