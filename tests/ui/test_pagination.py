"""ui.pagination on its own: which page a request gets, the numbers dkfds shows, and links keeping filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from indsats.ui.pagination import PAGE_SIZE, page_number, page_numbers, paginate


def _page(query: str, rows: int, **options: object):
    request = RequestFactory().get("/liste/" + query)
    return paginate(request, list(range(rows)), **options)  # type: ignore[arg-type]


def test_a_page_holds_the_page_size_and_the_last_page_the_rest():
    assert PAGE_SIZE == 50
    first = _page("", 120)
    assert list(first) == list(range(50))
    assert (first.count, first.num_pages, first.number) == (120, 3, 1)
    assert list(_page("?side=3", 120)) == list(range(100, 120))


def test_a_page_past_the_last_shows_the_last_and_one_that_is_no_number_the_first():
    assert _page("?side=99", 120).number == 3
    assert _page("?side=0", 120).number == 1
    for garbage in ("abc", "-2", "1.5", "", "%00", "²"):
        assert page_number(garbage) == 1, garbage
    assert _page("?side=abc", 120).number == 1
    assert _page("?side=2", 0).number == 1  # an empty list is one empty page


def test_every_link_keeps_the_other_query_parameters():
    page = _page("?q=skole&region=1084&side=2", 500, per_page=10)
    assert page.next_url == "?q=skole&region=1084&side=3"
    assert page.previous_url == "?q=skole&region=1084&side=1"
    assert page.first_url.endswith("side=1") and page.last_url.endswith("side=50")
    assert all("q=skole&region=1084" in link.url for link in page.links if link)


def test_two_lists_on_one_page_keep_each_others_page():
    page = _page("?side=4&aabne-side=2", 500, per_page=10, parameter="aabne-side")
    assert page.number == 2
    assert page.next_url == "?side=4&aabne-side=3"


def test_the_numbers_shown_follow_dkfds_pagination():
    assert page_numbers(1, 1) == [1]
    assert page_numbers(3, 7) == [1, 2, 3, 4, 5, 6, 7]
    assert page_numbers(1, 20) == [1, 2, 3, 4, 5, None, 20]
    assert page_numbers(4, 20) == [1, 2, 3, 4, 5, None, 20]
    assert page_numbers(10, 20) == [1, None, 9, 10, 11, None, 20]
    assert page_numbers(17, 20) == [1, None, 16, 17, 18, 19, 20]
    assert page_numbers(20, 20) == [1, None, 16, 17, 18, 19, 20]


def test_the_first_and_the_last_page_have_no_link_beyond_them():
    first, last = _page("", 30, per_page=10), _page("?side=3", 30, per_page=10)
    assert first.previous_url == "" and first.next_url == "?side=2"
    assert last.next_url == "" and last.previous_url == "?side=2"
    current = [link for link in last.links if link and link.is_current]
    assert [link.number for link in current] == [3]


def test_prepare_sees_only_the_rows_shown():
    seen: list[list[int]] = []

    def prepare(rows: list[int]) -> list[int]:
        seen.append(rows)
        return [row * 10 for row in rows]

    page = _page("?side=2", 25, per_page=10, prepare=prepare)
    assert seen == [list(range(10, 20))]
    assert list(page) == [row * 10 for row in range(10, 20)]


def _query_page(query: str, per_page: int):
    from indsats.economy.models import PriceIndex

    request = RequestFactory().get("/liste/" + query)
    with CaptureQueriesContext(connection) as queries:
        page = paginate(request, PriceIndex.objects.order_by("year"), per_page=per_page)
        rows = [row.year for row in page]
    return page, rows, len(queries)


@pytest.mark.django_db
def test_the_first_page_of_a_list_that_fits_on_it_is_counted_from_its_rows():
    """One query for the first page of a short list (its rows are the count), two otherwise; the same rows,
    numbers and links either way."""
    from indsats.economy.models import PriceIndex

    PriceIndex.objects.all().delete()
    PriceIndex.objects.bulk_create(PriceIndex(year=2000 + n, index=Decimal(100 + n)) for n in range(12))
    years = list(range(2000, 2012))
    page, rows, queries = _query_page("", 12)
    assert (rows, page.count, page.num_pages, page.next_url, queries) == (years, 12, 1, "", 1)
    page, rows, queries = _query_page("", 11)  # one row more than a page
    assert (rows, page.count, page.num_pages, page.next_url, queries) == (years[:11], 12, 2, "?side=2", 2)
    page, rows, queries = _query_page("?side=2", 5)
    assert (rows, page.count, page.num_pages, queries) == (years[5:10], 12, 3, 2)
    page, rows, queries = _query_page("?side=9", 20)  # past the last page: the last, which is the first
    assert (rows, page.count, page.number) == (years, 12, 1)
