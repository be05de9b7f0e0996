"""Reads of the register and the portfolio, scoped to what the person may see (who sees what is decided
in access.py).

Board and table use a fixed number of queries whatever the number of interventions (tested).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple, overload

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from indsats.accounts.models import Organisation, OrganisationKind, User
from indsats.accounts.permissions import (
    VIEW_PORTFOLIO,
    municipality_ids_of,
    organisation_ids_of,
    require_permission,
)
from indsats.audit import version
from indsats.db import compiled_queries
from indsats.db.any_of import AnyOfSubquery
from indsats.db.compiled_lookups import CompiledQuery
from indsats.db.nested_rows import (
    attach_children,
    child_rows_from_json,
    children_json,
    set_prefetched,
)
from indsats.interventions import portfolio_totals
from indsats.interventions.access import (
    require_manage,
    seen_by_organisations,
    sees_intervention,
    sees_portfolio,
    visible_interventions,
)
from indsats.interventions.models import (
    OPEN_REVIEW_STATUSES,
    EventKind,
    GateDecision,
    GateReview,
    Intervention,
    InterventionEvent,
    KnowledgeDeclaration,
    Partnership,
    PhaseRecord,
    PracticeAssessment,
    PracticeElementScore,
    ProblemArea,
    ReviewStatus,
)
from indsats.interventions.workflow import PHASES, InterventionState, is_phase
from indsats.ui.choices import labels_of
from indsats.ui.converters import as_id


def data_version() -> str:
    """What a cached page is keyed by, so that it is never older than the data (``audit.version``)."""
    return version.data_version()


# what the detail page lists of an intervention, read in its own query (see nested_rows)
DETAIL_LISTS = ("problem_areas", "materials", "references", "contacts")


def _with_detail(interventions: QuerySet[Intervention]) -> QuerySet[Intervention]:
    return (
        interventions.order_by()  # one row
        .select_related("owner")  # its creator is shown nowhere: not joined
        .annotate(**{f"{relation}_json": children_json(Intervention, relation) for relation in DETAIL_LISTS})
    )


# the read of one intervention with its lists, compiled once per process (the four lists' subqueries cost
# more to compile than the database's answer); who may see it is answered from it and its partners' rows
# (access.sees_intervention), so every person's read is the same two queries
_DETAIL = CompiledQuery(lambda pk: _with_detail(Intervention.objects.filter(pk=pk)))
_PARTNERSHIP_FIELDS = [field.attname for field in Partnership._meta.concrete_fields]
_MUNICIPALITY_FIELDS = [field.attname for field in Organisation._meta.concrete_fields]


def _partnerships_query(values: compiled_queries.Values) -> QuerySet[Any]:
    return Partnership.objects.filter(intervention_id=values["intervention"]).values_list(
        *_PARTNERSHIP_FIELDS, *(f"municipality__{name}" for name in _MUNICIPALITY_FIELDS)
    )


def partnerships_of(pk: int) -> list[Partnership]:
    """An intervention's partnerships with their municipalities, as
    `Partnership.objects.select_related("municipality")` gives them (every field of both, in
    Partnership's order), from plain rows of a query compiled once per process (see compiled_queries):
    the ORM's making of instances with a join cost more than the rows."""
    split = len(_PARTNERSHIP_FIELDS)
    partnerships = []
    for row in compiled_queries.rows("detail partnerships", _partnerships_query, {"intervention": pk}):
        partnership = Partnership.from_db(DEFAULT_DB_ALIAS, _PARTNERSHIP_FIELDS, row[:split])
        municipality = Organisation.from_db(DEFAULT_DB_ALIAS, _MUNICIPALITY_FIELDS, row[split:])
        Partnership.municipality.field.set_cached_value(partnership, municipality)
        partnerships.append(partnership)
    return partnerships


def intervention_detail(*, user: User, pk: int) -> Intervention:
    """One intervention with what its page shows; 404 when it does not exist or is not visible."""
    found = _DETAIL.rows(pk)
    if not found:
        raise Http404
    intervention = found[0]
    set_prefetched(intervention, "partnerships", partnerships_of(pk))
    if not sees_intervention(user, intervention):
        raise Http404
    for relation in DETAIL_LISTS:
        attach_children(intervention, relation)
    return intervention


# the detail page's lists of one intervention: plain rows by queries compiled once per process (see
# compiled_queries), no model instances


class ChecklistLine(NamedTuple):
    """A deliverable on a phase's checklist, as the detail page shows it."""

    title: str
    is_required: bool
    is_done: bool
    done_on: datetime.date | None


class PhaseLine(NamedTuple):
    """A phase record as the detail page shows it: no model instances, only their values."""

    phase: str
    actual_start: datetime.date | None
    actual_end: datetime.date | None
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    committed_amount: Decimal
    checklist: list[ChecklistLine]  # in its order; only the current phase's (empty for the others)
    organisations: list[str]  # their names in their order; only the current phase's (empty for the others)


def phase_records(intervention: Intervention) -> list[PhaseLine]:
    """The intervention's phase records in one query, read as plain rows by a query compiled once per
    process (see compiled_queries); the current phase's with its checklist and organisations (the only
    ones the page shows: the others' are read in the same query but not made into lines)."""
    rows = compiled_queries.rows(
        "detail phase records", _phase_records_query, {"intervention": intervention.pk}
    )
    lines = []
    for phase, actual_start, actual_end, planned_start, planned_end, amount, checklist, organisations in rows:
        current = phase == intervention.state
        items = child_rows_from_json(PhaseRecord, "checklist", checklist) if current else []
        names = child_rows_from_json(PhaseRecord, "organisations", organisations) if current else []
        checklist_lines = [
            ChecklistLine(
                item["title"],
                bool(item["is_required"]),  # SQLite's JSON writes a boolean as 0 or 1
                bool(item["is_done"]),
                datetime.date.fromisoformat(item["done_on"]) if item["done_on"] else None,
            )
            for item in items
        ]
        lines.append(
            PhaseLine(
                phase,
                actual_start,
                actual_end,
                planned_start,
                planned_end,
                amount,
                checklist_lines,
                [organisation["name"] for organisation in names],
            )
        )
    return lines


def _phase_records_query(values: compiled_queries.Values) -> QuerySet[Any]:
    return (
        PhaseRecord.objects.filter(intervention_id=values["intervention"])
        .annotate(
            checklist_json=children_json(PhaseRecord, "checklist"),
            organisations_json=children_json(PhaseRecord, "organisations"),
        )
        .values_list(*PhaseLine._fields[:6], "checklist_json", "organisations_json")
    )


def phase_record_for(*, user: User, intervention: Intervention, phase: str) -> PhaseRecord:
    """The record of one phase, for the agency to update."""
    require_manage(user, intervention)
    try:
        return (
            PhaseRecord.objects.prefetch_related("checklist", "organisations")
            .select_related("intervention")
            .get(intervention=intervention, phase=phase)
        )
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


# --- filters shared by board, table, export and API ---------------------------------------------------


@dataclass(frozen=True)
class PortfolioFilters:
    query: str = ""
    problem_area: int | None = None
    programme: str = ""
    state: str = ""
    municipality: int | None = None

    @classmethod
    def from_querydict(cls, data: Any) -> PortfolioFilters:
        def as_int(name: str) -> int | None:
            return as_id(data.get(name) or "")

        state = data.get("fase", "") or ""
        return cls(
            query=(data.get("q", "") or "").strip()[:100],
            problem_area=as_int("problemomraade"),
            programme=(data.get("program", "") or "").strip()[:200],
            state=state if state in InterventionState.values else "",
            municipality=as_int("kommune"),
        )

    def as_query(self) -> dict[str, Any]:
        pairs = {
            "q": self.query,
            "problemomraade": self.problem_area or "",
            "program": self.programme,
            "fase": self.state,
            "kommune": self.municipality or "",
        }
        return {k: v for k, v in pairs.items() if v}

    def values(self) -> dict[str, Any]:
        """The filters that are set, by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def is_empty(self) -> bool:
        return not self.as_query()


def filter_interventions(
    queryset: QuerySet[Intervention], filters: PortfolioFilters
) -> QuerySet[Intervention]:
    if filters.query:
        queryset = queryset.filter(
            Q(name__icontains=filters.query)
            | Q(short_description__icontains=filters.query)
            | Q(owner__name__icontains=filters.query)
        )
    if filters.problem_area:
        queryset = queryset.filter(
            Exists(
                ProblemArea.interventions.through.objects.filter(
                    intervention_id=OuterRef("pk"), problemarea_id=filters.problem_area
                )
            )
        )
    if filters.programme:
        queryset = queryset.filter(programme=filters.programme)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.municipality:
        queryset = queryset.filter(
            Exists(
                Partnership.objects.filter(intervention=OuterRef("pk"), municipality_id=filters.municipality)
            )
        )
    return queryset


OPEN_REVIEW_STATES = [ReviewStatus.DRAFT, ReviewStatus.SUBMITTED]
CARD_FIELDS = ("id", "name", "state", "state_entered_at", "programme")


def with_portfolio_facts(queryset: QuerySet[Intervention]) -> QuerySet[Intervention]:
    """Add what a card or a table row shows, as joins (no query per row, and a plan PostgreSQL makes
    quickly): the current phase's record (one per intervention and phase) and the open gate review (at
    most one per intervention, a database constraint), so neither join can repeat a row."""
    partners = (
        Partnership.objects.filter(intervention=OuterRef("pk"))
        .order_by()
        .values("intervention")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.alias(
        current=FilteredRelation("phase_records", condition=Q(phase_records__phase=F("state"))),
        open_review=FilteredRelation(
            "gate_reviews", condition=Q(gate_reviews__status__in=OPEN_REVIEW_STATES)
        ),
    ).annotate(
        waiting_review=_is_review(ReviewStatus.SUBMITTED),
        draft_review=_is_review(ReviewStatus.DRAFT),
        planned_end=F("current__planned_end"),
        committed_in_phase=F("current__committed_amount"),
        partner_count=Coalesce(Subquery(partners, output_field=IntegerField()), 0),
        owner_name=F("owner__name"),
    )


def _is_review(status: str) -> Case:
    """True when the open review has this status; False (not NULL) when there is none."""
    return Case(When(open_review__status=status, then=Value(True)), default=Value(False))


def days_in_state(intervention: Intervention, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return max(0, (today - timezone.localtime(intervention.state_entered_at).date()).days)


def is_review_due(intervention: Any, today: datetime.date | None = None) -> bool:
    """A phase whose planned end has passed, with no review waiting for the steering group."""
    today = today or timezone.localdate()
    planned_end = getattr(intervention, "planned_end", None)
    return bool(
        is_phase(intervention.state)
        and planned_end is not None
        and planned_end < today
        and not getattr(intervention, "waiting_review", False)
    )


def _decorate(interventions: list[Any]) -> list[Any]:
    """days_in_state and is_review_due on each card or row (a Card: its `entered_on` is the local day it
    entered its state), the day asked for once (tested equal to the two functions)."""
    today = timezone.localdate()
    for intervention in interventions:
        intervention.days_in_state = max(0, (today - intervention.entered_on).days)
        planned_end = intervention.planned_end
        intervention.review_due = bool(
            planned_end is not None
            and planned_end < today
            and not intervention.waiting_review
            and is_phase(intervention.state)
        )
    return interventions


# --- the board and the table --------------------------------------------------------------------------


@dataclass
class Card:
    """What a board card shows (the attributes a table row reads, see display.rows_for)."""

    pk: int
    name: str
    state: str
    entered_on: datetime.date  # the day it entered its state, in local time (see _entered_on)
    owner_name: str
    waiting_review: bool
    draft_review: bool
    planned_end: datetime.date | None
    programme: str = ""
    partner_count: int = 0
    committed_in_phase: Decimal | None = None
    days_in_state: int = 0
    review_due: bool = False


@dataclass
class BoardColumn:
    state: str
    label: str
    count: int
    committed: Decimal
    cards: list[Card]

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


@dataclass
class Board:
    columns: list[BoardColumn]
    end_states: list[BoardColumn]
    total: int
    waiting_reviews: int
    reviews_due: int
    committed_total: Decimal
    pipeline: list[tuple[datetime.date, dict[str, int]]] = field(default_factory=list)


def portfolio_board(*, user: User, filters: PortfolioFilters, per_column: int = 15) -> Board:
    """The portfolio by phase: a column per phase with the longest-waiting cards first.

    A fixed number of queries whatever the number of interventions: the first `per_column` cards of
    each phase (each phase's rows read through the index up to its limit; none for `per_column` 0), the
    counts per state and the money per phase (unfiltered: the rows portfolio_totals keeps; filtered: one
    query of two GROUP BYs), and the pipeline in one more."""
    require_permission(user, VIEW_PORTFOLIO)
    today = timezone.localdate()
    per_state, committed = _board_totals(filters, today)
    cards = _board_cards(filters, per_column)
    for phase_cards in cards.values():
        _decorate(phase_cards)

    def count(state: str, key: str = "n") -> int:
        return per_state.get(state, {}).get(key, 0)

    labels = labels_of(Intervention, "state")  # translated once per process and language

    columns = [
        BoardColumn(
            phase, labels[phase], count(phase), committed.get(phase) or Decimal(0), cards.get(phase, [])
        )
        for phase in PHASES
    ]
    end_states = [
        BoardColumn(state, labels[state], count(state), Decimal(0), [])
        for state in (InterventionState.OPERATION, InterventionState.STOPPED)
    ]
    return Board(
        columns=columns,
        end_states=end_states,
        total=sum(counts["n"] for counts in per_state.values()),
        waiting_reviews=sum(count(phase, "waiting") for phase in PHASES),
        reviews_due=sum(count(phase, "due") for phase in PHASES),
        committed_total=sum(committed.values(), Decimal(0)),
        pipeline=_board_pipeline(filters, today),
    )


def _filters_among(values: compiled_queries.Values) -> PortfolioFilters:
    names = {f.name for f in fields(PortfolioFilters)}
    return PortfolioFilters(**{k: v for k, v in values.items() if k in names})


def _chosen(values: compiled_queries.Values) -> QuerySet[Intervention] | None:
    """The interventions the filters among `values` choose; None when no filter is set (every
    intervention: the same rows without a subquery to plan and join)."""
    filters = _filters_among(values)
    return None if filters.is_empty else filter_interventions(Intervention.objects.all(), filters)


def _board_pipeline(
    filters: PortfolioFilters, today: datetime.date, quarters: int = 12
) -> list[tuple[datetime.date, dict[str, int]]]:
    """pipeline_over_time for the board's filters, its SQL compiled once per set of filters."""
    points = quarter_ends(quarters, today)
    limits = {f"limit{i}": limit for i, limit in enumerate(_pipeline_limits(points))}

    def build(values: compiled_queries.Values) -> QuerySet[Any]:
        events = InterventionEvent.objects.all()
        chosen = _chosen(values)
        if chosen is not None:
            events = events.filter(intervention__in=chosen.values("pk"))
        return _pipeline_changes(events.exclude(to_state=""), [values[name] for name in limits])

    grouped = compiled_queries.rows("board pipeline", build, {**filters.values(), **limits})
    return _accumulate_pipeline(grouped, points)


def _board_totals(
    filters: PortfolioFilters, today: datetime.date
) -> tuple[dict[str, dict[str, int]], dict[str, Decimal]]:
    """Per state with interventions: how many, how many wait for the steering group and how many have a
    review due; and per phase the money committed. One query (its SQL compiled once per process and set
    of filters): the counts' GROUP BY beside the money's, a row each per state and per phase. The
    unfiltered board (the common one) reads them from the rows the writes keep (portfolio_totals)."""
    if filters.is_empty:
        kept = portfolio_totals.stored(today)
        if kept is not None:
            return kept
    values = {**filters.values(), "today": today}
    counts: dict[str, dict[str, int]] = {}
    committed: dict[str, Decimal] = {}
    rows = compiled_queries.rows("board totals", _board_totals_query, values)
    for kind, state, n, waiting, due, money in rows:
        if kind == TOTALS_COUNTS:
            counts[state] = {"n": n, "waiting": waiting, "due": due}
        else:
            committed[state] = money
    return counts, committed


TOTALS_COUNTS, TOTALS_MONEY = 0, 1


def _board_totals_query(values: compiled_queries.Values) -> QuerySet[Any]:
    waiting = Q(waiting_review=True)
    no_money = Value(None, output_field=DecimalField())
    no_count = Value(None, output_field=IntegerField())
    counts = (
        filter_interventions(Intervention.objects.all(), _filters_among(values))
        .alias(
            current=FilteredRelation("phase_records", condition=Q(phase_records__phase=F("state"))),
            open_review=FilteredRelation(
                "gate_reviews", condition=Q(gate_reviews__status__in=OPEN_REVIEW_STATES)
            ),
            waiting_review=_is_review(ReviewStatus.SUBMITTED),
        )
        .order_by()
        .values("state")
        .annotate(
            n=Count("pk"),
            n_waiting=Count("pk", filter=waiting),
            n_due=Count("pk", filter=Q(current__planned_end__lt=values["today"]) & ~waiting),
        )
        .values_list(Value(TOTALS_COUNTS), "state", "n", "n_waiting", "n_due", no_money)
    )
    records = PhaseRecord.objects.all()
    chosen = _chosen(values)
    if chosen is not None:
        records = records.filter(intervention__in=chosen.values("pk"))
    money = (
        records.order_by()
        .values("phase")
        .annotate(total=Sum("committed_amount"))
        .values_list(Value(TOTALS_MONEY), "phase", no_count, no_count, no_count, "total")
    )
    return counts.union(money, all=True)


def _board_cards(filters: PortfolioFilters, per_column: int) -> dict[str, list[Card]]:
    """Per phase: its first `per_column` interventions, longest in the phase first, with only the joins a
    card needs (the current phase's planned end, the open review), as plain tuples. The query's SQL is
    compiled once per process, number of cards and set of filters (see compiled_queries)."""
    if per_column <= 0:
        return {}
    rows = compiled_queries.rows(
        f"board cards {per_column} {timezone.get_current_timezone_name()}",
        partial(_board_cards_query, per_column=per_column),
        filters.values(),
    )
    result: dict[str, list[Card]] = {}
    for pk, name, state, entered_on, owner_name, review, planned_end in rows:
        result.setdefault(state, []).append(
            Card(
                pk=pk,
                name=name,
                state=state,
                entered_on=entered_on,
                owner_name=owner_name,
                waiting_review=review == ReviewStatus.SUBMITTED,
                draft_review=review == ReviewStatus.DRAFT,
                planned_end=planned_end,
            )
        )
    return result


def _board_cards_query(values: compiled_queries.Values, *, per_column: int) -> QuerySet[Any]:
    return (
        Intervention.objects.filter(AnyOfSubquery(F("pk"), _first_of_each_phase(values, per_column)))
        .alias(
            current=FilteredRelation("phase_records", condition=Q(phase_records__phase=F("state"))),
            open_review=FilteredRelation(
                "gate_reviews", condition=Q(gate_reviews__status__in=OPEN_REVIEW_STATES)
            ),
        )
        .annotate(
            review_status=F("open_review__status"),
            current_planned_end=F("current__planned_end"),
            owner_name=F("owner__name"),
            entered_on=_entered_on(),
        )
        .order_by("state", "state_entered_at", "pk")
        .values_list(
            "pk", "name", "state", "entered_on", "owner_name", "review_status", "current_planned_end"
        )
    )


def _entered_on() -> TruncDate:
    """The local day an intervention entered its state, converted by the database (a date is read
    much faster than a timestamp with its time zone: the board's and the table's rows each read one).
    The time zone's name is written into the SQL: compiled queries carry it in their names."""
    return TruncDate("state_entered_at", tzinfo=timezone.get_current_timezone())


def _first_of_each_phase(values: compiled_queries.Values, per_column: int) -> QuerySet[Any]:
    """The ids of each phase's first `per_column` chosen interventions (in the phase the longest first),
    a LIMIT per phase over the (state, state_entered_at, id) index, so that no more rows are read than
    the board shows. SQLite takes no LIMIT in a member of a UNION: there each member is an `IN` of its
    own limited subquery."""
    chosen = filter_interventions(Intervention.objects.all(), _filters_among(values))
    members = [
        chosen.filter(state=phase).order_by("state_entered_at", "pk").values("pk")[:per_column]
        for phase in PHASES
    ]
    if not connection.features.supports_slicing_ordering_in_compound:
        members = [Intervention.objects.filter(pk__in=member).order_by().values("pk") for member in members]
    first, *others = members
    return first.union(*others, all=True)


class CountedPaginator(Paginator):
    """A paginator given its number of rows, counted by a cheaper query than its rows' own."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self) -> int:  # type: ignore[override]  # a cached_property in Django
        return self._count


TABLE_ORDERINGS = {
    "navn": ("name",),
    "fase": ("state", "name"),
    "tid": ("state_entered_at", "name"),
    "ejer": ("owner__name", "name"),
    "program": ("programme", "name"),
}


@dataclass
class TableRow(Card):
    """What a table row shows: a card's facts and the intervention's problem areas."""

    area_names: list[str] = field(default_factory=list)


def portfolio_table(
    *, user: User, filters: PortfolioFilters, page: int | str = 1, order: str = "navn", per_page: int = 50
) -> Page[TableRow]:
    """A page of the portfolio in the chosen order. Its rows' query is compiled once per process, set of
    filters, order and page (see compiled_queries): the page's offset is written into the SQL."""
    require_permission(user, VIEW_PORTFOLIO)
    order = order if order in TABLE_ORDERINGS else "navn"
    # counted without the facts' joins: they add no rows (see with_portfolio_facts), only work
    (count,) = compiled_queries.counts("table count", _chosen_to_count, filters.values())
    paginator = CountedPaginator(_TableRows(filters, order, count), per_page, count=count)
    result = paginator.get_page(page)
    _decorate(list(result.object_list))
    return result


def _chosen_to_count(values: compiled_queries.Values) -> tuple[QuerySet[Intervention]]:
    return (filter_interventions(Intervention.objects.all(), _filters_among(values)),)


class _TableRows(Sequence[TableRow]):
    """The table's rows, read a slice (a page) at a time."""

    def __init__(self, filters: PortfolioFilters, order: str, count: int) -> None:
        self.filters, self.order, self.total = filters, order, count

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> TableRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[TableRow]: ...

    def __getitem__(self, index: int | slice) -> TableRow | list[TableRow]:
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop, _step = index.indices(self.total)
        if start >= stop:  # an empty page (no rows chosen): the ORM would not query
            return []

        def build(values: compiled_queries.Values) -> QuerySet[Any]:
            chosen = filter_interventions(Intervention.objects.all(), PortfolioFilters(**values))
            return (
                with_portfolio_facts(chosen)
                .annotate(
                    problem_areas_json=children_json(Intervention, "problem_areas"), entered_on=_entered_on()
                )
                .order_by(*TABLE_ORDERINGS[self.order], "pk")
                .values_list(*TABLE_ROW_FIELDS, "problem_areas_json")[start:stop]
            )

        name = f"table {self.order} {start}:{stop} {timezone.get_current_timezone_name()}"
        return [
            TableRow(
                **dict(zip(TABLE_ROW_FIELDS, row[:-1], strict=True)),
                area_names=[
                    area["name"] for area in child_rows_from_json(Intervention, "problem_areas", row[-1])
                ],
            )
            for row in compiled_queries.rows(name, build, self.filters.values())
        ]


TABLE_ROW_FIELDS = (
    "pk",
    "name",
    "state",
    "entered_on",
    "owner_name",
    "waiting_review",
    "draft_review",
    "planned_end",
    "programme",
    "partner_count",
    "committed_in_phase",
)


def export_rows(*, user: User, filters: PortfolioFilters) -> QuerySet[Intervention]:
    """Every intervention matching the filters, for the Excel export."""
    require_permission(user, VIEW_PORTFOLIO)
    return (
        with_portfolio_facts(filter_interventions(Intervention.objects.all(), filters))
        .select_related("owner")
        .prefetch_related(
            "problem_areas",
            Prefetch("partnerships", queryset=Partnership.objects.select_related("municipality")),
        )
        .order_by("name")
    )


def quarter_ends(count: int, today: datetime.date) -> list[datetime.date]:
    """The last `count` quarter ends, the current (unfinished) quarter ending today."""
    points = [today]
    year, quarter = today.year, (today.month - 1) // 3  # the quarter before the current one: index 0-3
    for _ in range(count - 1):
        if quarter == 0:
            year, quarter = year - 1, 4
        month = quarter * 3
        last_day = datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)
        points.append(last_day)
        quarter -= 1
    return list(reversed(points))


