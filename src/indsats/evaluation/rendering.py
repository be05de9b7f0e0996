"""Rendering an ordered report PDF and keeping it (the background worker's part; services.request_report_pdf
orders it, with the permission check)."""

from __future__ import annotations

from django.utils import timezone, translation

from indsats.evaluation import report, selectors
from indsats.evaluation.models import RenderedReport, RenderStatus


def render_report(*, rendered_id: int) -> None:
    """Render an ordered report PDF with its language active and store it (called by the worker; the
    permission was checked when it was ordered). Any error ends the rendering as failed, with its text."""
    rendered = RenderedReport.objects.defer("pdf").get(pk=rendered_id)
    if rendered.status == RenderStatus.DONE:
        return
    RenderedReport.objects.filter(pk=rendered_id).update(status=RenderStatus.RUNNING)
    try:
        analysis = selectors.analyses_with_study().get(pk=rendered.analysis_id)
        with translation.override(rendered.language):
            pdf = report.report_pdf(analysis, rendered.kind)
    except Exception as error:  # whatever breaks the rendering is shown to the person
        RenderedReport.objects.filter(pk=rendered_id).update(
            status=RenderStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        return
    RenderedReport.objects.filter(pk=rendered_id).update(
        status=RenderStatus.DONE, pdf=pdf, error="", finished_at=timezone.now()
    )
