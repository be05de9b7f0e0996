"""Reads of result documentation, scoped: a municipality sees its own children, the agency aggregates only.

Row-level reads (participants, measurements) pass through ``restrict_to_municipalities`` with
``agency_sees_all=False``: agency staff never see a single child. Aggregates (completeness counts,
insight) are open to the agency (VIEW_OUTCOME_AGGREGATES) and to municipalities for their own data.
Who may read what is decided in outcomes.access; the selectors ask it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from indsats.accounts.models import Organisation, OrganisationKind, User
from indsats.accounts.permissions import municipality_ids_of, organisation_ids_of, restrict_to_municipalities
from indsats.accounts.selectors import municipalities as active_municipalities
from indsats.db import compiled_queries
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.cpr import pseudonym, validate_cpr
from indsats.engine.disclosure import comparison_group_allowed
from indsats.engine.statistics.pre_post import mean_change_interval
from indsats.interventions.models import Intervention
from indsats.outcomes import access
from indsats.outcomes.measurement_sql import band_value, score_value
from indsats.outcomes.models import (
    ColumnMapping,
    CompletenessSummary,
    Enrolment,
    EnrolmentVersion,
    EvaluatorAssignment,
    ImportJob,
    InsightSummary,
    InsightVersion,
    Instrument,
    InstrumentExplanation,
    InstrumentList,
    Measurement,
    MeasurementRound,
    Participant,
    RetentionPolicy,
)
from indsats.outcomes.pseudonyms import pseudonym_key
from indsats.outcomes.registry import builtin_versions, engine_instrument, ensure_builtin_instruments


def instruments(*, active_only: bool = False) -> QuerySet[Instrument]:
    ensure_builtin_instruments()
    rows = Instrument.objects.all()
    return rows.filter(is_active=True) if active_only else rows


def active_instruments() -> list[Instrument]:
    """The active instruments in their order, without their definitions (what a list of choices shows),
    in one query once the built-in ones have their rows (read from the same rows)."""
    rows = _instruments_without_definitions()
    if not builtin_versions() <= {(row.key, row.version) for row in rows}:
        ensure_builtin_instruments()
        rows = _instruments_without_definitions()
    return [row for row in rows if row.is_active]


_LISTED_INSTRUMENT_FIELDS = tuple(
    field.attname for field in Instrument._meta.concrete_fields if field.name != "definition"
)


def _instruments_without_definitions() -> list[Instrument]:
    """Every instrument in its order, loaded as ``.defer("definition")`` loads it, through a query compiled
    once per process (db.compiled_queries: the ORM's building of it cost more than running it)."""
    found = compiled_queries.rows(
        "instruments without definitions",
        lambda values: Instrument.objects.values_list(*_LISTED_INSTRUMENT_FIELDS),
        {},
    )
    return [Instrument.from_db(DEFAULT_DB_ALIAS, _LISTED_INSTRUMENT_FIELDS, row) for row in found]


def instrument(*, pk: int, active_only: bool = False) -> Instrument | None:
    return instruments(active_only=active_only).filter(pk=pk).first()


def explanations(*, user: User | AnonymousUser) -> QuerySet[InstrumentExplanation]:
    """Reasons for not using a short-list instrument: the agency sees all, a municipality its own."""
    rows = InstrumentExplanation.objects.select_related("municipality", "intervention", "instrument")
    if access.can_see_aggregates(user):
        return rows
    return restrict_to_municipalities(user, rows, agency_sees_all=False)


def needs_explanation(
    *, municipality: Organisation, intervention: Intervention, instrument: Instrument
) -> bool:
    """True when the instrument is not on the short list and the municipality has given no reason yet."""
    if instrument.list_status == InstrumentList.SHORT:
        return False
    return not InstrumentExplanation.objects.filter(
        municipality=municipality, intervention=intervention, instrument=instrument
    ).exists()


def participants(
    *, user: User | AnonymousUser, intervention: Intervention | None = None
) -> QuerySet[Participant]:
    """A municipality's own participants (never the agency's: it sees aggregates only)."""
    rows = restrict_to_municipalities(
        user, Participant.objects.select_related("municipality"), agency_sees_all=False
    )
    if intervention is not None:
        rows = rows.filter(enrolments__intervention=intervention)
    # the count per child as a subquery, not a join and GROUP BY over every child: a page of 50 sorted by
    # the (municipality, pseudonym) index counts its own 50 (Aarhus' 30,000 children: 250 -> 10 ms)
    per_child = (
        Measurement.objects.filter(participant=OuterRef("pk"))
        .order_by()
        .values("participant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        rows.annotate(measurement_count=Coalesce(Subquery(per_child, output_field=IntegerField()), 0))
        .prefetch_related(Prefetch("measurements", queryset=Measurement.objects.select_related("round")))
        .order_by("pseudonym", "pk")
    )


def participants_with_cpr(*, user: User | AnonymousUser, cpr: str) -> QuerySet[Participant]:
    """The person's own participants with this CPR number: it is pseudonymised the way it was when the
    child was registered (per municipality), compared, and forgotten. Raises CprError for a number that
    is not a CPR number."""
    validate_cpr(cpr)
    codes = [
        pseudonym(cpr, key=pseudonym_key(), municipality_code=municipality.municipality_code)
        for municipality in own_municipalities(user=user)
    ]
    return participants(user=user).filter(pseudonym__in=codes)


def participants_with_reference(*, user: User | AnonymousUser, reference: str) -> QuerySet[Participant]:
    """The person's own participants whose local reference is, or begins with, ``reference``
    (case-insensitive); never another municipality's."""
    return participants(user=user).filter(local_reference__istartswith=reference.strip())


def participant_detail(*, user: User | AnonymousUser, pk: int) -> Participant:
    """Raises Participant.DoesNotExist for another municipality's participant (a 404, not a hint)."""
    return restrict_to_municipalities(
        user, Participant.objects.select_related("municipality"), agency_sees_all=False
    ).get(pk=pk)


def participant_measurements(*, participant: Participant) -> QuerySet[Measurement]:
    return participant.measurements.select_related("round", "round__intervention", "instrument").order_by(
        "round__order", "measured_on"
    )


def participant_rounds(*, participant: Participant) -> QuerySet[MeasurementRound]:
    """The rounds of the interventions the child takes part in."""
    return MeasurementRound.objects.filter(
        intervention_id__in=participant.enrolments.values_list("intervention_id", flat=True)
    ).select_related("intervention")


def rounds(*, intervention: Intervention) -> QuerySet[MeasurementRound]:
    return MeasurementRound.objects.filter(intervention=intervention).order_by("order", "opens_on")


def all_rounds() -> QuerySet[MeasurementRound]:
    """Every intervention's rounds, by intervention and number (what a file can be imported into)."""
    return MeasurementRound.objects.select_related("intervention").order_by("intervention__name", "order")


def interventions_with_rounds() -> QuerySet[Intervention]:
    """Interventions that have measurement rounds (result documentation is set up for them)."""
    # a semi-join, not a join and DISTINCT over every column of every intervention
    return Intervention.objects.filter(
        Exists(MeasurementRound.objects.filter(intervention_id=OuterRef("pk")))
    ).order_by("name")


def intervention_names_with_rounds() -> list[tuple[int, str]]:
    """interventions_with_rounds as (id, name) rows by name, through a query compiled once per process
    (db.compiled_queries; the same as the agency's compared_intervention_names)."""
    return compiled_queries.rows("compared interventions: all", _compared_names_query, {})


def compared_interventions(*, user: User | AnonymousUser) -> QuerySet[Intervention]:
    """The interventions whose comparison with other municipalities the person may see: every one with
    rounds for the agency, else those the person's municipality takes part in (a partner, or with
    children enrolled)."""
    if access.can_see_aggregates(user):
        return interventions_with_rounds()
    return _compared_by(municipality_ids_of(user))


def _compared_by(municipality_ids: Collection[int]) -> QuerySet[Intervention]:
    """The interventions with rounds the municipalities take part in."""
    # subqueries, not joins: a join to the enrolments makes a row per enrolled child before DISTINCT
    partner = Intervention.objects.filter(partnerships__municipality_id__in=municipality_ids).values("pk")
    enrolled = Enrolment.objects.filter(municipality_id__in=municipality_ids).values("intervention_id")
    return interventions_with_rounds().filter(Q(pk__in=partner) | Q(pk__in=enrolled))


def compared_intervention_names(*, user: User | AnonymousUser) -> list[tuple[int, str]]:
    """compared_interventions as (id, name) rows by name, through a query compiled once per process and
    number of municipalities (db.compiled_queries)."""
    return _names_for(user, "compared interventions", _compared_names_query)


def _names_for(
    user: User | AnonymousUser, name: str, build: Callable[[compiled_queries.Values], QuerySet[Any]]
) -> list[tuple[int, str]]:
    """`build`'s (id, name) rows: all of them for those who see every municipality's aggregates (no
    value), else those of the person's own municipalities (none without one)."""
    if access.can_see_aggregates(user):
        return compiled_queries.rows(f"{name}: all", build, {})
    own = tuple(sorted(municipality_ids_of(user)))
    if not own:
        return []
    return compiled_queries.rows(name, build, {"municipalities": own})


def _compared_names_query(values: compiled_queries.Values) -> QuerySet[Any]:
    municipality_ids = values.get("municipalities")
    if municipality_ids is None:  # the agency
        return interventions_with_rounds().values_list("pk", "name")
    return _compared_by(municipality_ids).values_list("pk", "name")


def import_job(*, user: User | AnonymousUser, pk: int) -> ImportJob:
    return restrict_to_municipalities(
        user,
        ImportJob.objects.select_related("round", "round__intervention", "instrument", "municipality"),
        agency_sees_all=False,
    ).get(pk=pk)


def import_jobs(*, user: User | AnonymousUser) -> QuerySet[ImportJob]:
    return restrict_to_municipalities(
        user,
        ImportJob.objects.select_related("round", "round__intervention", "instrument", "municipality"),
        agency_sees_all=False,
    ).defer("payload")[:20]


def column_mapping(
    *, user: User | AnonymousUser, municipality: Organisation, source_system: str, instrument_key: str
) -> ColumnMapping | None:
    if municipality.pk not in municipality_ids_of(user):
        return None
    return ColumnMapping.objects.filter(
        municipality=municipality, source_system=source_system, instrument_key=instrument_key
    ).first()


def measured_pseudonyms(
    *, measurement_round: MeasurementRound, instrument: Instrument, municipality: Organisation
) -> list[str]:
    """The municipality's children already measured with the instrument in the round."""
    return list(
        Measurement.objects.filter(
            round=measurement_round, instrument=instrument, municipality=municipality
        ).values_list("participant__pseudonym", flat=True)
    )


def own_municipalities(*, user: User | AnonymousUser) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=municipality_ids_of(user)).order_by("name")


def insight_municipalities(*, user: User | AnonymousUser) -> QuerySet[Organisation]:
    """The municipalities whose means the person may pick: all of them for the agency, else their own."""
    if access.can_see_aggregates(user):
        return active_municipalities()
    return own_municipalities(user=user)


def insight_municipality_names(*, user: User | AnonymousUser) -> list[tuple[int, str]]:
    """insight_municipalities as (id, name) rows by name, through a query compiled once per process and
    number of municipalities (db.compiled_queries)."""
    return _names_for(user, "insight municipalities", _municipality_names_query)


def _municipality_names_query(values: compiled_queries.Values) -> QuerySet[Any]:
    municipality_ids = values.get("municipalities")
    if municipality_ids is None:
        municipalities = active_municipalities()
    else:
        municipalities = Organisation.objects.filter(pk__in=municipality_ids).order_by("name")
    return municipalities.values_list("pk", "name")


def municipality_by_pk(pk: int) -> Organisation | None:
    """A municipality by id, whether or not the person may see it (the insight selector decides that)."""
    return Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, pk=pk).first()