def pipeline_over_time(
    *,
    interventions: QuerySet[Intervention],
    quarters: int = 12,
    today: datetime.date | None = None,
    every: bool = False,
) -> list[tuple[datetime.date, dict[str, int]]]:
    """How many interventions were in each state at the end of each of the last `quarters` quarters,
    replayed from the state changes in the history: one GROUP BY in the database, whose answer has at
    most a row per quarter and pair of states whatever the number of changes. (Not cached on its own:
    the board that shows it is.) `every`: the interventions are all of them (no subquery needed)."""
    today = today or timezone.localdate()
    events = InterventionEvent.objects.all()
    if not every:
        events = events.filter(intervention__in=interventions.values("pk"))
    events = events.exclude(to_state="")
    return _replay_pipeline(events, quarters, today)


def _replay_pipeline(
    events: QuerySet[InterventionEvent], quarters: int, today: datetime.date
) -> list[tuple[datetime.date, dict[str, int]]]:
    """In a state at a moment = state changes into it before the moment minus those out of it (every
    state change records both states; registration only the first), counted in one scan of the table."""
    points = quarter_ends(quarters, today)
    grouped = _pipeline_changes(events, _pipeline_limits(points))
    return _accumulate_pipeline(grouped, points)


def _pipeline_limits(points: list[datetime.date]) -> list[datetime.datetime]:
    """The first moment after each point, local time."""
    zone = timezone.get_current_timezone()
    return [
        timezone.make_aware(datetime.datetime.combine(p + datetime.timedelta(days=1), datetime.time()), zone)
        for p in points
    ]


