"""Background work of result documentation (Django's Tasks API): large imports leave the request."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django_tasks import task

from indsats.accounts.models import User
from indsats.outcomes.models import ImportJob, ImportStatus
from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.insight_summary import refresh_if_stale


@task()
def run_import(*, job_id: int, actor_id: int) -> int:
    """Commit a queued import as the person who queued it; progress is stored on the job and shown by htmx
    polling. Safe to run again (a worker that died is replaced): an import already saved is left as it is."""
    job = ImportJob.objects.defer("payload").get(pk=job_id)
    if job.status == ImportStatus.DONE:
        return job.done_rows
    job = commit_import(actor=User.objects.get(pk=actor_id), job=job)
    return job.done_rows


def import_interrupted(*, job_id: int, will_retry: bool, **_arguments: Any) -> None:
    """The worker running the import died (operations.leases). Its transaction never committed, so nothing
    was saved: the job goes back to the queue, or is shown as interrupted with a retry button."""
    ImportJob.objects.filter(pk=job_id, status__in=[ImportStatus.RUNNING, ImportStatus.QUEUED]).update(
        status=ImportStatus.QUEUED if will_retry else ImportStatus.ABORTED,
        done_rows=0,
        message=_("Arbejdet blev afbrudt, og intet blev gemt. Det startes igen automatisk.")
        if will_retry
        else _("Importen blev afbrudt, og intet blev gemt."),
    )


@task()
def refresh_insight(*, intervention_id: int, instrument_id: int) -> int:
    """Recompute the insight summary of an intervention and instrument after its measurements changed
    (outcomes.services.insight_summary); nothing when it is current already. Safe to run again: a run that
    died rolled back, and the page computed its figures live meanwhile."""
    return refresh_if_stale(intervention_id=intervention_id, instrument_id=instrument_id)


def insight_refresh_interrupted(*, will_retry: bool, **_arguments: Any) -> None:
    """The worker refreshing a summary died: its transaction rolled back, so the summary is as it was and
    still marked out of date (the page computes live); the retry, or the daily rebuild, catches up."""
