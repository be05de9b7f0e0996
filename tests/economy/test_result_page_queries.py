"""The business-case result page takes a number of queries that does not grow with the case's rows, its
earlier results or the other cases' results it offers to compare with."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indsats.economy import selectors, services
from indsats.economy.models import BusinessCaseResult, ResultStatus
from tests.conftest import logged_in
from tests.economy.factories import PriceCatalogueFactory, worked_example_case


def _more(case, economist, start: int, count: int) -> None:
    for i in range(start, start + count):
        case.outcomes.create(
            name=f"ekstra {i}", baseline=Decimal("0.1"), effect_type="relative", effect_estimate=Decimal("-0.1"),
            effect_source="x", unit_price_amount=Decimal("100"), unit_price_source="x",
        )  # fmt: skip
        other = worked_example_case()
        services.request_computation(actor=economist, case=other)
        case.seed = 100 + i
        case.save(update_fields=["seed"])
        services.request_computation(actor=economist, case=case)


def test_the_result_page_takes_as_many_queries_with_20_rows_and_results_as_with_2(economist):
    case = worked_example_case()
    _more(case, economist, 0, 2)
    result = services.request_computation(actor=economist, case=case)
    assert result.status == ResultStatus.DONE
    client = logged_in(economist)
    url = reverse("economy:result_detail", args=[result.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more(case, economist, 2, 18)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    print(f"result page: {len(few)} queries with 2 rows and results, {len(many)} with 20")
    assert len(many) == len(few)


def test_the_earlier_results_show_each_stored_net_present_value_without_reading_the_documents(economist):
    """The list of earlier computations reads each result's NPV out of the stored result in SQL (the page
    decoded every earlier result's documents before); the figures are those of the stored results."""
    from indsats.ui import formatting

    case = worked_example_case()
    _more(case, economist, 0, 2)
    result = services.request_computation(actor=economist, case=case)
    failed = case.results.create(
        document={}, status=ResultStatus.FAILED, inputs_hash="x", engine_version="x", draws=1, seed=1
    )
    response = logged_in(economist).get(reverse("economy:result_detail", args=[result.pk]))
    html = response.content.decode()
    earlier = html.split("Tidligere beregninger", 1)[1]
    items = earlier.split("</ul>", 1)[0].split("<li>")[1:]
    stored = list(case.results.order_by("-requested_at", "-pk"))[:10]
    assert len(items) == len(stored) >= 3
    for item, row in zip(items, stored, strict=True):
        if row.pk == failed.pk:
            assert "NNV" not in item
        else:
            assert f"NNV {formatting.kroner(row.result['npv'], 0)}" in item


