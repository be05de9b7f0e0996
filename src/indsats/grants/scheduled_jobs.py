"""The grants app's daily job, declared to the schedule the workers run (operations.schedule)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from indsats.grants import services
from indsats.operations.schedule import register_scheduled_job


def grants_daily(day: datetime.date) -> str:
    """Lapse grants not started within 6 months and send reminders; idempotent for a day (a grant lapses
    once, a reminder goes out at most once a week)."""
    lapsed = services.lapse_unstarted_grants(today=day)
    sent = services.send_reminders()
    return (
        f"{len(lapsed)} bevillinger bortfaldet; {sent['reports']} påmindelser om rapporter; "
        f"{sent['deadlines']} om frister"
    )


register_scheduled_job(
    "grants-daily", title=_("Bortfald af bevillinger og påmindelser"), run=grants_daily, hour=6
)
