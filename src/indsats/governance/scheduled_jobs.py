"""The steering group's daily job, declared to the schedule the workers run (operations.schedule)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from indsats.governance.services.operations import follow_up_operations
from indsats.operations.schedule import register_scheduled_job


def governance_daily(day: datetime.date) -> str:
    """Ask partners about realistisk drift 12, 24 and 36 months after funding ended, remind them, and
    mark conditions overdue; idempotent for a day (a second run finds nothing left to do)."""
    run = follow_up_operations(today=day)
    return (
        f"{len(run.reports_requested)} spørgsmål om drift; {len(run.report_reminders)} påmindelser; "
        f"{len(run.conditions_overdue)} betingelser overskredet; "
        f"{len(run.condition_reminders)} påmindelser om betingelser"
    )


register_scheduled_job(
    "governance-daily", title=_("Opfølgning på realistisk drift og betingelser"), run=governance_daily, hour=5
)