# --- completeness ------------------------------------------------------------------------------------------


MISSING_CODES_SHOWN = 50  # a cell names at most this many missing children; the rest are counted


@dataclass
class CompletenessCell:
    enrolled: int
    measured: int
    # only for the municipality's own children, and at most MISSING_CODES_SHOWN of them
    missing_codes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return self.enrolled - self.measured

    @property
    def more_missing(self) -> int:
        """Missing children not named in the cell (beyond MISSING_CODES_SHOWN)."""
        return self.missing - len(self.missing_codes) if self.missing_codes else 0

    @property
    def percent(self) -> int:
        return round(100 * self.measured / self.enrolled) if self.enrolled else 0


@dataclass
class CompletenessRow:
    municipality: Organisation
    cells: list[CompletenessCell]


def completeness(
    *, user: User | AnonymousUser, intervention: Intervention, instrument: Instrument
) -> tuple[list[MeasurementRound], list[CompletenessRow]]:
    """Per municipality and round: how many enrolled children are measured with the instrument, and (for
    the municipality's own staff only) which children are missing, at most MISSING_CODES_SHOWN per cell.

    The counts are SQL aggregates (GROUP BY municipality, and municipality and round), so the work is
    bounded by the municipalities and rounds shown, not by the children behind them."""
    access.require_completeness_reader(user)
    round_list = list(rounds(intervention=intervention))
    own = set(municipality_ids_of(user))
    shown = None if access.can_see_aggregates(user) else sorted(own)
    summarised = _summary_completeness_counts(intervention, instrument, shown)
    if summarised is not None:
        enrolled, measured, municipalities = summarised
    else:
        enrolled, measured = completeness_counts(
            intervention=intervention, instrument=instrument, round_list=round_list, municipality_ids=shown
        )
        municipalities = list(Organisation.objects.filter(pk__in=list(enrolled)).order_by("name"))
    rows = []
    for municipality in municipalities:
        cells = []
        for measurement_round in round_list:
            cell = CompletenessCell(
                enrolled=enrolled[municipality.pk],
                measured=measured.get((municipality.pk, measurement_round.pk), 0),
            )
            if municipality.pk in own and cell.missing:
                cell.missing_codes = [
                    code[:10]
                    for code in Participant.objects.filter(
                        enrolments__intervention=intervention, municipality=municipality
                    )
                    .exclude(
                        Exists(
                            Measurement.objects.filter(
                                participant=OuterRef("pk"), round=measurement_round, instrument=instrument
                            )
                        )
                    )
                    .order_by("pseudonym")
                    .values_list("pseudonym", flat=True)[:MISSING_CODES_SHOWN]
                ]
            cells.append(cell)
        rows.append(CompletenessRow(municipality=municipality, cells=cells))
    return round_list, rows


