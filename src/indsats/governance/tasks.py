"""Background work of the steering group's record (Django's Tasks API): minutes PDFs leave the request."""

from __future__ import annotations

from django_tasks import task

from indsats.governance.minutes import render_minutes


@task()
def render_minutes_pdf(*, meeting_id: int) -> None:
    """Render a closed meeting's minutes (Danish, A4) and store them with their sha256."""
    render_minutes(meeting_id=meeting_id)
