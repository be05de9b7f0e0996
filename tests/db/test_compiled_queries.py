"""The board's queries compiled once (compiled_queries) give the rows the ORM gives for the same values,
for every shape of filters the pages accept, and a query that writes a value into its SQL text is
refused rather than run with a stale value."""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from indsats.accounts.models import Role
from indsats.db import compiled_queries
from indsats.interventions import selectors
from indsats.interventions.models import Intervention, ProblemArea, ReviewStatus
from indsats.interventions.selectors import PortfolioFilters
from indsats.interventions.workflow import PHASES, InterventionState
from indsats.ui.panels import counts
from tests.factories import MembershipFactory, person_with_role
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(grow_portfolio):
    grow_portfolio(30)


def filter_sets(aarhus, odense) -> list[PortfolioFilters]:
    first_area, second_area = ProblemArea.objects.order_by("pk").values_list("pk", flat=True)[:2]
    programme = Intervention.objects.exclude(programme="").values_list("programme", flat=True).first()
    assert programme
    return [
        PortfolioFilters(),
        PortfolioFilters(query="a"),
        PortfolioFilters(query="e"),
        PortfolioFilters(query="50%_\\"),  # LIKE's special characters, escaped as the ORM escapes them
        PortfolioFilters(problem_area=first_area),
        PortfolioFilters(problem_area=second_area),
        PortfolioFilters(programme=programme),
        PortfolioFilters(state="testing"),
        PortfolioFilters(state="operation"),
        PortfolioFilters(municipality=aarhus.pk),
        PortfolioFilters(municipality=odense.pk, query="i"),
        PortfolioFilters(query="e", problem_area=first_area, state="maturation", municipality=aarhus.pk),
        PortfolioFilters(
            query="o",
            problem_area=second_area,
            programme=programme,
            state="screening",
            municipality=odense.pk,
        ),
    ]


def test_the_compiled_board_queries_give_the_orms_rows_for_every_shape_of_filters(portfolio, aarhus, odense):
    some_filtered_rows = False
    for filters in filter_sets(aarhus, odense):
        for today in (datetime.date(2026, 12, 7), datetime.date(2031, 1, 1)):
            values = {**filters.values(), "today": today}
            totals = compiled_queries.rows("board totals", selectors._board_totals_query, values)
            assert totals == list(selectors._board_totals_query(values)), (filters, today)
            some_filtered_rows |= bool(totals) and not filters.is_empty
        build_cards = partial(selectors._board_cards_query, per_column=3)
        cards = compiled_queries.rows("board cards 3", build_cards, filters.values())
        assert cards == list(build_cards(filters.values())), filters
    assert some_filtered_rows


@pytest.mark.parametrize("per_column", [1, 3])
def test_the_board_shows_each_phases_first_interventions_and_counts_for_every_shape_of_filters(
    portfolio, aarhus, odense, steering_member, per_column
):
    """The board reads each phase's first cards by a LIMIT per phase and the counts by a GROUP BY: the
    reference takes the chosen interventions one by one in Python."""
    today = timezone.localdate()
    cut = False
    for filters in filter_sets(aarhus, odense):
        chosen = list(
            selectors.filter_interventions(Intervention.objects.all(), filters)
            .select_related("owner")
            .prefetch_related("phase_records", "gate_reviews")
            .order_by("state_entered_at", "pk")
        )
        board = selectors.portfolio_board(user=steering_member, filters=filters, per_column=per_column)
        columns = {column.state: column for column in [*board.columns, *board.end_states]}
        assert list(columns) == list(InterventionState)
        waiting_in_phases = due_in_phases = 0
        for state, column in columns.items():
            in_state = []
            for i in (i for i in chosen if i.state == state):
                statuses = {r.status for r in i.gate_reviews.all()}
                current = next((r for r in i.phase_records.all() if r.phase == state), None)
                planned_end = current.planned_end if current else None
                waiting = ReviewStatus.SUBMITTED in statuses
                due = planned_end is not None and planned_end < today and not waiting
                card = (i.pk, i.name, i.owner.name, waiting, ReviewStatus.DRAFT in statuses, planned_end)
                in_state.append((card, selectors.days_in_state(i, today), due and state in PHASES))
            shown = in_state[:per_column] if state in PHASES else []
            read = [
                (
                    (c.pk, c.name, c.owner_name, c.waiting_review, c.draft_review, c.planned_end),
                    c.days_in_state,
                    c.review_due,
                )
                for c in column.cards
            ]
            assert read == shown, (filters, state)
            assert column.count == len(in_state), (filters, state)
            cut |= column.hidden > 0 and bool(filters.values())
            committed = sum(
                (r.committed_amount or 0 for i in chosen for r in i.phase_records.all() if r.phase == state),
                Decimal(0),
            )
            assert column.committed == (committed if state in PHASES else 0), (filters, state)
            if state in PHASES:
                waiting_in_phases += sum(card[3] for card, _days, _due in in_state)
                due_in_phases += sum(due for _card, _days, due in in_state)
        assert board.total == len(chosen), filters
        assert (board.waiting_reviews, board.reviews_due) == (waiting_in_phases, due_in_phases), filters
    assert cut  # some filtered column had more interventions than it shows


