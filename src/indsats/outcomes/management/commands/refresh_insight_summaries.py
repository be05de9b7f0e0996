"""`indsats refresh-insight-summaries`: rebuild the insight page's summary of every intervention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from indsats.outcomes.services.insight_summary import refresh_all_insight_summaries


class Command(BaseCommand):
    help = "Genberegn oversigterne over indsigt (resultater pr. runde og kommune) for alle indsatser."

    def handle(self, *args: Any, **options: Any) -> None:
        count = refresh_all_insight_summaries()
        self.stdout.write(f"{count} oversigter genberegnet.")
