"""`indsats governance-daily [--today YYYY-MM-DD]`: the daily run of the steering group's record
(services.follow_up_operations): partner municipalities are asked about operation 12, 24 and 36 months
after their funding ended and reminded, and conditions past their deadline become overdue and their
owners are reminded. Idempotent: a second run the same day does nothing. Run it once a day."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from indsats.governance.services import follow_up_operations


class Command(BaseCommand):
    help = "Ask and remind partner municipalities about operation; mark and remind conditions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        run = follow_up_operations(today=options["today"])
        self.stdout.write(
            f"{len(run.reports_requested)} follow-ups requested; {len(run.report_reminders)} follow-up "
            f"reminders; {len(run.conditions_overdue)} conditions overdue; "
            f"{len(run.condition_reminders)} condition reminders"
        )