def test_the_case_page_takes_as_many_queries_with_20_rows_and_results_as_with_2(economist):
    case = worked_example_case()
    _more(case, economist, 0, 2)
    client = logged_in(economist)
    url = reverse("economy:case_detail", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more(case, economist, 2, 18)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_result_and_case_pages_count_the_cases_costs_and_outcomes(economist):
    """The pages count the lines in SQL (they show the numbers, not the rows); the numbers are the rows'."""
    case = worked_example_case()
    _more(case, economist, 0, 3)
    result = services.request_computation(actor=economist, case=case)
    expected = f"{case.costs.count()} omkostninger, {case.outcomes.count()} effekter"
    client = logged_in(economist)
    for url in (
        reverse("economy:result_detail", args=[result.pk]),
        reverse("economy:case_detail", args=[case.pk]),
    ):
        assert expected in client.get(url).content.decode()


def test_the_result_read_compiled_once_gives_each_result_with_its_own_case_and_counts(economist):
    first, second = worked_example_case(name="Første"), worked_example_case(name="Anden")
    _more(first, economist, 0, 2)
    results = [services.request_computation(actor=economist, case=case) for case in (first, second)]
    for result in results:  # the second read runs the first's SQL with its own key
        read = selectors.result_page(user=economist, pk=result.pk)
        case = result.case
        assert (read.pk, read.case.pk, read.case.name, read.computed_by) == (
            result.pk,
            case.pk,
            case.name,
            economist,
        )
        assert read.case.intervention.name == case.intervention.name
        assert read.case.catalogue == case.catalogue and read.case.municipality is None
        assert (read.case.cost_count, read.case.outcome_count) == (case.costs.count(), case.outcomes.count())
    assert results[0].case.outcomes.count() != results[1].case.outcomes.count()
    missing = max(result.pk for result in results) + 1000
    with pytest.raises(BusinessCaseResult.DoesNotExist):
        selectors.result_page(user=economist, pk=missing)
    assert logged_in(economist).get(reverse("economy:result_detail", args=[missing])).status_code == 404


def test_the_comparison_offers_the_other_cases_finished_results_newest_first(economist):
    first, second, third = (worked_example_case(name=name) for name in ("Første", "Anden", "Tredje"))
    for case in (first, second, third):
        services.request_computation(actor=economist, case=case)
    second.seed = 100
    second.save(update_fields=["seed"])
    services.request_computation(actor=economist, case=second)  # its second result
    second.results.create(
        document={}, status=ResultStatus.FAILED, inputs_hash="x", engine_version="x", draws=1, seed=1
    )
    for case in (first, second):  # the second runs the first's compiled SQL with its own case
        offered = selectors.comparison_choices(user=economist, case=case)
        expected = [
            (r.pk, r.case.intervention.name, r.case.name, r.computed_at)
            for r in BusinessCaseResult.objects.filter(status=ResultStatus.DONE)
            .exclude(case=case)
            .order_by("-requested_at", "-pk")
        ]
        assert offered == expected and len(expected) == (3 if case == first else 2)


def _without_csrf(html: str) -> str:
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*"', r'\1"', html)
    return re.sub(r'("X-CSRFToken": ")[^"]*"', r'\1"', html)


def test_the_result_page_shows_from_its_one_read_what_it_showed_from_the_whole_rows(
    economist, aarhus, monkeypatch
):
    """The result page reads only the fields it shows of the case, its intervention, municipality and
    catalogue and of who computed it: the same page, in both languages, as from the whole rows, and not one
    query more for a field it did not read."""
    case = worked_example_case(catalogue=PriceCatalogueFactory(title="Priser 2026"))
    result = services.request_computation(actor=economist, case=case)
    case.municipality = aarhus  # made a local case after it was computed (which is the municipality's)
    case.save(update_fields=["municipality"])
    economist.first_name, economist.last_name = "Økonomen", "Æblesen"
    economist.save(update_fields=["first_name", "last_name"])
    client = logged_in(economist)
    url = reverse("economy:result_detail", args=[result.pk])

    def whole_rows(*, user, pk):  # the ORM's read of every field, the counts by two more queries
        read = BusinessCaseResult.objects.select_related(
            "case__intervention", "case__municipality", "case__catalogue", "computed_by"
        ).get(pk=pk)
        read.case.cost_count, read.case.outcome_count = read.case.costs.count(), read.case.outcomes.count()
        return read

    for language in ("da", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.get(url)
        with CaptureQueriesContext(connection) as one_read:
            shown = client.get(url).content.decode()
        with monkeypatch.context() as patch:
            patch.setattr(selectors, "result_page", whole_rows)
            with CaptureQueriesContext(connection) as whole:
                expected = client.get(url).content.decode()
        assert _without_csrf(shown) == _without_csrf(expected)
        for shown_fact in (case.intervention.name, "Aarhus Kommune", "Priser 2026", "Økonomen Æblesen"):
            assert shown_fact in shown
        assert len(one_read) == len(whole) - 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan asked of PostgreSQL")
def test_the_results_to_compare_with_are_read_newest_first_from_an_index(economist):
    """The drop-down's query can take the newest finished results from an index in its order, rather than
    read and sort every result (on the bench's data PostgreSQL chooses the index once the results outnumber
    a few hundred; here it is told to avoid the sort)."""
    from django.db import transaction

    case = worked_example_case()
    services.request_computation(actor=economist, case=case)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = selectors._comparison_choices_query({"case": case.pk}).explain()
    assert "economy_result_done_newest" in plan, plan
