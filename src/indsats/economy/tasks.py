"""Background work of the economy app (Django's Tasks API; the worker is `indsats worker`)."""

from __future__ import annotations

from django_tasks import task

from indsats.economy.computation import run_computation


@task()
def compute_business_case_result(result_id: int) -> None:
    """Compute a queued business case result with many Monte Carlo draws."""
    run_computation(result_id=result_id)