def test_the_compiled_pipeline_gives_the_orms_counts(portfolio, aarhus, odense):
    today = datetime.date(2026, 12, 7)
    for filters in filter_sets(aarhus, odense):
        chosen = selectors.filter_interventions(Intervention.objects.all(), filters)
        expected = selectors.pipeline_over_time(interventions=chosen, today=today)
        assert selectors._board_pipeline(filters, today) == expected, filters


def test_a_value_written_into_the_sql_text_is_refused(db):
    def build(values: compiled_queries.Values):
        return Intervention.objects.values_list("pk")[: values["n"]]  # LIMIT is written into the text

    with pytest.raises(ValueError, match="did not reach"):
        compiled_queries.rows("sliced", build, {"n": 5})


@pytest.mark.parametrize("order", ["navn", "fase", "tid", "ejer", "program"])
def test_the_compiled_table_gives_the_orms_rows_for_every_shape_of_filters(
    portfolio, aarhus, odense, steering_member, order
):
    for filters in filter_sets(aarhus, odense):
        expected = [
            (
                i.pk,
                i.name,
                i.state,
                timezone.localtime(i.state_entered_at).date(),  # entered_on: the day in local time
                i.owner_name,
                i.waiting_review,
                i.draft_review,
                i.planned_end,
                i.programme,
                i.partner_count,
                i.committed_in_phase,
                [a.name for a in i.problem_areas.all()],
            )
            for i in selectors.with_portfolio_facts(
                selectors.filter_interventions(Intervention.objects.all(), filters)
            )
            .prefetch_related("problem_areas")
            .order_by(*selectors.TABLE_ORDERINGS[order], "pk")
        ]
        read = []
        for number in (1, 2, 3, 4):
            page = selectors.portfolio_table(
                user=steering_member, filters=filters, page=number, order=order, per_page=8
            )
            assert page.paginator.count == len(expected), (filters, order)
            if page.number == number:
                read += [
                    (*(getattr(row, name) for name in selectors.TABLE_ROW_FIELDS), row.area_names)
                    for row in page.object_list
                ]
        assert read == expected, (filters, order)


def test_the_compiled_filter_options_give_the_orms_rows(portfolio):
    compiled = compiled_queries.rows("filter options", selectors._filter_options_query, {})
    assert compiled == list(selectors._filter_options_query({}))
    assert {kind for kind, *_rest in compiled} == {0, 1, 2}


def test_a_tuple_is_a_parameter_per_item_and_its_length_part_of_the_shape(portfolio, municipalities):
    def build(values: compiled_queries.Values):
        return Intervention.objects.filter(owner_id__in=values["owners"]).order_by("pk").values_list("pk")

    owners = [m.pk for m in municipalities[:2]]
    for chosen in ((owners[0],), (owners[1],), (owners[1], owners[0]), (owners[0], owners[0], owners[1])):
        assert compiled_queries.rows("owned", build, {"owners": chosen}) == list(build({"owners": chosen}))
    assert compiled_queries.rows("owned", build, {"owners": tuple(owners)})
    with pytest.raises(ValueError, match="empty"):
        compiled_queries.rows("owned", build, {"owners": ()})


def test_the_compiled_municipality_counts_are_the_lengths_of_the_municipality_lists(
    portfolio, municipalities, agency
):
    aarhus, odense, third = municipalities[:3]
    both = person_with_role(Role.CASEWORKER, aarhus, username="cw-both")
    MembershipFactory(user=both, organisation=odense, role=Role.MUNICIPALITY_MANAGER)
    staff_too = person_with_role(Role.MUNICIPALITY_MANAGER, third, username="manager-staff")
    MembershipFactory(user=staff_too, organisation=agency, role=Role.AGENCY_STAFF)  # sees the portfolio
    people = [person_with_role(Role.CASEWORKER, m, username=f"cw-{m.pk}") for m in municipalities[:3]]
    for user in [*people, both, staff_too]:
        taking_part, can_join = selectors._municipality_lists(user)
        expected = (taking_part.count(), can_join.count())
        assert selectors.municipality_counts(user=user) == expected, user.username
        assert expected[0] and expected[1], user.username


