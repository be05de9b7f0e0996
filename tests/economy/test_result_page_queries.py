"""The business-case result page takes a number of queries that does not grow with the case's rows, its
earlier results or the other cases' results it offers to compare with."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indsats.economy import services
from indsats.economy.models import ResultStatus
from tests.conftest import logged_in
from tests.economy.factories import worked_example_case


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
