"""Background work of result documentation (Django's Tasks API): large imports leave the request."""

from __future__ import annotations

from django_tasks import task

from indsats.accounts.models import User
from indsats.outcomes.models import ImportJob


@task()
def run_import(*, job_id: int, actor_id: int | None) -> int:
    """Commit a validated import; progress is stored on the job and shown by htmx polling."""
    from indsats.outcomes.services import commit_import

    actor = User.objects.get(pk=actor_id) if actor_id else None
    job = commit_import(actor=actor, job=ImportJob.objects.get(pk=job_id))
    return job.done_rows
