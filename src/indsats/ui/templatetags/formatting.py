"""``{% load formatting %}``: the formatter (indsats.ui.formatting) in templates.

``{{ amount|kr }}``, ``{{ estimate|kr:0 }}``, ``{{ value|number:2 }}``, ``{{ share|percent }}``,
``{{ roi|ratio }}``, ``{{ entry.hours|hours }}``, ``{{ day|short_date }}``, ``{{ day|long_date }}``,
``{{ moment|date_time }}``, ``{{ start|date_range:end }}`` and ``{% interval low high 1 %}``.
An empty or missing value shows as a dash.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from indsats.ui import formatting

register = template.Library()


@register.filter
def kr(value: Any, decimals: int | None = None) -> str:
    return formatting.kroner(formatting.as_number(value), None if decimals is None else int(decimals))


@register.filter
def number(value: Any, decimals: int = 0) -> str:
    return formatting.number(formatting.as_number(value), int(decimals))


@register.filter
def compact_number(value: Any) -> str:
    """A number with the decimals it has and no more: 21.5 -> ``21,5``, 50.0 -> ``50``."""
    return formatting.compact_number(formatting.as_number(value))


@register.filter
def ratio(value: Any, decimals: int = 2) -> str:
    return formatting.ratio(formatting.as_number(value), int(decimals))


@register.filter
def percent(value: Any, decimals: int = 1) -> str:
    return formatting.percent(formatting.as_number(value), int(decimals))


@register.filter
def hours(value: Any) -> str:
    return formatting.hours(formatting.as_number(value))


@register.filter
def short_date(value: dt.date | None) -> str:
    return formatting.date(value or None)


@register.filter
def long_date(value: dt.date | None) -> str:
    return formatting.long_date(value or None)


@register.filter
def date_time(value: dt.datetime | None) -> str:
    return formatting.date_time(value or None)


@register.filter
def date_range(start: dt.date | None, end: dt.date | None) -> str:
    return formatting.date_range(start or None, end or None)


@register.simple_tag
def interval(low: Any, high: Any, decimals: int = 2) -> str:
    return formatting.interval(formatting.as_number(low), formatting.as_number(high), int(decimals))
