"""Result documentation's daily jobs, declared to the schedule the workers run (operations.schedule)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from indsats.operations.schedule import register_scheduled_job
from indsats.outcomes.services.gdpr import purge_expired_outcomes
from indsats.outcomes.services.imports import purge_abandoned_imports


def purge_expired(day: datetime.date) -> str:
    counts = purge_expired_outcomes(today=day)
    return f"{counts['measurements']} målinger og {counts['participants']} deltagere slettet"


def purge_abandoned(day: datetime.date) -> str:
    return f"{purge_abandoned_imports()} forladte importer slettet"


register_scheduled_job(
    "purge-expired-outcomes",
    title=_("Sletning af resultatdata efter opbevaringstiden"),
    run=purge_expired,
    hour=3,
)
register_scheduled_job(
    "purge-abandoned-imports", title=_("Sletning af forladte importer"), run=purge_abandoned, hour=3
)
