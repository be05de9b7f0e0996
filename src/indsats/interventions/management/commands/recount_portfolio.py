"""`indsats recount-portfolio`: count the portfolio board's figures again (after data written outside
the services, such as raw SQL or a partial restore)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from indsats.interventions.portfolio_totals import repair


class Command(BaseCommand):
    help = "Genberegn porteføljetavlens tal pr. fase (antal, ventende og forfaldne gate reviews, bevilget)."

    def handle(self, *args: Any, **options: Any) -> None:
        for difference in repair():  # each audited as the system
            self.stdout.write(f"Afveg: {difference}")
        self.stdout.write("Porteføljens tal genberegnet.")