def test_compiled_counts_are_the_panels_counts_for_each_value(portfolio, municipalities):
    def build(values: compiled_queries.Values):
        owned = Intervention.objects.filter(owner_id__in=values["owners"])
        return [owned, owned.filter(state=values["state"]), Intervention.objects.filter(name__icontains="a")]

    for owners, state in (((municipalities[0].pk,), "screening"), ((municipalities[1].pk,), "testing")):
        values = {"owners": owners, "state": state}
        assert compiled_queries.counts("owned", build, values) == counts(*build(values))
        assert counts(*build(values))[0]


def test_the_compiled_counts_give_the_counts_of_the_orms_queries_for_each_value(portfolio):
    def build(values: compiled_queries.Values) -> tuple[QuerySet[Any], ...]:
        return (
            Intervention.objects.filter(created_at__date__lt=values["day"]),
            Intervention.objects.filter(name__icontains=values["word"]),
            Intervention.objects.filter(state__in=PHASES),
        )

    seen = set()
    for day, word in [
        (datetime.date(2000, 1, 1), "a"),
        (datetime.date(2100, 1, 1), "e"),
        (timezone.localdate(), ""),
    ]:
        values = {"day": day, "word": word}
        counted = compiled_queries.counts("test counts", build, values)
        assert counted == counts(*build(values)), values
        seen.add(counted)
    assert len(seen) == 3  # each value counted its own rows, not the first call's


def _prepared_statements() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _named_rows(values: compiled_queries.Values) -> QuerySet[Any]:
    return Intervention.objects.filter(state=values["state"], name__icontains=values["query"]).values_list(
        "pk", "name", "state_entered_at"
    )


@pytest.mark.parametrize("prepared", [True, False])
def test_on_postgresql_a_compiled_query_runs_as_a_prepared_statement_unless_turned_off(
    portfolio, settings, prepared: bool
):
    """Planned once per connection (a prepared statement), with the rows the ORM gives, timestamps in
    the connection's time zone; DATABASE_PREPARED_STATEMENTS=false (a connection pooler) runs it plain."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    name = f"prepared test {prepared}"
    for state in (InterventionState.TESTING, InterventionState.SCREENING, InterventionState.TESTING):
        values = {"state": state.value, "query": "e"}
        got = compiled_queries.rows(name, _named_rows, values)
        assert got == list(_named_rows(values)), state
        assert all(row[2].tzinfo is not None for row in got)
    # counted and logged with its values (as DEBUG and the tests' query counts read it), prepared or not
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        compiled_queries.rows(name, _named_rows, {"state": "maturation", "query": "e"})
    assert len(queries) == 1
    assert "'maturation'" in queries[0]["sql"] and "'%e%'" in queries[0]["sql"], queries[0]["sql"]
    ours = [
        sql
        for sql in _prepared_statements()
        if 'LIKE UPPER($1) AND "interventions_intervention"."state" = $2' in sql
    ]
    assert len(ours) == (1 if prepared else 0), ours


def test_a_cards_and_a_rows_days_count_from_the_local_day_it_entered_its_state(steering_member):
    """The database converts the moment to the local day (Europe/Copenhagen): an intervention that
    entered its phase at 23:30 UTC entered it the next day in Denmark, as days_in_state counts."""
    today = timezone.localdate()
    entered = [
        datetime.datetime.combine(today - datetime.timedelta(days=days), time, tzinfo=zone)
        for days in (3, 200)  # winter and summer time apart
        for time in (datetime.time(0, 10), datetime.time(23, 50))
        for zone in (timezone.get_current_timezone(), datetime.UTC)
    ]
    for moment in entered:
        InterventionFactory(state=InterventionState.TESTING, state_entered_at=moment)
    expected = {i.pk: selectors.days_in_state(i, today) for i in Intervention.objects.filter(state="testing")}
    assert len(set(expected.values())) == 4  # the days differ around midnight
    board = selectors.portfolio_board(user=steering_member, filters=PortfolioFilters())
    (column,) = (c for c in board.columns if c.state == "testing")
    assert {card.pk: card.days_in_state for card in column.cards} == expected
    page = selectors.portfolio_table(user=steering_member, filters=PortfolioFilters(state="testing"))
    assert {row.pk: row.days_in_state for row in page.object_list} == expected
