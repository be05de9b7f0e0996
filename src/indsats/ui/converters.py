"""Ids in URLs and API parameters: a database id is a positive whole number that fits a 64-bit integer.

Django's ``<int:...>`` accepts any run of digits, and ``99999999999999999999`` then overflows the
database's integer (a server error on PostgreSQL and SQLite alike). ``<id:...>`` matches at most 18 digits
(anything longer is a 404), and the API's ``DatabaseId`` is the same rule for django-ninja (documented in
the OpenAPI schema as a maximum). ``ui.apps`` registers the converter.
"""

from __future__ import annotations

from typing import Annotated

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