def completeness_counts(
    *,
    intervention: Intervention,
    instrument: Instrument,
    round_list: Sequence[MeasurementRound],
    municipality_ids: Sequence[int] | None = None,
) -> tuple[dict[int, int], dict[tuple[int, int], int]]:
    """The children enrolled in the intervention per municipality, and those of them measured with the
    instrument per (municipality, round), counted live from the enrolments and measurements (of the given
    municipalities only, unless None): two GROUP BY queries. What CompletenessSummary stores."""
    enrolments = Enrolment.objects.filter(intervention=intervention)
    if municipality_ids is not None:
        enrolments = enrolments.filter(municipality_id__in=municipality_ids)
    # the enrolment carries its child's municipality (checked daily: outcomes/integrity.py), so neither
    # count joins the participants
    enrolled = dict(
        enrolments.order_by()
        .values("municipality_id")
        .annotate(n=Count("pk"))
        .values_list("municipality_id", "n")
    )
    # a measurement counts when its child is enrolled in this municipality (a semi-join on the enrolments,
    # unique per child); (participant, round, instrument) is unique, so Count is a count of children
    measured = {
        (municipality_id, round_id): n
        for municipality_id, round_id, n in Measurement.objects.filter(
            Exists(
                enrolments.filter(
                    participant_id=OuterRef("participant_id"), municipality_id=OuterRef("municipality_id")
                )
            ),
            round__in=list(round_list),
            instrument=instrument,
            municipality_id__in=list(enrolled),
        )
        .order_by()
        .values("municipality_id", "round_id")
        .annotate(n=Count("pk"))
        .values_list("municipality_id", "round_id", "n")
    }
    return enrolled, measured