def _pipeline_changes(events: QuerySet[InterventionEvent], limits: list[datetime.datetime]) -> QuerySet[Any]:
    """(the first point each change counts for, from state, to state, number of changes): changes after
    the last point count for none."""
    bucket = Case(
        *[When(at__lt=limit, then=Value(index)) for index, limit in enumerate(limits)],
        default=Value(len(limits)),
        output_field=IntegerField(),
    )
    return (
        events.order_by()
        .annotate(bucket=bucket)
        .values_list("bucket", "from_state", "to_state")
        .annotate(n=Count("id"))
    )


def _accumulate_pipeline(
    grouped: Any, points: list[datetime.date]
) -> list[tuple[datetime.date, dict[str, int]]]:
    change: dict[int, Counter[str]] = defaultdict(Counter)
    for index, from_state, to_state, n in grouped:
        change[index][to_state] += n
        if from_state:
            change[index][from_state] -= n
    running: Counter[str] = Counter()
    result = []
    for index, point in enumerate(points):
        running.update(change[index])
        result.append((point, {state: n for state, n in running.items() if n}))
    return result


# --- reviews, timeline, assessments -------------------------------------------------------------------


def waiting_reviews(*, user: User) -> QuerySet[GateReview]:
    """Reviews waiting for the steering group, oldest first."""
    require_permission(user, VIEW_PORTFOLIO)
    return (
        GateReview.objects.filter(status=ReviewStatus.SUBMITTED)
        .select_related("intervention", "intervention__owner", "submitted_by")
        .order_by("submitted_at", "pk")
    )


