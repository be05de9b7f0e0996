"""Letters in Danish rendered from templates: the award letter (tilsagn og tilskudsbrev) and the
rejection letter. HTML for the page and print; the same HTML can be turned into a PDF."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from indsats.grants.models import Application, ApplicationStatus, Grant
from indsats.grants.schedules import START_WITHIN_MONTHS


def award_letter(grant: Grant) -> str:
    application = grant.application
    return render_to_string(
        "grants/letters/award_letter.html",
        {
            "grant": grant,
            "application": application,
            "pool": application.pool,
            "instalments": list(grant.instalments.all()),
            "duties": list(grant.reporting_duties.all()),
            "start_within_months": START_WITHIN_MONTHS,
            "letter_date": timezone.localtime(grant.awarded_at).date(),
        },
    )


def rejection_letter(application: Application) -> str:
    return render_to_string(
        "grants/letters/rejection_letter.html",
        {
            "application": application,
            "pool": application.pool,
            "letter_date": timezone.localtime(application.decided_at or timezone.now()).date(),
        },
    )


def letter_for(application: Application) -> str | None:
    """The letter the application's decision calls for, or None before a decision."""
    if application.status == ApplicationStatus.AWARDED:
        return award_letter(application.grant)
    if application.status == ApplicationStatus.REJECTED:
        return rejection_letter(application)
    return None


def letter_pdf(application: Application, letter: str) -> bytes:
    """The letter as an A4 PDF (WeasyPrint), from the same HTML as the page."""
    from weasyprint import HTML  # loaded only when a PDF is asked for: a heavy library with native parts

    html = render_to_string("grants/letter_pdf.html", {"application": application, "letter": letter})
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