def _summary_completeness_counts(
    intervention: Intervention, instrument: Instrument, municipality_ids: Sequence[int] | None
) -> tuple[dict[int, int], dict[tuple[int, int], int], list[Organisation]] | None:
    """completeness_counts from CompletenessSummary, with the municipalities (id and name, by name), in
    one query when it is current: its measurements' version is the summary's and so is the
    intervention's enrolments' (the rows are read only where the state says so). None when it is not (or
    there is nothing to read): the caller counts live."""
    values: dict[str, Any] = {"intervention": intervention.pk, "instrument": instrument.pk}
    if municipality_ids is not None:
        if not municipality_ids:  # as the ORM with an empty `__in`: no row, and no query
            return None
        values["municipalities"] = tuple(municipality_ids)
    found = compiled_queries.rows("completeness summary", _current_completeness_summary_query, values)
    enrolled: dict[int, int] = {}
    measured: dict[tuple[int, int], int] = {}
    municipalities: list[Organisation] = []
    for municipality_id, name, round_id, n in found:
        if round_id is None:
            enrolled[municipality_id] = n
            # as .only("id", "name") would load it: the other fields are read if ever asked for
            municipalities.append(
                Organisation.from_db(DEFAULT_DB_ALIAS, ["id", "name"], [municipality_id, name])
            )
        else:
            measured[municipality_id, round_id] = n
    # no row: not current, or no child enrolled (counted live at no cost)
    return (enrolled, measured, municipalities) if enrolled else None


