"""Letters in Danish rendered from templates: the award letter (tilsagn og tilskudsbrev) and the
rejection letter. HTML for the page and print; the same HTML can be turned into a PDF."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from indsats.grants.models import Application, Grant
from indsats.grants.services import START_WITHIN_MONTHS


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