class ReviewLine(NamedTuple):
    """A gate review as the detail page lists it, with its newest decision (None when undecided): no
    model instances, only their values."""

    pk: int
    phase: str
    status: str
    submitted_at: datetime.datetime | None
    decision_id: int | None
    decision: str | None
    decided_by_name: str | None
    decided_at: datetime.datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVIEW_STATUSES  # as GateReview.is_open


def reviews_of(*, user: User, intervention: Intervention) -> list[ReviewLine]:
    """The intervention's gate reviews, newest first, each with its newest decision; for the agency and
    the steering group only. Read as plain rows by a query compiled once per process (see
    compiled_queries)."""
    if not sees_portfolio(user):
        return []
    rows = compiled_queries.rows("detail reviews", _reviews_query, {"intervention": intervention.pk})
    return [ReviewLine(*row) for row in rows]


def _reviews_query(values: compiled_queries.Values) -> QuerySet[Any]:
    newest = GateDecision.objects.filter(review=OuterRef("pk")).order_by("-decided_at", "-id")
    decided = {
        f"decided_{name}": Subquery(newest.values(name)[:1])
        for name in ("id", "decision", "decided_by_name", "decided_at")
    }
    return (
        GateReview.objects.filter(intervention_id=values["intervention"])
        .annotate(**decided)
        .values_list("pk", "phase", "status", "submitted_at", *decided)
    )