def _current_completeness_summary_query(values: compiled_queries.Values) -> QuerySet[Any]:
    """The summary's rows of the intervention and instrument (of the given municipalities only, when
    given), by municipality name, while it is current (compiled once per process and number of
    municipalities: see db.compiled_queries)."""
    enrolment_version = EnrolmentVersion.objects.filter(intervention_id=OuterRef("intervention_id")).values(
        "version"
    )[:1]
    current = (
        InsightVersion.objects.filter(
            intervention_id=OuterRef("intervention_id"),
            instrument_id=OuterRef("instrument_id"),
            summary_version=F("version"),
        )
        .alias(enrolments_now=Coalesce(Subquery(enrolment_version), Value(0)))
        .filter(summary_enrolment_version=F("enrolments_now"))
    )
    rows = CompletenessSummary.objects.filter(
        Exists(current), intervention_id=values["intervention"], instrument_id=values["instrument"]
    )
    if "municipalities" in values:
        rows = rows.filter(municipality_id__in=values["municipalities"])
    return rows.order_by("municipality__name", "municipality_id").values_list(
        "municipality_id", "municipality__name", "round_id", "n"
    )


# --- insight -----------------------------------------------------------------------------------------------


@dataclass
class RoundInsight:
    """One round of the insight page: the municipality's own children, and the other municipalities in
    the intervention as one group. The group's figures are None when disclosure control withholds them
    (``others_suppressed``): fewer than DISCLOSURE_MIN_MUNICIPALITIES municipalities or fewer than
    DISCLOSURE_MIN_CHILDREN children behind them."""

    round: MeasurementRound
    n: int
    mean: float | None
    change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    better_band_share: float | None = None
    others_n: int | None = None
    others_mean: float | None = None
    others_change: float | None = None
    others_ci_low: float | None = None
    others_ci_high: float | None = None
    others_better_band_share: float | None = None
    others_suppressed: bool = False
    others_change_suppressed: bool = False


@dataclass
class _Group:
    """One group's figures summed over its municipalities: the number of children, their mean and sum of
    squared deviations (of a score, or of the change in it), the number of municipalities behind it, and
    the children with a band at both times and with a better band."""

    n: int = 0
    mean: float = 0.0
    squares: float = 0.0
    municipalities: int = 0
    band_pairs: int = 0
    better: int = 0

    def add(self, n: int, mean: float, squares: float, band_pairs: int = 0, better: int = 0) -> None:
        """Add one municipality's figures (Chan, Golub & LeVeque's pairwise update of the sum of squared
        deviations: exact, and stable where sums of squares are not)."""
        if not n:
            return
        total = self.n + n
        delta = mean - self.mean
        self.squares += squares + delta * delta * self.n * n / total
        self.mean += delta * n / total
        self.n = total
        self.municipalities += 1
        self.band_pairs += band_pairs
        self.better += better

    @property
    def sd(self) -> float:
        return math.sqrt(max(self.squares, 0.0) / (self.n - 1)) if self.n > 1 else math.nan


def _scored(
    round_ids: Sequence[int], instrument: Instrument, score_key: str, band_order: Sequence[str]
) -> QuerySet[Any, Any]:
    """The measurements of the rounds with a value of the score: round, participant, municipality, the
    value and the rank of its band (0 = best; NULL for a band not in the instrument's order)."""
    return (
        Measurement.objects.filter(round_id__in=round_ids, instrument=instrument)
        .annotate(m_score=score_value(score_key), m_band=band_value(score_key))
        .filter(m_score__isnull=False)
        .annotate(
            m_rid=F("round_id"),
            m_pid=F("participant_id"),
            m_mid=F("municipality_id"),
            m_rank=Case(
                *[When(m_band=code, then=Value(rank)) for rank, code in enumerate(band_order)],
                default=Value(None),
                output_field=IntegerField(),
            ),
        )
        .order_by()
        .values("m_rid", "m_pid", "m_mid", "m_score", "m_rank")
    )


