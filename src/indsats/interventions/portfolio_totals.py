"""The unfiltered portfolio board's figures per state, kept in PortfolioTotals by the writes.

The board built afresh read them with a GROUP BY joining every intervention to its current phase record
and open review, and summing every phase record's money: a millisecond at national scale on every
request, for figures that change only with a handful of services (issue #16). Each service that changes
an intervention's state, a phase record's money or planned end, or a gate review's status (and the
demo's bulk loader) calls ``recount`` last in its transaction. Like ``outcomes.totals.recount`` it locks
the rows first and only then counts, in new statements, so that the rows equal a live count once the
writes commit (READ COMMITTED). Data written outside the services (raw SQL, a restore) is repaired by
``indsats recount-portfolio``; a missing row makes the board count live (``stored``). A daily job
(``check-portfolio-totals``) compares the rows with a count made then and fails, naming the states, when
they differ (``differences``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, F, FilteredRelation, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _

from indsats.audit.services import record_update, snapshot
from indsats.db import compiled_queries
from indsats.interventions.models import (
    OPEN_REVIEW_STATUSES,
    Intervention,
    PhaseRecord,
    PortfolioTotals,
    ReviewStatus,
)
from indsats.interventions.workflow import InterventionState

# per state with interventions: {"n": how many, "waiting": with a review waiting, "due": with one due}
Counts = dict[str, dict[str, int]]


def recount() -> None:
    """Count the portfolio's figures again; call inside the write's transaction, after its last change."""
    table = PortfolioTotals._meta.db_table
    states = sorted(InterventionState.values)
    with transaction.atomic(), connection.cursor() as cursor:  # the locks held until the write commits
        for state in states:  # the rows, locked in one order (a no-op update of a row that exists)
            cursor.execute(
                f"INSERT INTO {table} (state, interventions, waiting, committed, planned_ends) "  # noqa: S608
                f"VALUES (%s, 0, 0, 0, '{{}}') ON CONFLICT (state) DO UPDATE SET waiting = {table}.waiting",
                [state],
            )
        PortfolioTotals.objects.bulk_update(_counted(states).values(), list(_FIGURES))


_FIGURES = ("interventions", "waiting", "committed", "planned_ends")


def _counted(states: list[str]) -> dict[str, PortfolioTotals]:
    """The figures of each state counted now, as unsaved rows."""
    rows = {state: PortfolioTotals(state=state) for state in states}
    for state, n, waiting in _counts():
        rows[state].interventions, rows[state].waiting = n, waiting
    for state, planned_end, n in _planned_ends():
        rows[state].planned_ends[planned_end.isoformat()] = n
    for phase, money in _money():
        rows[phase].committed = money or Decimal(0)
    return rows


class TotalsDiffer(Exception):
    """The kept figures differ from a count: data was written outside the services (or a service forgot to
    recount). ``indsats recount-portfolio`` counts them again."""


def differences() -> list[str]:
    """The states whose kept row differs from what ``recount`` would write now, as text for the log (empty
    when all agree). The kept rows are locked first, in ``recount``'s order: a write that has recounted is
    waited for until it commits, one that has not waits for this check, so a write in progress is never
    taken for a difference."""
    return list(_differing().values())


def _differing() -> dict[str, str]:
    states = sorted(InterventionState.values)
    with transaction.atomic():
        kept = {row.state: row for row in PortfolioTotals.objects.select_for_update().order_by("state")}
        counted = _counted(states)
    found = {}
    for state in states:
        row = kept.get(state)
        if row is None:
            found[state] = f"{state}: ingen række"
            continue
        differing = [name for name in _FIGURES if getattr(row, name) != getattr(counted[state], name)]
        if differing:
            found[state] = f"{state}: " + ", ".join(
                f"{name} {getattr(row, name)} gemt, {getattr(counted[state], name)} talt"
                for name in differing
            )
    return found


@transaction.atomic
def repair() -> list[str]:
    """Count again (``recount``), with an audit entry by the system for each state whose kept figures
    differed, giving them before and after. Returns the differences found."""
    found = _differing()
    before = {row.state: snapshot(row) for row in PortfolioTotals.objects.filter(state__in=found)}
    recount()
    for row in PortfolioTotals.objects.filter(state__in=found).order_by("state"):
        record_update(
            actor=None,
            instance=row,
            before=before.get(row.state, {}),
            message=_("Porteføljetavlens tal talt igen (%(difference)s).") % {"difference": found[row.state]},
        )
    return list(found.values())


def _with_open_review(interventions: QuerySet[Intervention]) -> QuerySet[Intervention]:
    """`waiting`: whether the open review (at most one per intervention, a constraint) waits."""
    return interventions.alias(
        open_review=FilteredRelation(
            "gate_reviews", condition=Q(gate_reviews__status__in=OPEN_REVIEW_STATUSES)
        ),
        waiting=Case(
            When(open_review__status=ReviewStatus.SUBMITTED, then=Value(True)), default=Value(False)
        ),
    )


def _counts() -> QuerySet[Any]:
    return (
        _with_open_review(Intervention.objects.all())
        .order_by()
        .values("state")
        .annotate(n=Count("pk"), n_waiting=Count("pk", filter=Q(waiting=True)))
        .values_list("state", "n", "n_waiting")
    )


def _planned_ends() -> QuerySet[Any]:
    """(state, the current phase's planned end, how many) of the interventions with none waiting."""
    return (
        _with_open_review(Intervention.objects.all())
        .alias(current=FilteredRelation("phase_records", condition=Q(phase_records__phase=F("state"))))
        .filter(Q(current__planned_end__isnull=False), Q(waiting=False))
        .order_by()
        .values("state", "current__planned_end")
        .annotate(n=Count("pk"))
        .values_list("state", "current__planned_end", "n")
    )


def _money() -> QuerySet[Any]:
    return (
        PhaseRecord.objects.order_by()
        .values("phase")
        .annotate(total=Sum("committed_amount"))
        .values_list("phase", "total")
    )


def stored(today: datetime.date) -> tuple[Counts, dict[str, Decimal]] | None:
    """The board's counts per state and money per phase from the stored rows, as the live query gives
    them (`selectors._board_totals`); None while a state has no row (never counted: count live)."""
    rows = compiled_queries.rows("portfolio totals", _stored_query, {})
    if len(rows) != len(InterventionState.values):
        return None
    counts: Counts = {}
    committed: dict[str, Decimal] = {}
    day = today.isoformat()  # ISO dates compare as the days they name
    for state, n, waiting, money, planned_ends in rows:
        if n:
            due = sum(count for end, count in planned_ends.items() if end < day)
            counts[state] = {"n": n, "waiting": waiting, "due": due}
        if money:
            committed[state] = money
    return counts, committed


def _stored_query(_values: compiled_queries.Values) -> QuerySet[Any]:
    return PortfolioTotals.objects.order_by().values_list(
        "state", "interventions", "waiting", "committed", "planned_ends"
    )
