"""Danish number formats for pages, PDFs and Excel sheets: 1.234.567 kr., 12,5 %, -0,15."""

from __future__ import annotations

import math
from decimal import Decimal


def danish_number(value: float | Decimal | int | None, decimals: int = 0) -> str:
    """A number with '.' between thousands and ',' before the decimals (Danish convention); the minus
    sign is the typographic one. None and NaN show as a dash."""
    if value is None:
        return "–"
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return "–"
    text = f"{abs(number):,.{decimals}f}".replace(",", "\u00a0").replace(".", ",").replace("\u00a0", ".")
    if round(number, decimals) < 0:
        return "\u2212" + text
    return text


def kroner(value: float | Decimal | int | None, decimals: int = 0) -> str:
    """An amount in Danish kroner: '1.234.567 kr.'."""
    if value is None:
        return "–"
    return f"{danish_number(value, decimals)}\u00a0kr."


def percent(value: float | None, decimals: int = 1) -> str:
    """A share as a Danish percentage: 0.125 -> '12,5 %'."""
    if value is None:
        return "–"
    return f"{danish_number(value * 100, decimals)}\u00a0%"


def ratio(value: float | None, decimals: int = 2) -> str:
    """A plain ratio such as the return per krone: 0.153 -> '0,15'."""
    return danish_number(value, decimals)
