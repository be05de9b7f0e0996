"""One way every list page is cut into pages: `paginate` in the view, `includes/pagination.html` in the page.

The page number travels as `?side=N` beside the page's other parameters (its filters), which every page
link keeps. A number that is not a number reads as page 1, one below 1 as page 1 and one past the last
page as the last page, so an old bookmark still shows something. A page costs two queries, whatever the
number of rows behind it: the count and the rows shown; the first page of a list that fits on it costs one
(its rows, read with one more than a page, are all there is to count).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50
PAGE_PARAMETER = "side"
# dkfds shows every page number up to seven pages, and a window with gaps beyond.
_ALL_NUMBERS_UP_TO = 7

T = TypeVar("T")


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    is_current: bool
    is_last: bool


@dataclass(frozen=True)
class Pagination(Generic[T]):
    """One page of a list and the links to the others (None in `links` is a gap: "...")."""

    page: Page[T]
    links: tuple[PageLink | None, ...]
    first_url: str
    previous_url: str
    next_url: str
    last_url: str

    @property
    def items(self) -> Sequence[T]:
        return self.page.object_list  # type: ignore[return-value]  # a sliced list or queryset

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def number(self) -> int:
        return self.page.number

    @property
    def num_pages(self) -> int:
        return self.page.paginator.num_pages

    @property
    def is_paginated(self) -> bool:
        return self.num_pages > 1

    def __iter__(self) -> Any:
        return iter(self.page.object_list)

    def __len__(self) -> int:
        return len(self.page.object_list)


def page_number(value: object) -> int:
    """The page asked for: a positive whole number, else 1 (clamped to the last page by `paginate`)."""
    text = str(value or "").strip()
    return max(int(text), 1) if text.isascii() and text.isdigit() else 1


def page_numbers(current: int, total: int) -> list[int | None]:
    """The numbers dkfds' pagination shows (None a gap): all up to seven pages, else a window."""
    if total <= _ALL_NUMBERS_UP_TO:
        return list(range(1, total + 1))
    if current < 5:
        return [*range(1, 6), None, total]
    if current + 4 > total:
        return [1, None, *range(total - 4, total + 1)]
    return [1, None, current - 1, current, current + 1, None, total]


def navigation(page: Page[T], url_for: Callable[[int], str]) -> Pagination[T]:
    """The page with its links, each made by `url_for(number)` (for pages that build their own URLs)."""
    total = page.paginator.num_pages
    links = tuple(
        None if number is None else PageLink(number, url_for(number), number == page.number, number == total)
        for number in page_numbers(page.number, total)
    )
    return Pagination(
        page=page,
        links=links,
        first_url=url_for(1),
        previous_url=url_for(page.number - 1) if page.has_previous() else "",
        next_url=url_for(page.number + 1) if page.has_next() else "",
        last_url=url_for(total),
    )


def paginate(
    request: HttpRequest,
    items: QuerySet[Any] | Sequence[T],
    *,
    per_page: int | None = None,
    parameter: str = PAGE_PARAMETER,
    prepare: Callable[[list[Any]], list[Any]] | None = None,
) -> Pagination[Any]:
    """The page of `items` the request asks for; links keep the request's other query parameters.

    `items` must be ordered (a queryset with order_by, or a list): pages of an unordered query may
    overlap. `per_page` defaults to PAGE_SIZE (read when called). `prepare`, if given, is applied to the
    page's rows only (e.g. redaction, decoration).
    """
    size = per_page or PAGE_SIZE
    number = page_number(request.GET.get(parameter))
    first_rows = list(items[: size + 1]) if number == 1 else None
    if first_rows is not None and len(first_rows) <= size:
        # the whole list is on its first page: its rows are all there is to count
        paginator: Paginator[Any] = Paginator(first_rows, size)
        page = paginator.page(1)
    else:
        paginator = Paginator(items, size)
        number = min(number, paginator.num_pages)
        page = paginator.page(number)
        if first_rows is not None:
            page.object_list = first_rows[:size]  # read already
    if prepare is not None:
        page.object_list = prepare(list(page.object_list))

    def url_for(target: int) -> str:
        params = request.GET.copy()
        params[parameter] = str(target)
        return "?" + params.urlencode()

    return navigation(page, url_for)
