"""Form fields every app shares: AmountField, the one field for an amount or any decimal a person types.

A Dane writes one thousand two hundred and thirty-four kroner and fifty øre as "1.234,50"; a number
pasted from elsewhere may read "1234.50". AmountField accepts both, and "1 234,50 kr." too:

* with a comma, the comma is the decimal mark and dots (and spaces) group the thousands;
* without a comma, dots in the pattern of thousands ("1.234", "12.345.678", never starting with 0) group
  thousands, and any other single dot ("1234.5", "0.125") is a decimal point.

It renders its value the Danish way (a decimal comma, no grouping), so a form sent back unchanged reads
the same number. Model forms get it for every DecimalField through `decimal_formfield` (set as
`formfield_callback` on the form).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.db import models

_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_amount(text: str) -> str:
    """The typed text as a plain decimal string Python's Decimal reads ("1.234,50" -> "1234.50"); text
    that is no number comes back for DecimalField to refuse with its own message."""
    value = _SPACES.sub("", text).removesuffix("kr.").removesuffix("kr")
    if "," in value:
        if value.count(",") > 1:
            return text
        return value.replace(".", "").replace(",", ".")
    if _THOUSANDS.match(value):
        return value.replace(".", "")
    return value


class AmountInput(forms.TextInput):
    """A text box (a number box would refuse the comma) that asks phones for the decimal keypad."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
            return format(Decimal(str(value)), "f").replace(".", ",")
        return super().format_value(value)


class AmountField(forms.DecimalField):
    """A DecimalField that reads Danish and plain notation (see the module's docstring)."""

    widget = AmountInput

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # the stubs type it as IntegerField's
        if isinstance(value, str):
            value = parse_amount(value)
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # DecimalField adds a number box's step/min/max; a text box takes none of them
        attrs = super().widget_attrs(widget)
        for name in ("step", "min", "max"):
            attrs.pop(name, None)
        return attrs


def decimal_formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """A model form's `formfield_callback`: AmountField for every DecimalField, the default otherwise."""
    if isinstance(db_field, models.DecimalField):
        return db_field.formfield(form_class=AmountField, **kwargs)
    return db_field.formfield(**kwargs)
