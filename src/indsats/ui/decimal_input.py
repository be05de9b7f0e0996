"""Decimal numbers typed with a comma or a point, in either language.

Chromium's ``<input type="number">`` turns a Danish "-0,2" into "-02" before the form is sent, so a
number with decimals is typed in a text box (``inputmode="decimal"`` still brings up the number pad)
and read here: "-0,2", "-0.2", "1.250.000,50" (Danish) and "1,250,000.50" (English) all mean what the
person wrote. A form calls `accept_decimal_comma(form)` once; every decimal and float field then uses
`DecimalInput`. Whole numbers keep their number input (there is no decimal mark to lose).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.formats import get_format
from django.utils.translation import get_language

_GROUPED = {
    ".": re.compile(r"^-?\d{1,3}(\.\d{3})+$"),
    ",": re.compile(r"^-?\d{1,3}(,\d{3})+$"),
}


def normalise_decimal(value: Any) -> Any:
    """The typed text with a point as the decimal mark and no grouping; anything else as it came."""
    if not isinstance(value, str):
        return value
    text = value.strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if "," in text and "." in text:
        mark = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if mark == "," else ","
        return text.replace(grouping, "").replace(mark, ".")
    danish = (get_language() or "da")[:2] != "en"
    if "." in text and danish and _GROUPED["."].match(text):
        return text.replace(".", "")  # "900.000" in Danish is nine hundred thousand
    if "," in text:
        if not danish and _GROUPED[","].match(text):
            return text.replace(",", "")  # "900,000" in English likewise
        return text.replace(",", ".")
    return text


class DecimalInput(forms.TextInput):
    """A text box for a decimal number: shown with the page's decimal mark, read with either."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, float | Decimal) and not isinstance(value, bool):
            text = format(value, "f") if isinstance(value, Decimal) else repr(value)
            return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))
        return super().format_value(value)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return normalise_decimal(super().value_from_datadict(data, files, name))


def accept_decimal_comma(form: forms.BaseForm) -> None:
    """Every decimal and float field of the form typed in a `DecimalInput`."""
    for field in form.fields.values():
        if isinstance(field, forms.DecimalField | forms.FloatField) and not isinstance(
            field.widget, DecimalInput | forms.HiddenInput
        ):
            attrs = {k: v for k, v in field.widget.attrs.items() if k not in {"step", "min", "max"}}
            field.widget = DecimalInput(attrs)
