"""Kroner as the Danish pages and letters write them."""

from __future__ import annotations

from decimal import Decimal


def kr(amount: Decimal) -> str:
    """Danish money format: 1.234.567,50 kr."""
    whole, _dot, fraction = f"{amount:,.2f}".partition(".")
    text = whole.replace(",", ".")
    return f"{text} kr." if fraction == "00" else f"{text},{fraction} kr."
