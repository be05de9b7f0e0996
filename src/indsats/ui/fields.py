"""Form fields every app shares: the one way a typed number with decimals is read and shown.

A Dane writes one thousand two hundred and thirty-four kroner and fifty øre as "1.234,50"; a number
pasted from elsewhere may read "1234.50", and an English page may get "1,234.50". `parse_amount` reads
them all, in the page's language:

* with both a comma and a point, the last of them is the decimal mark and the other groups thousands;
* in Danish a comma is the decimal mark, and dots in the pattern of thousands ("1.234", "12.345.678")
  group thousands, while any other single dot ("1234.5", "0.125") is a decimal point;
* in English commas in the pattern of thousands ("900,000") group thousands, and any other comma is a
  decimal mark (a Dane on the English page);
* spaces (also no-break ones), a trailing "kr." and a typographic minus are allowed.

Chromium's ``<input type="number">`` turns a Danish "-0,2" into "-02" before the form is sent, so numbers
with decimals are typed in a text box (`DecimalInput`, ``inputmode="decimal"`` still brings up the number
pad) and shown with the page's decimal mark. `AmountField` is a DecimalField that reads this way; model
forms get it for every DecimalField through `decimal_formfield` (their `formfield_callback`), and
`accept_decimal_comma(form)` gives every decimal and float field of any form the same text box.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.utils.formats import get_format
from django.utils.translation import get_language

_GROUPED = {
    ".": re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+$"),  # a number never starts with a 0 group
    ",": re.compile(r"^-?[1-9]\d{0,2}(,\d{3})+$"),
}
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_amount(value: Any) -> Any:
    """The typed text as a plain decimal string Python's Decimal reads ("1.234,50" -> "1234.50" in
    Danish); text that is no number comes back for the field to refuse with its own message, and a value
    that is not text as it came."""
    if not isinstance(value, str):
        return value
    text = _SPACES.sub("", value).removesuffix("kr.").removesuffix("kr").replace("\u2212", "-")
    if "," in text and "." in text:
        mark = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if mark == "," else ","
        if text.count(mark) > 1:
            return value
        return text.replace(grouping, "").replace(mark, ".")
    danish = (get_language() or "da")[:2] != "en"
    if "." in text and danish and _GROUPED["."].match(text):
        return text.replace(".", "")  # "900.000" in Danish is nine hundred thousand
    if "," in text:
        if not danish and _GROUPED[","].match(text):
            return text.replace(",", "")  # "900,000" in English likewise
        if text.count(",") > 1:
            return value
        return text.replace(",", ".")
    return text


class DecimalInput(forms.TextInput):
    """A text box for a decimal number: shown with the page's decimal mark, read with either."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, float | Decimal) and not isinstance(value, bool):
            text = format(value, "f") if isinstance(value, Decimal) else repr(value)
            return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))
        return super().format_value(value)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return parse_amount(super().value_from_datadict(data, files, name))


# the name the grants and interventions forms know it by
AmountInput = DecimalInput


class AmountField(forms.DecimalField):
    """A DecimalField that reads Danish and plain notation (see the module's docstring)."""

    widget = DecimalInput

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # the stubs type it as IntegerField's
        return super().to_python(parse_amount(value))

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


def accept_decimal_comma(form: forms.BaseForm) -> None:
    """Every decimal and float field of the form typed in a `DecimalInput`."""
    for field in form.fields.values():
        if isinstance(field, forms.DecimalField | forms.FloatField) and not isinstance(
            field.widget, DecimalInput | forms.HiddenInput
        ):
            attrs = {k: v for k, v in field.widget.attrs.items() if k not in {"step", "min", "max"}}
            field.widget = DecimalInput(attrs)
