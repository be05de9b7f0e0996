"""The insight page's summary table (InsightSummary) kept current: every write that adds or deletes an
intervention's measurements calls ``measurements_changed`` in its transaction, which bumps the version of
each (intervention, instrument) it touched and, once the transaction commits, enqueues
``outcomes.tasks.refresh_insight`` for it. The task recomputes the rows with one INSERT ... SELECT per
score key (the query the page would run live, selectors.insight_select). Until it has run, the version
differs and the page computes its figures live: never stale, only slower.

The completeness page's counts (CompletenessSummary) are kept current by the same task: they depend on
the measurements too, and on the intervention's enrolments, so every write that adds or deletes
enrolments calls ``enrolments_changed``, which bumps the intervention's EnrolmentVersion and enqueues the
refresh of each of its (intervention, instrument) pairs. The page reads the counts only when both
versions are the ones they were computed at, else counts live.

The scheduled job ``refresh-insight-summaries`` and ``indsats refresh_insight_summaries`` rebuild them all.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from indsats.interventions.models import Intervention
from indsats.outcomes import selectors
from indsats.outcomes.models import (
    CompletenessSummary,
    Enrolment,
    EnrolmentVersion,
    InsightSummary,
    InsightVersion,
    Instrument,
    Measurement,
    MeasurementRound,
)
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


def enrolled_interventions(enrolments: QuerySet[Enrolment]) -> list[int]:
    """The interventions of the enrolments (before they are deleted)."""
    return list(enrolments.order_by().values_list("intervention_id", flat=True).distinct())


def enrolments_changed(intervention_ids: Iterable[int]) -> None:
    """Call inside the transaction that adds or deletes enrolments in these interventions: their
    enrolment version moves on now (the completeness page stops reading its summary as soon as the write
    commits), and once it commits a refresh is enqueued for each instrument the intervention has a summary
    of (read then, so a pair that got its first summary meanwhile is included)."""
    ids = sorted(set(intervention_ids))
    for intervention_id in ids:  # sorted: writers lock the rows in one order
        EnrolmentVersion.objects.bulk_create(
            [EnrolmentVersion(intervention_id=intervention_id)], ignore_conflicts=True
        )
        EnrolmentVersion.objects.filter(intervention_id=intervention_id).update(version=F("version") + 1)
    if ids:
        transaction.on_commit(
            lambda: _enqueue(
                sorted(
                    InsightVersion.objects.filter(intervention_id__in=ids).values_list(
                        "intervention_id", "instrument_id"
                    )
                )
            )
        )


def _enrolment_version(intervention_id: int) -> int:
    version = (
        EnrolmentVersion.objects.filter(intervention_id=intervention_id)
        .values_list("version", flat=True)
        .first()
    )
    return version or 0


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
        enrolment_version = _enrolment_version(intervention_id)
        InsightSummary.objects.filter(intervention_id=intervention_id, instrument_id=instrument_id).delete()
        intervention = Intervention.objects.get(pk=intervention_id)
        round_list = list(selectors.rounds(intervention=intervention))
        _write_completeness(intervention, instrument, round_list)
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
        state.summary_enrolment_version = enrolment_version
        state.summary_baseline = round_list[0] if round_list else None
        state.computed_at = now
        state.save(
            update_fields=["summary_version", "summary_enrolment_version", "summary_baseline", "computed_at"]
        )
    return written


def _write_completeness(
    intervention: Intervention, instrument: Instrument, round_list: list[MeasurementRound]
) -> None:
    """Replace the pair's completeness counts by the live ones (selectors.completeness_counts: a row per
    municipality with children enrolled, and per municipality and round with some of them measured)."""
    CompletenessSummary.objects.filter(intervention=intervention, instrument=instrument).delete()
    enrolled, measured = selectors.completeness_counts(
        intervention=intervention, instrument=instrument, round_list=round_list
    )
    CompletenessSummary.objects.bulk_create(
        [
            CompletenessSummary(
                intervention=intervention, instrument=instrument, municipality_id=municipality_id, n=n
            )
            for municipality_id, n in enrolled.items()
        ]
        + [
            CompletenessSummary(
                intervention=intervention,
                instrument=instrument,
                municipality_id=municipality_id,
                round_id=round_id,
                n=n,
            )
            for (municipality_id, round_id), n in measured.items()
        ]
    )


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
            .values_list("version", "summary_version", "summary_enrolment_version")
            .first()
        )
        if state is not None and state[0] == state[1] and state[2] == _enrolment_version(intervention_id):
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
