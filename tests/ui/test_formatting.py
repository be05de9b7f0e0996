"""The one formatter: what a person reads follows the chosen language. Danish writes a decimal comma and
"." between thousands, English the other way round; both write a true minus sign and a dash for a
missing value, so choosing English never shows a Danish number, date or interval."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import dateformat, timezone, translation

from indsats.ui import formatting
from indsats.ui.formatting import (
    abbreviated_kroner,
    compact_number,
    date,
    date_range,
    date_time,
    hours,
    interval,
    kroner,
    long_date,
    number,
    p_value,
    percent,
    ratio,
)

NBSP = "\u00a0"
MINUS = "\u2212"


@pytest.fixture
def danish():
    with translation.override("da"):
        yield


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_danish_writes_a_decimal_comma_a_thousands_point_and_a_true_minus(danish):
    assert number(-2.25, 2) == f"{MINUS}2,25"
    assert number(0.5, 1) == "0,5"
    assert number(1234567.4) == "1.234.567"
    assert number(-1234567.891, 2) == f"{MINUS}1.234.567,89"
    assert ratio(-0.153) == f"{MINUS}0,15"
    assert compact_number(2.5) == "2,5" and compact_number(6.0) == "6"
    assert interval(-4.17, -1.88) == f"{MINUS}4,17 til {MINUS}1,88"
    assert interval(0.12, 0.48) == "0,12 til 0,48"
    assert p_value(0.0004) == "< 0,001" and p_value(0.0456) == "0,046"
    assert percent(0.125) == f"12,5{NBSP}%"
    assert hours(Decimal("22")) == "22,0 timer" and hours(1) == "1,0 time"


def test_english_writes_a_decimal_point_thousands_commas_and_to(english):
    assert number(0.5, 1) == "0.5"
    assert number(-1234567.891, 2) == f"{MINUS}1,234,567.89"
    assert interval(-4.17, -1.88) == f"{MINUS}4.17 to {MINUS}1.88"
    assert interval(0.12, 0.48) == "0.12 to 0.48"
    assert p_value(0.0004) == "< 0.001" and p_value(0.0456) == "0.046"
    assert percent(0.125) == "12.5%"
    assert hours(Decimal("22.0")) == "22.0 hours"


def test_kroner_are_whole_unless_the_amount_has_ore(danish):
    assert kroner(Decimal("1234567")) == f"1.234.567{NBSP}kr."
    assert kroner(Decimal("1234567.50")) == f"1.234.567,50{NBSP}kr."
    assert kroner(1234567.5) == f"1.234.567,50{NBSP}kr."
    assert kroner(Decimal("1234567.00")) == f"1.234.567{NBSP}kr."
    assert kroner(-450) == f"{MINUS}450{NBSP}kr."
    assert kroner(Decimal("-0.25")) == f"{MINUS}0,25{NBSP}kr."
    assert kroner(12_000_000_000) == f"12.000.000.000{NBSP}kr."


def test_an_estimate_is_shown_in_whole_kroner_rounding_half_to_even(danish):
    assert kroner(-12.5, 0) == f"{MINUS}12{NBSP}kr."
    assert kroner(-293.39, 0) == f"{MINUS}293{NBSP}kr."
    assert kroner(-0.4, 0) == f"0{NBSP}kr."  # no minus on a zero


def test_kroner_in_english_keep_the_unit_and_swap_the_separators(english):
    assert kroner(Decimal("1234567.5")) == f"1,234,567.50{NBSP}kr."


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, -math.inf, Decimal("NaN")])
def test_a_missing_value_is_a_dash(missing, danish):
    for written in (number(missing), kroner(missing), percent(missing), ratio(missing), p_value(missing)):
        assert written == "–"
    assert interval(missing, 1.0) == "– til 1,00"


def test_large_amounts_are_abbreviated_on_chart_axes(danish):
    assert abbreviated_kroner(1_234_567) == "1,2 mio."
    assert abbreviated_kroner(-2_000_000_000) == f"{MINUS}2,0 mia."
    assert abbreviated_kroner(25_000_000_000) == "25 mia."
    assert abbreviated_kroner(350_000) == "350.000"
    with translation.override("en"):
        assert abbreviated_kroner(1_234_567) == "1.2 m"


def test_danish_dates_abbreviate_the_month_in_lower_case(danish):
    assert date(datetime.date(2026, 12, 6)) == "6. dec. 2026"
    assert date(datetime.date(2026, 5, 6)) == "6. maj 2026"
    assert long_date(datetime.date(2026, 12, 6)) == "6. december 2026"
    assert date_range(datetime.date(2026, 12, 6), datetime.date(2027, 1, 3)) == "6. dec. 2026 – 3. jan. 2027"
    assert date_range(datetime.date(2026, 12, 6), None) == "6. dec. 2026 – –"
    assert date(None) == "–" and date_range(None, None) == "–"


def test_english_dates_put_the_day_first(english):
    assert date(datetime.date(2026, 12, 6)) == "6 Dec 2026"
    assert long_date(datetime.date(2026, 12, 6)) == "6 December 2026"


def test_a_moment_is_shown_in_danish_time():
    moment = datetime.datetime(2026, 12, 6, 13, 30, tzinfo=datetime.UTC)  # 14:30 in Copenhagen
    with translation.override("da"):
        assert date_time(moment) == "6. dec. 2026 kl. 14:30"
        late = timezone.make_aware(datetime.datetime(2026, 12, 6, 23, 30), datetime.UTC)
        assert date(late) == "7. dec. 2026"  # already the next day in Copenhagen
    with translation.override("en"):
        assert date_time(moment) == "6 Dec 2026, 14:30"


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_moment_is_written_as_djangos_dateformat_writes_the_pattern(language):
    """date_time writes its patterns out by hand (for speed): the same text as dateformat, every month."""
    with translation.override(language):
        pattern = formatting.conventions().date_time
        for month in range(1, 13):
            for moment in (
                datetime.datetime(2026, month, 1, 0, 5),
                datetime.datetime(987, month, 28, 23, 59),
                timezone.make_aware(datetime.datetime(2026, month, 9, 7, 0), datetime.UTC),
            ):
                local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
                assert date_time(moment) == dateformat.format(local, pattern)


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_day_is_written_as_djangos_dateformat_writes_the_pattern(language):
    """date and long_date write their patterns out by hand (for speed): the same text as dateformat, every
    day of a leap year and the next, a year before 1000, and a moment on its local calendar."""
    first = datetime.date(2028, 1, 1)
    days = [first + datetime.timedelta(days=n) for n in range(731)] + [datetime.date(987, 3, 4)]
    with translation.override(language):
        signs = formatting.conventions()
        write = formatting.Formatter()
        for day in days:
            assert date(day) == dateformat.format(day, signs.date)
            assert write.date(day) == date(day)
            assert long_date(day) == dateformat.format(day, signs.long_date)
        late = timezone.make_aware(datetime.datetime(2026, 12, 6, 23, 30), datetime.UTC)
        assert date(late) == dateformat.format(timezone.localtime(late).date(), signs.date)
        assert write.date(late) == date(late) and write.date(None) == date(None)
        assert write.date(datetime.datetime(2026, 12, 6, 23, 30)) == date(
            datetime.datetime(2026, 12, 6, 23, 30)
        )
        assert long_date(late) == dateformat.format(timezone.localtime(late).date(), signs.long_date)


def test_an_unknown_language_falls_back_to_danish():
    with translation.override("de"):
        assert formatting.conventions() is formatting.DANISH


def test_the_template_filters_use_the_same_formatter(danish):
    template = Template(
        "{% load formatting %}{{ amount|kr }}|{{ estimate|kr:0 }}|{{ share|percent:0 }}|{{ empty|kr }}|"
        "{{ day|short_date }}|{{ day|date_range:later }}|{% interval low high 1 %}|{{ text|number:1 }}"
    )
    written = template.render(
        Context(
            {
                "amount": Decimal("1234567.50"),
                "estimate": -12.5,
                "share": 0.4,
                "empty": "",
                "day": datetime.date(2026, 12, 6),
                "later": datetime.date(2027, 1, 3),
                "low": -0.25,
                "high": 1.25,
                "text": "2.25",
            }
        )
    )
    assert written.split("|") == [
        f"1.234.567,50{NBSP}kr.",
        f"{MINUS}12{NBSP}kr.",
        f"40{NBSP}%",
        "–",
        "6. dec. 2026",
        "6. dec. 2026 – 3. jan. 2027",
        f"{MINUS}0,2 til 1,2",
        "2,2",
    ]


def _number_as_before(value, decimals=0):
    """number() as it was written before its one-pass form: the reference it is compared with."""
    if formatting.is_missing(value):
        return formatting.MISSING
    written = format(abs(value), f",.{decimals}f")
    return formatting._signed(value, formatting._localise(written))


@pytest.mark.parametrize("language", ["da", "en"])
def test_number_writes_what_the_separate_localise_and_sign_steps_wrote(language):
    """The one-pass number() against the steps it replaced, over random and edge values of every type."""
    import random

    rng = random.Random(16)
    values: list[object] = [None, 0, -0.0, 0.0, 1, -1, 999, 1000, -1000, 10**15, -(10**15), True, False]
    values += [
        math.nan,
        math.inf,
        -math.inf,
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-0"),
        Decimal("-0.004"),
    ]
    values += [
        -0.004,
        -0.005,
        -0.0049,
        0.0049,
        -0.05,
        -0.5,
        -0.45,
        0.5,
        1.5,
        2.5,
        -2.5,
        123456.785,
        -999.9999,
    ]
    for _ in range(3000):
        magnitude = 10 ** rng.randint(-6, 13)
        values.append(rng.uniform(-1, 1) * magnitude)
        values.append(rng.randint(-(10**12), 10**12))
        values.append(Decimal(str(round(rng.uniform(-1, 1) * magnitude, rng.randint(0, 6)))))
    with translation.override(language):
        for value in values:
            for decimals in (0, 1, 2, 3, 6):
                assert number(value, decimals) == _number_as_before(value, decimals), (value, decimals)


@pytest.mark.parametrize("language", ["da", "en"])
def test_one_formatter_writes_many_values_as_the_separate_calls_do(language):
    """A Formatter resolves the language, the time zone and the month names once for a whole table or
    chart: what it writes for a run of values (every month twice, amounts of every size) is what
    dateformat writes for each moment and what the functions write for each value on their own."""
    import random

    rng = random.Random(16)
    moments = [
        timezone.make_aware(datetime.datetime(2026, month, day, hour, 7), datetime.UTC)
        for month in (*range(1, 13), *range(12, 0, -1))
        for day, hour in ((1, 0), (28, 23))  # the last of a month in UTC is the next month in Copenhagen
    ] + [datetime.datetime(987, 3, 4, 5, 6), None]
    amounts = [None, math.nan, 0, -0.004, 999.5, -1234567.5, Decimal("1234.50"), 5 * 10**9, -2.5e6]
    amounts += [rng.uniform(-1, 1) * 10 ** rng.randint(0, 11) for _ in range(300)]
    with translation.override(language), timezone.override("Europe/Copenhagen"):
        write = formatting.Formatter()
        pattern = formatting.conventions().date_time
        for moment in moments:
            local = timezone.localtime(moment) if moment and timezone.is_aware(moment) else moment
            expected = dateformat.format(local, pattern) if moment else formatting.MISSING
            assert write.date_time(moment) == expected
        for amount in amounts:
            assert write.number(amount, 2) == _number_as_before(amount, 2)
            assert write.kroner(amount) == _kroner_as_before(amount)
            assert write.kroner(amount, 0) == _kroner_as_before(amount, 0)
            assert write.abbreviated_kroner(amount) == _abbreviated_kroner_as_before(amount)
            share = None if amount is None else float(amount) / 1e9
            assert write.percent(share) == _percent_as_before(share)


def _kroner_as_before(value, decimals=None):
    """kroner() as it was written before the Formatter: the reference it is compared with."""
    if formatting.is_missing(value):
        return formatting.MISSING
    if decimals is None:
        decimals = 0 if formatting._is_whole_kroner(value) else 2
    return f"{_number_as_before(value, decimals)}{NBSP}kr."


def _abbreviated_kroner_as_before(value):
    if formatting.is_missing(value):
        return formatting.MISSING
    amount = float(value)
    size = abs(amount)
    if size >= 1e9:
        return translation.gettext("%(amount)s mia.") % {
            "amount": _number_as_before(amount / 1e9, 1 if size < 1e10 else 0)
        }
    if size >= 1e6:
        return translation.gettext("%(amount)s mio.") % {
            "amount": _number_as_before(amount / 1e6, 1 if size < 1e7 else 0)
        }
    return _number_as_before(amount)


def _percent_as_before(share, decimals=1):
    if formatting.is_missing(share):
        return formatting.MISSING
    return formatting.conventions().percent_pattern.format(_number_as_before(share * 100, decimals))
