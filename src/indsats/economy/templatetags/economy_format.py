"""{{ value|kr }}, {{ value|dk_number:2 }}, {{ share|dk_percent }}: Danish number formats in templates."""

from __future__ import annotations

from typing import Any

from django import template

from indsats.economy import formatting

register = template.Library()


@register.filter
def kr(value: Any, decimals: int = 0) -> str:
    return formatting.kroner(None if value in (None, "") else float(value), int(decimals))


@register.filter
def dk_number(value: Any, decimals: int = 0) -> str:
    return formatting.danish_number(None if value in (None, "") else float(value), int(decimals))


@register.filter
def dk_percent(value: Any, decimals: int = 1) -> str:
    return formatting.percent(None if value in (None, "") else float(value), int(decimals))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
