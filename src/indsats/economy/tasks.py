"""Background work of the economy app (Django's Tasks API; the worker is `indsats worker`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_tasks import task

from indsats.economy.computation import run_computation
from indsats.economy.models import BusinessCaseResult, ResultStatus


@task()
def compute_business_case_result(result_id: int) -> None:
    """Compute a queued business case result with many Monte Carlo draws."""
    run_computation(result_id=result_id)


def computation_interrupted(result_id: int, *, will_retry: bool) -> None:
    """The worker computing the result died (operations.leases): back to the queue from the start (the
    stored seed gives the same result), or failed with a word the person can act on."""
    BusinessCaseResult.objects.filter(
        pk=result_id, status__in=[ResultStatus.RUNNING, ResultStatus.QUEUED]
    ).update(
        status=ResultStatus.QUEUED if will_retry else ResultStatus.FAILED,
        progress=0,
        error="" if will_retry else _("Beregningen blev afbrudt. Beregn igen."),
    )