INSIGHT_COLUMNS = ("kind", "round_id", "municipality_id", "n", "mean", "squares", "band_pairs", "better")


def insight_select(
    round_list: Sequence[MeasurementRound], instrument: Instrument, score_key: str, band_order: Sequence[str]
) -> tuple[str, list[Any]]:
    """The insight page's figures per round and municipality, in one query (columns INSIGHT_COLUMNS,
    ordered by kind, round and municipality):

    * kind 0, per round, the children with the score: number, mean, sum of squared deviations;
    * kind 1, per later round, the children measured in the round and at baseline (a join of the round's
      measurements to the baseline's on the participant): the number, mean and sum of squared deviations
      of their changes, and how many have a band at both times and a better one.

    Both come from the rows of ``_scored`` (the score and band read through measurement_sql), computed
    once (MATERIALIZED on PostgreSQL: one pass over the intervention's measurements), grouped by round and
    municipality: a few hundred rows at most, whatever the number of measurements. A measurement's
    municipality is its participant's, so joining on both pairs own children with own and the others'
    with the others', as the groups are formed. The insight page reads these rows live, or from
    InsightSummary, where outcomes.services.insight_summary stored the same query's rows."""
    scored_sql, params = _compiled(_scored([r.pk for r in round_list], instrument, score_key, band_order))
    postgresql = connection.vendor == "postgresql"

    def squares(value: str) -> str:
        # the sum of squared deviations within one municipality; SQLite has no variance function
        if postgresql:
            return f"COALESCE(VAR_SAMP({value}) * (COUNT(*) - 1), 0.0)"
        return f"MAX(SUM({value} * {value}) - COUNT(*) * AVG({value}) * AVG({value}), 0.0)"

    difference = "(later.m_score - base.m_score)"
    materialized = "MATERIALIZED " if postgresql else ""  # SQLite materialises a CTE used twice itself
    sql = (
        f"WITH scored AS {materialized}({scored_sql}) "  # noqa: S608 - the ORM's SQL, values as parameters
        "SELECT 0 AS kind, m_rid AS round_id, m_mid AS municipality_id, COUNT(*) AS n, AVG(m_score) AS mean, "
        f"{squares('m_score')} AS squares, 0 AS band_pairs, 0 AS better "
        "FROM scored GROUP BY m_rid, m_mid "
        "UNION ALL "
        f"SELECT 1, later.m_rid, later.m_mid, COUNT(*), AVG({difference}), {squares(difference)}, "
        "SUM(CASE WHEN later.m_rank IS NOT NULL AND base.m_rank IS NOT NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN later.m_rank < base.m_rank THEN 1 ELSE 0 END) "
        "FROM scored later JOIN scored base ON base.m_pid = later.m_pid AND base.m_mid = later.m_mid "
        "WHERE base.m_rid = %s AND later.m_rid <> %s "
        "GROUP BY later.m_rid, later.m_mid"
    )
    baseline_id = round_list[0].pk
    return sql, [*params, baseline_id, baseline_id]


def _fold(
    rows: Any, own_id: int | None
) -> tuple[dict[int, tuple[_Group, _Group]], dict[int, tuple[_Group, _Group]]]:
    """The rows of insight_select (in its order) folded into the own municipality and the others as one
    group, per round: the levels, and the changes from baseline."""
    sums: dict[int, tuple[_Group, _Group]] = {}
    changes: dict[int, tuple[_Group, _Group]] = {}
    for kind, round_id, municipality_id, n, mean, squares, band_pairs, better in rows:
        own, others = (changes if kind else sums).setdefault(round_id, (_Group(), _Group()))
        (own if municipality_id == own_id else others).add(
            int(n), float(mean), float(squares), int(band_pairs or 0), int(better or 0)
        )
    return sums, changes


