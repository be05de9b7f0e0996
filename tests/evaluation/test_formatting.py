"""Report numbers follow the chosen language: a decimal comma and "til" in Danish, a point and "to" in
English, so choosing English never shows a Danish interval."""

from __future__ import annotations

from django.utils import translation

from indsats.evaluation.formatting import compact_number, interval_text, number, p_value_text


def test_danish_writes_a_decimal_comma_and_a_true_minus():
    with translation.override("da"):
        assert number(-2.25) == "−2,25"
        assert number(0.5, 1) == "0,5"
        assert interval_text(-4.17, -1.88) == "−4,17 til −1,88"
        assert p_value_text(0.0004) == "< 0,001"
        assert compact_number(2.5) == "2,5" and compact_number(6.0) == "6"


def test_english_writes_a_decimal_point_and_to():
    with translation.override("en"):
        assert number(0.5, 1) == "0.5"
        assert interval_text(-4.17, -1.88) == "−4.17 to −1.88"
        assert p_value_text(0.0004) == "< 0.001"
        assert p_value_text(0.0456) == "0.046"


def test_a_missing_value_is_a_dash():
    assert number(None) == "–" and p_value_text(None) == "–"