def gate_review_detail(*, user: User, pk: int) -> GateReview:
    require_permission(user, VIEW_PORTFOLIO)
    try:
        return (
            GateReview.objects.select_related("intervention", "intervention__owner", "submitted_by")
            .prefetch_related("assessments", "decisions")
            .get(pk=pk)
        )
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


TIMELINE_SHOWN = 20  # the detail page's newest events; the rest behind "show the whole timeline"
PRACTICE_SHOWN = 20  # the detail page's newest practice assessments; the rest behind "show them all"


class EventLine(NamedTuple):
    """An event as the detail page's timeline shows it: no model instance, only its values."""

    id: int
    at: datetime.datetime
    kind: str
    from_state: str
    to_state: str
    text: str
    actor_name: str


def timeline(*, user: User, intervention: Intervention, limit: int | None = None) -> list[EventLine]:
    """The intervention's history, newest first (at most `limit` events); review steps and reasons only
    for the agency and the steering group. Read as plain rows by a query compiled once per process and
    shape (see compiled_queries): for the portfolio or not, and the limit."""
    portfolio = sees_portfolio(user)
    rows = compiled_queries.rows(
        f"detail timeline, portfolio {portfolio}, limit {limit}",
        partial(_timeline_query, portfolio=portfolio, limit=limit),
        {"intervention": intervention.pk},
    )
    lines = [EventLine(*row) for row in rows]
    return lines if portfolio else [line._replace(text="") for line in lines]