def _insight_sums(
    round_list: Sequence[MeasurementRound],
    instrument: Instrument,
    intervention: Intervention,
    score_key: str,
    band_order: Sequence[str],
    own_id: int | None,
) -> tuple[dict[int, tuple[_Group, _Group]], dict[int, tuple[_Group, _Group]]]:
    """The folded figures from InsightSummary when it is current (its version is the measurements' and
    its baseline the first round's: one small query, the rows read only where the state says so, no
    measurement read), else live from the measurements (insight_select: one query over the
    intervention's measurements; so too when the summary has no row for the score: no child has it)."""
    values = {
        "intervention": intervention.pk,
        "instrument": instrument.pk,
        "score_key": score_key,
        "baseline": round_list[0].pk,
    }
    summary = compiled_queries.rows("insight summary", _current_summary_query, values)
    if summary:
        return _fold(summary, own_id)
    sql, params = insight_select(round_list, instrument, score_key, band_order)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY 1, 2, 3", params)
        return _fold(cursor.fetchall(), own_id)


def _current_summary_query(values: compiled_queries.Values) -> QuerySet[Any]:
    """The summary's rows of the intervention, instrument and score, while it is current (compiled once
    per process: see db.compiled_queries)."""
    current = InsightVersion.objects.filter(
        intervention_id=OuterRef("intervention_id"),
        instrument_id=OuterRef("instrument_id"),
        summary_version=F("version"),
        summary_baseline_id=values["baseline"],
    )
    return (
        InsightSummary.objects.filter(
            Exists(current),
            intervention_id=values["intervention"],
            instrument_id=values["instrument"],
            score_key=values["score_key"],
        )
        .order_by("kind", "round_id", "municipality_id")
        .values_list(*INSIGHT_COLUMNS)
    )


