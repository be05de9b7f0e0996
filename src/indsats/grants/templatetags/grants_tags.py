"""Template filters of the grants app: Danish money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from indsats.grants.services import kr

register = template.Library()


@register.filter(name="kr")
def kr_filter(value: Any) -> str:
    """1234567.5 -> "1.234.567,50 kr."; empty for None."""
    if value is None or value == "":
        return ""
    return kr(Decimal(value))
