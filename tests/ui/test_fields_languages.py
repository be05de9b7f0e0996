"""Decimals typed with a comma or a point mean what the person wrote, in Danish and in English."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from indsats.ui.fields import DecimalInput, accept_decimal_comma, parse_amount


@pytest.mark.parametrize(
    ("language", "typed", "meant"),
    [
        ("da", "-0,2", "-0.2"),
        ("en", "-0,2", "-0.2"),
        ("da", "-0.2", "-0.2"),
        ("da", "1.250.000,50", "1250000.50"),
        ("en", "1,250,000.50", "1250000.50"),
        ("da", "900.000", "900000"),
        ("en", "900,000", "900000"),
        ("da", "1\u00a0200,5", "1200.5"),
        ("da", "\u22120,25", "-0.25"),
        ("da", "", ""),
    ],
)
def test_a_typed_decimal_is_read_as_meant(language, typed, meant):
    with translation.override(language):
        assert parse_amount(typed) == meant


class _Form(forms.Form):
    share = forms.DecimalField(max_digits=6, decimal_places=4)
    ratio = forms.FloatField()
    count = forms.IntegerField()


def test_a_form_takes_the_danish_comma_and_shows_the_pages_decimal_mark():
    with translation.override("da"):
        form = _Form({"share": "-0,2", "ratio": "0,75", "count": "3"})
        accept_decimal_comma(form)
        assert form.is_valid(), form.errors
        assert form.cleaned_data == {"share": Decimal("-0.2"), "ratio": 0.75, "count": 3}
        assert 'inputmode="decimal"' in str(form["share"]) and 'type="number"' in str(form["count"])
        assert DecimalInput().format_value(Decimal("-0.2500")) == "-0,2500"
    with translation.override("en"):
        assert DecimalInput().format_value(Decimal("-0.25")) == "-0.25"
