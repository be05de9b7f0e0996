"""`indsats purge-expired-outcomes`: delete outcome data older than each intervention's retention period."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from indsats.outcomes.services.gdpr import purge_expired_outcomes


class Command(BaseCommand):
    help = "Slet resultatdata, der er ældre end indsatsens opbevaringstid (standard: DEFAULT_RETENTION_DAYS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None, help="ÅÅÅÅ-MM-DD (test)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = purge_expired_outcomes(today=options["today"])
        self.stdout.write(f"{counts['measurements']} målinger og {counts['participants']} deltagere slettet.")
