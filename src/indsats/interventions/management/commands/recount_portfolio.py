"""`indsats recount-portfolio`: count the portfolio board's figures again (after data written outside
the services, such as raw SQL or a partial restore)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from indsats.interventions.portfolio_totals import recount


class Command(BaseCommand):
    help = "Genberegn porteføljetavlens tal pr. fase (antal, ventende og forfaldne gate reviews, bevilget)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            recount()
        self.stdout.write("Porteføljens tal genberegnet.")
