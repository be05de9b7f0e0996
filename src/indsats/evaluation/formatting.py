"""Numbers in evaluation reports and charts, written the way the active language writes them: a decimal
comma in Danish and a point in English, a true minus sign, a dash for a missing value."""

from __future__ import annotations

from django.utils.formats import get_format
from django.utils.translation import gettext as _


def number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    decimal_sign = str(get_format("DECIMAL_SEPARATOR"))
    return f"{value:.{digits}f}".replace("-", "−").replace(".", decimal_sign)


def compact_number(value: float) -> str:
    """Without trailing zeros (a band limit such as 2.5 or 6)."""
    return f"{value:g}".replace("-", "−").replace(".", str(get_format("DECIMAL_SEPARATOR")))


def p_value_text(value: float | None) -> str:
    if value is None:
        return "–"
    return "< " + number(0.001, 3) if value < 0.001 else number(value, 3)


def interval_text(low: float | None, high: float | None, digits: int = 2) -> str:
    return _("%(low)s til %(high)s") % {"low": number(low, digits), "high": number(high, digits)}
