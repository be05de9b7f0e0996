"""Background work of the evaluation app (Django's Tasks API): report PDFs leave the request."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_tasks import task

from indsats.evaluation.models import RenderedReport, RenderStatus
from indsats.evaluation.rendering import render_report


@task()
def render_report_pdf(*, rendered_id: int) -> None:
    """Render an ordered evaluation report PDF; the status page polls the stored row."""
    render_report(rendered_id=rendered_id)


def rendering_interrupted(*, rendered_id: int, will_retry: bool) -> None:
    """The worker rendering the PDF died (operations.leases): back to the queue, or failed with a word the
    person can act on (ordering the report again renders it anew)."""
    RenderedReport.objects.filter(
        pk=rendered_id, status__in=[RenderStatus.RUNNING, RenderStatus.QUEUED]
    ).update(
        status=RenderStatus.QUEUED if will_retry else RenderStatus.FAILED,
        error="" if will_retry else _("Dannelsen blev afbrudt. Bestil rapporten igen."),
    )