def _compiled(rows: QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    return sql, list(params)


def _change_statistics(
    group: _Group | None,
) -> tuple[float | None, float | None, float | None, float | None]:
    """Mean change with its 95 % t-interval (engine.statistics.pre_post.mean_change_interval, the interval
    of analyse_pre_post) and the share of children in a better band; None with fewer than 3 pairs."""
    if group is None or group.n < 3:
        return None, None, None, None
    try:
        interval = mean_change_interval(group.n, group.mean, group.sd)
    except StatisticsInputError:
        return None, None, None, None
    better = group.better / group.band_pairs if group.band_pairs else None
    return interval.estimate, interval.ci_low, interval.ci_high, better


def insight(
    *,
    user: User | AnonymousUser,
    intervention: Intervention,
    instrument: Instrument,
    score_key: str,
    municipality: Organisation | None,
) -> list[RoundInsight]:
    """A municipality's scores over the rounds next to the other municipalities in the intervention.

    Only aggregates are returned. A municipality person sees their own municipality, and only for
    interventions it takes part in (404 otherwise); the agency may pick any. The other municipalities are
    one group, never "all municipalities" (which would give theirs away by subtracting one's own), and are
    shown only where the group passes disclosure control (engine/disclosure.py, thresholds in settings).

    The aggregates per round and municipality come from the summary table kept current by the writes
    (InsightSummary, a few hundred rows), or while it is being refreshed from the database's GROUP BY over
    the measurements: a fixed number of queries, whatever the number of measurements.
    """
    access.require_insight_reader(user, municipality)
    round_list = list(rounds(intervention=intervention))
    # the agency compares every intervention with rounds (compared_interventions): the rounds just read
    # tell; anyone else is asked whether their municipality takes part
    if not round_list or (
        not access.can_see_aggregates(user)
        and not compared_interventions(user=user).filter(pk=intervention.pk).exists()
    ):
        raise Http404
    engine = engine_instrument(instrument)
    try:
        band_order = engine.band_order(score_key)
    except (ValueError, KeyError):
        band_order = ()
    own_id = municipality.pk if municipality is not None else None
    sums, changes = _insight_sums(round_list, instrument, intervention, score_key, band_order, own_id)
    result = []
    for index, measurement_round in enumerate(round_list):
        own, others = sums.get(measurement_round.pk, (_Group(), _Group()))
        item = RoundInsight(round=measurement_round, n=own.n, mean=own.mean if own.n else None)
        if comparison_disclosed(others.n, others.municipalities):
            item.others_n = others.n
            item.others_mean = others.mean if others.n else None
        else:
            item.others_suppressed = True
        if index > 0:
            own_change, others_change = changes.get(measurement_round.pk, (_Group(), _Group()))
            item.change, item.ci_low, item.ci_high, item.better_band_share = _change_statistics(own_change)
            if comparison_disclosed(others_change.n, others_change.municipalities):
                (
                    item.others_change,
                    item.others_ci_low,
                    item.others_ci_high,
                    item.others_better_band_share,
                ) = _change_statistics(others_change)
            else:
                item.others_change_suppressed = True
        result.append(item)
    return result


def comparison_disclosed(children: int, municipalities: int) -> bool:
    """Whether a group of other municipalities' children may be shown (engine/disclosure.py's comparison
    group rule with the thresholds in settings): an empty group reveals nothing and shows as no data."""
    if not children:
        return True
    return comparison_group_allowed(
        children,
        municipalities,
        min_children=settings.DISCLOSURE_MIN_CHILDREN,
        min_units=settings.DISCLOSURE_MIN_MUNICIPALITIES,
    )


# --- set-up of result documentation per intervention -------------------------------------------------------


def setup_interventions(*, user: User | AnonymousUser) -> QuerySet[Intervention]:
    """The interventions whose result documentation set-up the person may read: every one for the agency,
    else those of the person's partner municipalities and assigned evaluator organisations."""
    rows = Intervention.objects.all()
    if access.can_read_every_setup(user):
        return rows.order_by("name", "pk")
    partner = Intervention.objects.filter(partnerships__municipality_id__in=municipality_ids_of(user))
    assigned = EvaluatorAssignment.objects.filter(evaluator_id__in=organisation_ids_of(user))
    return rows.filter(
        Q(pk__in=partner.values("pk")) | Q(pk__in=assigned.values("intervention_id"))
    ).order_by("name", "pk")


def setup_intervention(*, user: User | AnonymousUser, pk: int) -> Intervention:
    """Raises DoesNotExist for an intervention the person may not read the set-up of (a 404)."""
    return setup_interventions(user=user).select_related("owner").get(pk=pk)


def default_retention_days() -> int:
    """The retention period of an intervention without its own (settings.DEFAULT_RETENTION_DAYS)."""
    return int(getattr(settings, "DEFAULT_RETENTION_DAYS", 5 * 365))


@dataclass
class InterventionSetup:
    intervention: Intervention
    rounds: Sequence[MeasurementRound]
    retention_days: int | None  # None: the default applies
    default_retention_days: int
    assignments: list[EvaluatorAssignment]

    @property
    def effective_retention_days(self) -> int:
        return self.retention_days if self.retention_days is not None else self.default_retention_days


def intervention_setup(*, intervention: Intervention) -> InterventionSetup:
    """Rounds (with their number of measurements), retention and evaluators: 3 queries."""
    round_list = list(
        MeasurementRound.objects.filter(intervention=intervention)
        .annotate(measurement_count=Count("measurements"))
        .order_by("order", "opens_on")
    )
    policy = RetentionPolicy.objects.filter(intervention=intervention).first()
    assignments = list(
        EvaluatorAssignment.objects.filter(intervention=intervention)
        .select_related("evaluator")
        .order_by("evaluator__name")
    )
    return InterventionSetup(
        intervention=intervention,
        rounds=round_list,
        retention_days=policy.retention_days if policy else None,
        default_retention_days=default_retention_days(),
        assignments=assignments,
    )


def setup_round(*, intervention: Intervention, pk: int) -> MeasurementRound:
    return MeasurementRound.objects.select_related("intervention").get(intervention=intervention, pk=pk)


def setup_assignment(*, intervention: Intervention, pk: int) -> EvaluatorAssignment:
    return EvaluatorAssignment.objects.select_related("evaluator").get(intervention=intervention, pk=pk)


def assignable_evaluators(*, intervention: Intervention) -> QuerySet[Organisation]:
    """Active evaluator organisations not yet assigned to the intervention."""
    assigned = EvaluatorAssignment.objects.filter(intervention=intervention).values("evaluator_id")
    return (
        Organisation.objects.filter(kind=OrganisationKind.EVALUATOR, is_active=True)
        .exclude(pk__in=assigned)
        .order_by("name")
    )


def instruments_in_use(intervention: Intervention) -> list[Instrument]:
    """The instruments the intervention's children are measured with, the most used first (the default
    of forms that ask for one)."""
    counts = (
        Measurement.objects.filter(round__intervention=intervention)
        .values("instrument")
        .annotate(n=Count("id"))
        .order_by("-n", "instrument")
    )
    by_pk = Instrument.objects.in_bulk([row["instrument"] for row in counts])
    return [by_pk[row["instrument"]] for row in counts if row["instrument"] in by_pk]
