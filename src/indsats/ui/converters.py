"""Ids in URLs and API parameters: a database id is a positive whole number that fits a 64-bit integer.

Django's ``<int:...>`` accepts any run of digits, and ``99999999999999999999`` then overflows the
database's integer (a server error on PostgreSQL and SQLite alike). ``<id:...>`` matches at most 18 digits
(anything longer is a 404), and the API's ``DatabaseId`` is the same rule for django-ninja (documented in
the OpenAPI schema as a maximum). ``ui.apps`` registers the converter. ``url_with_id`` writes such an
address for each row of a list, resolved once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from django.urls import reverse
from pydantic import Field

MAX_ID = 2**63 - 1

DatabaseId = Annotated[int, Field(ge=0, le=MAX_ID)]


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)


def as_id(value: object) -> int | None:
    """A filter's id from a query string: None when empty or not a number, 0 (matches nothing) when out
    of range."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else (None if number == 0 else 0)


# an id no row has, long enough (18 digits) not to occur elsewhere in an address
_MARKER = 987_654_321_987_654_321


def url_with_id(name: str, *fixed: str, before: tuple[int, ...] = ()) -> Callable[[int], str]:
    """`reverse(name, args=[*before, pk, *fixed])` for an address with a row's `<id:...>` (after the fixed
    ids `before` and before the fixed arguments `fixed`), resolved once for a list's rows: the address
    around a marker id, the row's id put in its place (resolving costs more per row than the rest of a
    row's cell)."""
    address = reverse(name, args=[*before, _MARKER, *fixed])
    head, marker, tail = address.partition(str(_MARKER))
    if not marker or str(_MARKER) in tail:
        raise ValueError(f"{name}: its address does not show its id exactly once")
    return lambda pk: f"{head}{pk:d}{tail}"
