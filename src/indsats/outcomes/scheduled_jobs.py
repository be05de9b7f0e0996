"""Result documentation's daily jobs, declared to the schedule the workers run (operations.schedule)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from indsats.operations.schedule import register_scheduled_job
from indsats.outcomes.integrity import check_references
from indsats.outcomes.services.gdpr import purge_expired_outcomes
from indsats.outcomes.services.imports import purge_abandoned_imports
from indsats.outcomes.services.insight_summary import refresh_all_insight_summaries


def purge_expired(day: datetime.date) -> str:
    counts = purge_expired_outcomes(today=day)
    return f"{counts['measurements']} målinger og {counts['participants']} deltagere slettet"


def purge_abandoned(day: datetime.date) -> str:
    return f"{purge_abandoned_imports()} forladte importer slettet"


def check_outcome_references(day: datetime.date) -> str:
    return check_references()


def refresh_insight_summaries(day: datetime.date) -> str:
    return f"{refresh_all_insight_summaries()} oversigter over indsigt genberegnet"


register_scheduled_job(
    "purge-expired-outcomes",
    title=_("Sletning af resultatdata efter opbevaringstiden"),
    run=purge_expired,
    hour=3,
)
register_scheduled_job(
    "purge-abandoned-imports", title=_("Sletning af forladte importer"), run=purge_abandoned, hour=3
)
# after the purges: every summary rebuilt once a day, whatever a lost task may have left behind
register_scheduled_job(
    "refresh-insight-summaries",
    title=_("Genberegning af oversigterne over indsigt"),
    run=refresh_insight_summaries,
    hour=4,
)
# the references the database does not enforce (docs/ARCHITECTURE.md): a broken one fails the run
register_scheduled_job(
    "check-outcome-references",
    title=_("Kontrol af referencerne i resultatdata"),
    run=check_outcome_references,
    hour=5,
)
