"""AmountField: the one field for amounts, reading Danish notation ("1.234,50") and plain ("1234.50")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms

from indsats.economy.forms import UnitPriceForm
from indsats.grants.allocation import AllocationForm, parse_candidates
from indsats.grants.forms import AwardForm, SupportForm
from indsats.ui.fields import AmountField, parse_amount


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.234,50", "1234.50"),
        ("1234,5", "1234.5"),
        ("1 234,50 kr.", "1234.50"),
        ("1\u00a0234\u00a0567,00", "1234567.00"),
        ("12.345.678", "12345678"),
        ("1.234", "1234"),  # dots in thousands' groups: a Dane's thousand separator
        ("1234.50", "1234.50"),  # a pasted number with a decimal point
        ("0.125", "0.125"),
        ("-0,25", "-0.25"),
        ("430000", "430000"),
    ],
)
def test_amounts_are_read_the_danish_way_and_the_plain_way(typed, expected):
    assert AmountField(max_digits=14, decimal_places=3).clean(typed) == Decimal(expected)
    assert parse_amount(typed) == expected


@pytest.mark.parametrize("typed", ["1,2,3", "abc", "1.2.3,4,5"])
def test_what_is_no_number_is_refused_with_the_fields_own_message(typed):
    with pytest.raises(forms.ValidationError):
        AmountField().clean(typed)


def test_a_value_renders_with_a_decimal_comma_so_it_reads_back_the_same():
    field = AmountField(max_digits=14, decimal_places=2)
    shown = field.widget.format_value(Decimal("1234.50"))
    assert shown == "1234,50" and field.clean(shown) == Decimal("1234.50")
    html = field.widget.render("amount", Decimal("1234.50"), attrs=field.widget_attrs(field.widget))
    assert 'type="text"' in html and 'inputmode="decimal"' in html and 'value="1234,50"' in html


def test_every_amount_form_takes_a_danish_amount(db):
    award = AwardForm(
        {"amount": "1.234,50", "project_start": "2026-01-01", "project_end": "2026-12-31", "conditions": ""}
    )
    assert award.is_valid(), award.errors
    assert award.cleaned_data["amount"] == Decimal("1234.50")
    support = SupportForm({"hours": "2,5"})
    assert support.has_error("hours") is False
    price = UnitPriceForm(
        {
            "name": "Sagsbehandlertime",
            "unit": "time",
            "amount": "1.234,50",
            "price_year": "2025",
            "share_kommune": "0,5",
            "share_region": "0",
            "share_stat": "0,5",
            "source": "KL",
            "valid_from": "2025-01-01",
        }
    )
    price.is_valid()
    assert "amount" not in price.errors and "share_kommune" not in price.errors
    assert price.cleaned_data["amount"] == Decimal("1234.50")
    assert price.cleaned_data["share_kommune"] == Decimal("0.5")


def test_the_allocation_helper_reads_amounts_as_every_amount_field_does():
    [candidate] = parse_candidates("Skolefravær; 1.234.000,50 kr.; 0.5")
    assert (candidate.cost, candidate.value) == (1234000.5, 0.5)  # "0.5" was read as 5 before
    form = AllocationForm({"budget": "12.000.000", "candidates": "A; 1; 2", "top_k": "3"})
    form.is_valid()
    assert form.cleaned_data.get("budget") == Decimal("12000000")