def _timeline_query(values: compiled_queries.Values, *, portfolio: bool, limit: int | None) -> QuerySet[Any]:
    """An intervention's events, newest first; without the review steps for those outside the portfolio."""
    events = InterventionEvent.objects.filter(intervention_id=values["intervention"]).order_by("-at", "-id")
    if not portfolio:
        events = events.exclude(kind__in=[EventKind.REVIEW_STARTED, EventKind.REVIEW_SUBMITTED])
    rows = events.values_list(*EventLine._fields)
    return rows if limit is None else rows[:limit]


def practice_assessments(
    *, user: User, intervention: Intervention | None = None
) -> QuerySet[PracticeAssessment]:
    """Practice assessments the person may see: all for the agency and steering group, else their own
    municipality's only."""
    assessments = PracticeAssessment.objects.select_related("municipality", "intervention").annotate(
        scores_json=children_json(PracticeAssessment, "scores")
    )
    if intervention is not None:
        assessments = assessments.filter(intervention=intervention)
    if sees_portfolio(user):
        return assessments
    return assessments.filter(municipality_id__in=municipality_ids_of(user))


@dataclass
class PracticeRow:
    assessment: PracticeAssessment
    scores: dict[str, int]
    total: int
    present: int


def practice_rows(assessments: QuerySet[PracticeAssessment] | list[PracticeAssessment]) -> list[PracticeRow]:
    """Rows for assessments from `practice_assessments` (their scores read in the same query)."""
    rows = []
    for assessment in assessments:
        attach_children(assessment, "scores")
        scores = {s.element: s.score for s in assessment.scores.all()}
        rows.append(
            PracticeRow(assessment, scores, sum(scores.values()), sum(1 for v in scores.values() if v == 2))
        )
    return rows


