"""The interventions app's daily job, declared to the schedule the workers run (operations.schedule)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from indsats.interventions.portfolio_totals import TotalsDiffer, differences
from indsats.operations.schedule import register_scheduled_job


def check_portfolio_totals(day: datetime.date) -> str:
    """The board's kept figures against a count made now: the run fails, naming the states, when they
    differ (repaired by `indsats recount-portfolio`)."""
    differing = differences()
    if differing:
        raise TotalsDiffer("; ".join(differing))
    return "Porteføljetavlens tal stemmer med en optælling"


register_scheduled_job(
    "check-portfolio-totals",
    title=_("Kontrol af porteføljetavlens tal"),
    run=check_portfolio_totals,
    hour=5,
)
