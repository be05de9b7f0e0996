"""`indsats check-outcome-references [--repair-totals]`: the daily check of outcome data by hand.

Prints every reference the database does not enforce that is broken, and every municipality whose
totals (children and measurements on the front page) differ from a live count; fails (exit status 1)
when one is found. ``--repair-totals`` first recounts the municipalities whose totals differ, with an
audit entry each (services.integrity.repair_municipality_totals); a broken reference is left for a person
to look into (docs/operations.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indsats.outcomes.integrity import TOTALS, broken_references, differing_totals
from indsats.outcomes.services.integrity import repair_municipality_totals


class Command(BaseCommand):
    help = "Kontrollér referencerne og kommunernes tal i resultatdata (som det daglige job)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repair-totals",
            action="store_true",
            help="tæl kommunernes børn og målinger igen, hvor tallene afviger (med historikpost)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["repair_totals"]:
            for difference in repair_municipality_totals():
                self.stdout.write(f"Talt igen: {difference}")
        broken = {name: count for name, count in broken_references().items() if count}
        if not broken:
            self.stdout.write("Alle referencer i resultatdata holder.")
            return
        for name, count in sorted(broken.items()):
            self.stderr.write(f"{name}: {count}")
        if TOTALS in broken:
            for difference in differing_totals():
                self.stderr.write(f"  {difference}")
            self.stderr.write("Ret kommunernes tal med --repair-totals.")
        raise CommandError(f"{len(broken)} kontroller holder ikke.")