@dataclass(frozen=True)
class PracticeLine:
    """A practice assessment as the detail page's table shows it: no model instances, only the text."""

    municipality: str
    assessed_on: datetime.date
    scores: list[int]  # in the scores' own order (PracticeElementScore's ordering), as the table lists them

    @property
    def total(self) -> int:
        return sum(self.scores)

    @property
    def present(self) -> int:
        return sum(1 for score in self.scores if score == 2)


def intervention_practice_lines(
    *, user: User, intervention: Intervention, limit: int | None = None
) -> list[PracticeLine]:
    """The practice assessments of one intervention the person may see (practice_assessments), newest
    first (at most `limit`), read as plain rows by a query compiled once per process and shape (see
    compiled_queries): the agency and the steering group all, a municipality its own."""
    values: dict[str, Any] = {"intervention": intervention.pk}
    if not sees_portfolio(user):
        municipalities = tuple(sorted(municipality_ids_of(user)))
        if not municipalities:  # nobody's assessments: the ORM asks nothing either
            return []
        values["municipalities"] = municipalities
    rows = compiled_queries.rows(
        f"detail practice, limit {limit}", partial(_practice_lines_query, limit=limit), values
    )
    return [
        PracticeLine(
            municipality,
            assessed_on,
            [row["score"] for row in child_rows_from_json(PracticeAssessment, "scores", scores)],
        )
        for municipality, assessed_on, scores in rows
    ]


def _practice_lines_query(values: compiled_queries.Values, *, limit: int | None) -> QuerySet[Any]:
    assessments = PracticeAssessment.objects.filter(intervention_id=values["intervention"])
    if "municipalities" in values:
        assessments = assessments.filter(municipality_id__in=values["municipalities"])
    rows = assessments.annotate(scores_json=children_json(PracticeAssessment, "scores")).values_list(
        "municipality__name", "assessed_on", "scores_json"
    )
    return rows if limit is None else rows[:limit]


def practice_comparison(
    *, user: User, state: str = InterventionState.SCREENING
) -> QuerySet[PracticeAssessment]:
    """The latest assessment of each (intervention, municipality) pair, for comparing candidates: the
    highest total first, chosen and ordered in SQL (pass a page of it through `practice_rows`)."""
    assessments = practice_assessments(user=user).filter(intervention__in=visible_interventions(user))
    if state:
        assessments = assessments.filter(intervention__state=state)
    later = PracticeAssessment.objects.filter(
        Q(assessed_on__gt=OuterRef("assessed_on"))
        | Q(assessed_on=OuterRef("assessed_on"), id__gt=OuterRef("id")),
        intervention_id=OuterRef("intervention_id"),
        municipality_id=OuterRef("municipality_id"),
    )
    total = (
        PracticeElementScore.objects.filter(assessment=OuterRef("pk"))
        .order_by()
        .values("assessment")
        .annotate(total=Sum("score"))
        .values("total")
    )
    return (
        assessments.exclude(Exists(later))
        .annotate(total=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)))
        .order_by("-total", "intervention__name", "pk")
    )


class ScoreLine(NamedTuple):
    """A dimension's grade and reason in a knowledge declaration, as the detail page shows it."""

    dimension: str
    grade: str
    reason: str


class DeclarationLine(NamedTuple):
    """A knowledge declaration as the detail page shows it: its day and its scores in their order."""

    declared_on: datetime.date
    scores: list[ScoreLine]


def declarations(*, intervention: Intervention) -> list[DeclarationLine]:
    """The intervention's knowledge declarations, newest first, with their scores (read in the same
    query): plain rows by a query compiled once per process (see compiled_queries)."""
    rows = compiled_queries.rows(
        "detail declarations", _declarations_query, {"intervention": intervention.pk}
    )
    return [
        DeclarationLine(
            declared_on,
            [
                ScoreLine(score["dimension"], score["grade"], score["reason"])
                for score in child_rows_from_json(KnowledgeDeclaration, "scores", scores)
            ],
        )
        for declared_on, scores in rows
    ]


def _declarations_query(values: compiled_queries.Values) -> QuerySet[Any]:
    return (
        KnowledgeDeclaration.objects.filter(intervention_id=values["intervention"])
        .annotate(scores_json=children_json(KnowledgeDeclaration, "scores"))
        .order_by("-declared_on", "-id")
        .values_list("declared_on", "scores_json")
    )


# --- the municipality's view --------------------------------------------------------------------------


