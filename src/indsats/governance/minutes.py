"""The minutes of a closed steering-group meeting: an A4 PDF in Danish, rendered once by the background
worker and kept with its sha256 (services.close_meeting orders it, with the permission check).

The minutes name the members present, the chair and the quorum; for each item the decision, how each
member voted (or that the group agreed), who stood aside and why, the conditions attached, and for a
gate review the sha256 of the decision basis the steering group saw."""

from __future__ import annotations

import hashlib
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from indsats.governance.models import Meeting
from indsats.interventions.fact_snapshots import latest_snapshot


def minutes_context(meeting: Meeting) -> dict[str, Any]:
    items = []
    for item in meeting.items.select_related("gate_review__intervention", "programme_year").prefetch_related(
        "recusals__member"
    ):
        decision = getattr(item, "decision", None)
        basis = latest_snapshot(item.gate_review) if item.gate_review is not None else None
        conditions = (
            list(decision.gate_decision.condition_items.select_related("owner"))
            if decision is not None and decision.gate_decision is not None
            else []
        )
        items.append(
            {
                "item": item,
                "decision": decision,
                "votes": list(decision.votes.select_related("member")) if decision else [],
                "recusals": list(item.recusals.all()),
                "basis": basis,
                "conditions": conditions,
            }
        )
    return {
        "meeting": meeting,
        "present": list(meeting.members_present.order_by("last_name", "first_name", "username")),
        "items": items,
        "rendered_at": timezone.now(),
    }


def minutes_pdf(meeting: Meeting) -> bytes:
    from weasyprint import HTML  # loaded lazily: it takes about a second to import

    with translation.override("da"):  # the record is kept in Danish
        html = render_to_string("governance/minutes_pdf.html", minutes_context(meeting))
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def render_minutes(*, meeting_id: int) -> None:
    """Render and store the minutes (called by the worker). A failure is kept with its text."""
    meeting = Meeting.objects.defer("minutes_pdf").get(pk=meeting_id)
    if meeting.minutes_status == "done":
        return
    Meeting.objects.filter(pk=meeting_id).update(minutes_status="running")
    try:
        pdf = minutes_pdf(meeting)
    except Exception as error:  # whatever breaks the rendering is shown to the person
        Meeting.objects.filter(pk=meeting_id).update(
            minutes_status="failed", minutes_error=f"{type(error).__name__}: {error}"[:2000]
        )
        return
    Meeting.objects.filter(pk=meeting_id).update(
        minutes_status="done",
        minutes_pdf=pdf,
        minutes_sha256=hashlib.sha256(pdf).hexdigest(),
        minutes_error="",
    )
