"""A municipality's children and measurements, kept in MunicipalityTotals for the front page.

Every write that adds or deletes participants or measurements calls ``recount`` last in its transaction:
it locks the municipality's row (creating it if need be) and only then counts, in a new statement, so
the count sees every write committed before the lock; a write still open recounts after this one commits
(it waits for the lock). The row is thus equal to a live count once the writes commit (READ COMMITTED,
Django's default). The recount reads the municipality's children and measurements (an index-only count,
a few milliseconds at 20,000), once per write instead of once per page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from indsats.db import compiled_queries
from indsats.outcomes.models import Measurement, MunicipalityTotals, Participant


def recount(municipality_ids: Iterable[int]) -> None:
    """Recount the municipalities' totals; call inside the write's transaction, after its last change
    and after the insight and enrolment versions it bumps (every write locks those rows first and these
    last, and several municipalities in id order: no two writes wait for each other in a cycle)."""
    totals = MunicipalityTotals._meta.db_table
    participants, measurements = Participant._meta.db_table, Measurement._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:  # the locks held until the write commits
        for municipality_id in sorted(set(municipality_ids)):
            cursor.execute(  # the row, locked (a no-op update of a row that exists)
                f"INSERT INTO {totals} (municipality_id, participants, measurements) VALUES (%s, 0, 0) "  # noqa: S608
                f"ON CONFLICT (municipality_id) DO UPDATE SET participants = {totals}.participants",
                [municipality_id],
            )
            cursor.execute(
                f"UPDATE {totals} SET "  # noqa: S608 (table names only)
                f"participants = (SELECT COUNT(*) FROM {participants} WHERE municipality_id = %s), "
                f"measurements = (SELECT COUNT(*) FROM {measurements} WHERE municipality_id = %s) "
                "WHERE municipality_id = %s",
                [municipality_id, municipality_id, municipality_id],
            )


def totals_of(municipality_ids: Iterable[int]) -> tuple[int, int]:
    """The children and measurements of the municipalities (one query, compiled once per process and
    number of municipalities: see db.compiled_queries; a row each, summed here)."""
    municipalities = tuple(sorted(set(municipality_ids)))
    if not municipalities:
        return 0, 0
    rows = compiled_queries.rows("municipality totals", _totals_query, {"municipalities": municipalities})
    return sum(participants for participants, _ in rows), sum(measurements for _, measurements in rows)


def _totals_query(values: compiled_queries.Values) -> QuerySet[Any]:
    return MunicipalityTotals.objects.filter(municipality_id__in=values["municipalities"]).values_list(
        "participants", "measurements"
    )