@dataclass
class MunicipalityOverview:
    taking_part: Page[Intervention]
    can_join: Page[Intervention]
    requested: set[int]  # of the interventions on the page of `can_join`


def _municipality_lists(user: User) -> tuple[QuerySet[Intervention], QuerySet[Intervention]]:
    """What a municipality takes part in (as a partner or the owner) and what it could join."""
    visible, own = _municipality_scope(user)
    return visible.filter(own), visible.filter(is_open_to_join=True).exclude(own)  # not what they run


def _municipality_scope(user: User) -> tuple[QuerySet[Intervention], Q]:
    """The interventions the municipality sees, and the condition of those it takes part in."""
    return _scope_of(municipality_ids_of(user), organisation_ids_of(user), sees_all=sees_portfolio(user))


def _scope_of(
    municipalities: Collection[int], organisations: Collection[int], *, sees_all: bool
) -> tuple[QuerySet[Intervention], Q]:
    """_municipality_scope for the person's municipalities and organisations (sees_all: the portfolio)."""
    partner = Partnership.objects.filter(intervention=OuterRef("pk"), municipality_id__in=municipalities)
    interventions = Intervention.objects.all()
    if not sees_all:
        interventions = interventions.filter(seen_by_organisations(organisations))
    visible = interventions.annotate(is_partner=Exists(partner))
    return visible, Q(is_partner=True) | Q(owner_id__in=organisations)


def municipality_overview(
    *, user: User, page: int | str = 1, join_page: int | str = 1, per_page: int = 25
) -> MunicipalityOverview:
    """The interventions page of a municipality: the two lists a page at a time, by name."""
    fields = (*CARD_FIELDS, "short_description", "owner__name")
    pages = [
        Paginator(
            interventions.select_related("owner").only(*fields).order_by("name", "pk"), per_page
        ).get_page(number)
        for interventions, number in zip(_municipality_lists(user), (page, join_page), strict=True)
    ]
    taking_part, can_join = pages
    requested = set(
        Intervention.objects.filter(
            pk__in=[i.pk for i in can_join.object_list],
            join_requests__municipality_id__in=municipality_ids_of(user),
        ).values_list("pk", flat=True)
    )
    return MunicipalityOverview(taking_part, can_join, requested)


def municipality_counts(*, user: User) -> tuple[int, int]:
    """How many interventions the municipality takes part in and could join (_municipality_lists' two
    lists, counted in one query compiled once per process: see compiled_queries)."""
    values = {
        "municipalities": tuple(sorted(municipality_ids_of(user))),
        "organisations": tuple(sorted(organisation_ids_of(user))),
    }
    sees_all = sees_portfolio(user)
    rows = compiled_queries.rows(
        f"municipality counts, sees all: {sees_all}",
        partial(_municipality_counts_query, sees_all=sees_all),
        values,
    )
    return rows[0] if rows else (0, 0)


def _municipality_counts_query(values: compiled_queries.Values, *, sees_all: bool) -> QuerySet[Any]:
    """The two counts as windows over the visible interventions, on the first row (none when none is
    visible)."""
    visible, own = _scope_of(values["municipalities"], values["organisations"], sees_all=sees_all)
    return (
        visible.order_by()
        .annotate(
            taking_part=Window(Count("pk", filter=own)),
            can_join=Window(Count("pk", filter=Q(is_open_to_join=True) & ~own)),
        )
        .values_list("taking_part", "can_join")[:1]
    )


# --- filter choices -----------------------------------------------------------------------------------


@dataclass
class FilterOptions:
    problem_areas: list[tuple[int, str]]
    programmes: list[str]
    municipalities: list[tuple[int, str]]
    states: list[tuple[str, str]]


def filter_options() -> FilterOptions:
    """The filters' choices as (value, label) pairs, in one query (plain tuples: the 98 municipalities are
    cheap): the active problem areas by their order, the programmes in use and the active municipalities,
    each by name. The query's SQL is compiled once per process (see compiled_queries)."""
    rows = compiled_queries.rows("filter options", _filter_options_query, {})
    labels = labels_of(Intervention, "state")
    options: dict[int, list[tuple[int | None, str]]] = {0: [], 1: [], 2: []}
    for kind, pk, _order, name in rows:
        options[kind].append((pk, name))
    return FilterOptions(
        problem_areas=[(pk, name) for pk, name in options[0] if pk is not None],
        programmes=[name for _pk, name in options[1]],
        municipalities=[(pk, name) for pk, name in options[2] if pk is not None],
        states=[(s.value, labels[s]) for s in InterventionState],
    )


def _filter_options_query(_values: compiled_queries.Values) -> QuerySet[Any]:
    areas = (
        ProblemArea.objects.filter(is_active=True)
        .annotate(kind=Value(0), rank=F("order"), label=F("name"))
        .values_list("kind", "pk", "rank", "label")
    )
    programmes = (  # each programme once before the UNION (a few rows to merge, not one per intervention)
        Intervention.objects.exclude(programme="")
        .order_by()
        .values_list(Value(1), Cast(Value(None), BigIntegerField()), Value(0), "programme")
        .distinct()
    )
    municipalities = (
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, is_active=True)
        .order_by()
        .values_list(Value(2), "pk", Value(0), "name")
    )
    # UNION drops the programmes' repeats (the rows of the other kinds differ by their pk)
    return areas.order_by().union(programmes, municipalities).order_by("kind", "rank", "label")
