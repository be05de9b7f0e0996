"""Background work of result documentation (Django's Tasks API): large imports leave the request."""

from __future__ import annotations

from django_tasks import task

from indsats.accounts.models import User
from indsats.outcomes.models import ImportJob
from indsats.outcomes.services.import_commit import commit_import


@task()
def run_import(*, job_id: int, actor_id: int) -> int:
    """Commit a queued import as the person who queued it; progress is stored on the job and shown by htmx
    polling."""
    job = commit_import(actor=User.objects.get(pk=actor_id), job=ImportJob.objects.get(pk=job_id))
    return job.done_rows
