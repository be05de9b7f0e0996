"""Background work of the evaluation app (Django's Tasks API): report PDFs leave the request."""

from __future__ import annotations

from django_tasks import task

from indsats.evaluation.rendering import render_report


@task()
def render_report_pdf(*, rendered_id: int) -> None:
    """Render an ordered evaluation report PDF; the status page polls the stored row."""
    render_report(rendered_id=rendered_id)
