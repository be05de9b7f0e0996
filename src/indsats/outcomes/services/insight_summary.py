"""The insight page's summary table (InsightSummary) kept current: every write that adds or deletes an
intervention's measurements calls ``measurements_changed`` in its transaction, which bumps the version of
each (intervention, instrument) it touched and, once the transaction commits, enqueues
``outcomes.tasks.refresh_insight`` for it. The task recomputes the rows with one INSERT ... SELECT per
score key (the query the page would run live, selectors.insight_select). Until it has run, the version
differs and the page computes its figures live: never stale, only slower.

The scheduled job ``refresh-insight-summaries`` and ``indsats refresh_insight_summaries`` rebuild them all.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from indsats.interventions.models import Intervention
from indsats.outcomes import selectors
from indsats.outcomes.models import InsightSummary, InsightVersion, Instrument, Measurement
from indsats.outcomes.registry import engine_instrument
from indsats.outcomes.selectors import INSIGHT_COLUMNS


def changed_pairs(measurements: QuerySet[Measurement]) -> list[tuple[int, int]]:
    """The (intervention, instrument) pairs of the measurements (before they are deleted)."""
    return list(measurements.order_by().values_list("round__intervention_id", "instrument_id").distinct())


def measurements_changed(pairs: Iterable[tuple[int, int]]) -> None:
    """Call inside the transaction that adds or deletes measurements of these (intervention, instrument)
    pairs: their version moves on now (the page stops reading the summary as soon as the write commits),
    and a refresh of their summary is enqueued when it commits."""
    pairs = sorted(set(pairs))
    for intervention_id, instrument_id in pairs:  # sorted: writers lock the rows in one order
        InsightVersion.objects.bulk_create(
            [InsightVersion(intervention_id=intervention_id, instrument_id=instrument_id)],
            ignore_conflicts=True,
        )
        InsightVersion.objects.filter(intervention_id=intervention_id, instrument_id=instrument_id).update(
            version=F("version") + 1
        )
    if pairs:
        transaction.on_commit(lambda: _enqueue(pairs))


def _enqueue(pairs: list[tuple[int, int]]) -> None:
    from indsats.outcomes import tasks  # noqa: PLC0415 - tasks imports the services

    for intervention_id, instrument_id in pairs:
        tasks.refresh_insight.enqueue(intervention_id=intervention_id, instrument_id=instrument_id)


def refresh_insight_summary(*, intervention_id: int, instrument_id: int, wait: bool = True) -> int | None:
    """Recompute the summary rows of one intervention and instrument, in one transaction: the version is
    read first, the old rows deleted, each score key's rows inserted with one INSERT ... SELECT, and the
    version read is recorded as the summary's. Each statement sees every write committed before it, so
    a write committed after the version was read is either in the rows or not, but its bump makes the
    version newer than the summary's either way: the page computes live until its own task has run.
    Returns the rows written; None when ``wait`` is false and another refresh of the pair is running."""
    instrument = Instrument.objects.get(pk=instrument_id)
    engine = engine_instrument(instrument)
    with transaction.atomic():
        InsightVersion.objects.bulk_create(
            [InsightVersion(intervention_id=intervention_id, instrument_id=instrument_id)],
            ignore_conflicts=True,
        )
        if connection.vendor == "postgresql":
            # refreshes of one pair run one at a time (else two could each delete the rows they see and
            # insert theirs); writers are not blocked: their bump of the version row never waits for this
            with connection.cursor() as cursor:
                if not wait:
                    cursor.execute(
                        "SELECT pg_try_advisory_xact_lock(%s::integer, %s::integer)",
                        [intervention_id, instrument_id],
                    )
                    if not cursor.fetchone()[0]:
                        return None
                else:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)",
                        [intervention_id, instrument_id],
                    )
        state = InsightVersion.objects.get(intervention_id=intervention_id, instrument_id=instrument_id)
        InsightSummary.objects.filter(intervention_id=intervention_id, instrument_id=instrument_id).delete()
        round_list = list(selectors.rounds(intervention=Intervention.objects.get(pk=intervention_id)))
        now = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value(now)
        written = 0
        columns = ", ".join(INSIGHT_COLUMNS)
        for score_key in engine.score_keys if round_list else ():
            try:
                band_order = engine.band_order(score_key)
            except (ValueError, KeyError):
                band_order = ()
            sql, params = selectors.insight_select(round_list, instrument, score_key, band_order)
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO outcomes_insightsummary (intervention_id, instrument_id, score_key, "  # noqa: S608
                    f"version, computed_at, {columns}) SELECT %s, %s, %s, %s, %s, {columns} FROM ({sql}) q",
                    [intervention_id, instrument_id, score_key, state.version, stamp, *params],
                )
                written += max(cursor.rowcount, 0)
        state.summary_version = state.version
        state.summary_baseline = round_list[0] if round_list else None
        state.computed_at = now
        state.save(update_fields=["summary_version", "summary_baseline", "computed_at"])
    return written


REFRESH_ROUNDS = 5


def refresh_if_stale(*, intervention_id: int, instrument_id: int) -> int:
    """The task's work: refresh unless the summary already caught up (a burst of writes enqueues a task
    each; the first refresh that runs after they committed covers them all, the rest return at once).

    A task never waits for another refresh of the same pair (a worker blocked on the lock would miss its
    lease's heartbeats and the task be taken twice): it leaves the work to the running one, which checks
    again after committing and refreshes once more for writes that came meanwhile (at most REFRESH_ROUNDS
    times; the page computes live and the nightly rebuild catches up beyond that)."""
    written = 0
    for _round in range(REFRESH_ROUNDS):
        state = (
            InsightVersion.objects.filter(intervention_id=intervention_id, instrument_id=instrument_id)
            .values_list("version", "summary_version")
            .first()
        )
        if state is not None and state[0] == state[1]:
            return written
        rows = refresh_insight_summary(
            intervention_id=intervention_id, instrument_id=instrument_id, wait=False
        )
        if rows is None:  # another worker is refreshing this pair and will check again when it is done
            return written
        written += rows
    return written


def refresh_all_insight_summaries() -> int:
    """Rebuild the summary of every (intervention, instrument) with measurements, one transaction each;
    returns how many were rebuilt."""
    pairs = set(changed_pairs(Measurement.objects.all()))
    pairs |= set(InsightVersion.objects.values_list("intervention_id", "instrument_id"))
    for intervention_id, instrument_id in sorted(pairs):
        refresh_insight_summary(intervention_id=intervention_id, instrument_id=instrument_id)
    return len(pairs)
