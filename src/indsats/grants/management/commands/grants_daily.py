"""`indsats grants_daily`: the daily run of the grants app: grants whose project has not started within
6 months lapse, and reminders go out for reports and pool deadlines. Run it once a day (cron/timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from indsats.grants import services


class Command(BaseCommand):
    help = "Lapse unstarted grants and send reminders of reports and pool deadlines."

    def handle(self, *args: Any, **options: Any) -> None:
        lapsed = services.lapse_unstarted_grants()
        sent = services.send_reminders()
        self.stdout.write(
            f"{len(lapsed)} grants lapsed; {sent['reports']} report reminders; "
            f"{sent['deadlines']} deadline reminders"
        )
