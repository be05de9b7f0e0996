"""Background work of operations: the scheduled daily jobs run as tasks, like all other work."""

from __future__ import annotations

from django_tasks import task

from indsats.operations import schedule


@task()
def run_scheduled_job(*, run_id: int) -> str:
    """Run one day's run of a scheduled job (schedule.execute); returns its status."""
    return str(schedule.execute(run_id).status)
