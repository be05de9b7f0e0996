"""Discount schedules and factors, checked against the products written out by hand."""

from __future__ import annotations

import math

import pytest

from indsats.engine.investment.discounting import (
    DEFAULT_SCHEDULE_NAME,
    DiscountScheduleError,
    discount_factors,
    parse_discount_schedule,
)


def test_default_schedule_is_the_finance_ministrys_2021_schedule() -> None:
    schedule = parse_discount_schedule(None)
    assert schedule.name == DEFAULT_SCHEDULE_NAME == "dk-finance-ministry-2021"
    assert schedule.steps == ((0, 0.035), (36, 0.025), (71, 0.015))


def test_year_zero_is_not_discounted() -> None:
    for name in ("dk-finance-ministry-2021", "uk-green-book", "flat-7"):
        assert discount_factors(parse_discount_schedule(name), 3)[0] == 1.0


def test_finance_ministry_factors_for_years_36_37_71_and_72_are_the_products_written_out() -> None:
    # Finansministeriet, January 2021: 3.5 % in years 0-35, 2.5 % in years 36-70, 1.5 % from year 71.
    # The factor of year t is 1 / prod over the years k = 0 .. t-1 before it of (1 + r_k):
    factors = discount_factors(parse_discount_schedule("dk-finance-ministry-2021"), 80)
    year_36 = 1 / 1.035**36  # years 0..35: 36 years at 3.5 %
    year_37 = 1 / (1.035**36 * 1.025)  # + year 36 at 2.5 %
    year_71 = 1 / (1.035**36 * 1.025**35)  # + years 36..70: 35 years at 2.5 %
    year_72 = 1 / (1.035**36 * 1.025**35 * 1.015)  # + year 71 at 1.5 %
    assert factors[35] == pytest.approx(1 / 1.035**35, rel=1e-13)
    assert factors[36] == pytest.approx(year_36, rel=1e-13)
    assert factors[37] == pytest.approx(year_37, rel=1e-13)
    assert factors[71] == pytest.approx(year_71, rel=1e-13)
    assert factors[72] == pytest.approx(year_72, rel=1e-13)


def test_uk_green_book_steps_down_after_year_30() -> None:
    # HM Treasury Green Book: 3.5 % in years 0-30, 3.0 % in 31-75, 2.5 % in 76-125, ...
    factors = discount_factors(parse_discount_schedule("uk-green-book"), 130)
    assert factors[31] == pytest.approx(1 / 1.035**31, rel=1e-13)
    assert factors[32] == pytest.approx(1 / (1.035**31 * 1.03), rel=1e-13)
    assert factors[77] == pytest.approx(1 / (1.035**31 * 1.03**45 * 1.025), rel=1e-13)
    assert parse_discount_schedule("uk-green-book").steps[-1] == (301, 0.010)


def test_flat_schedule_is_a_geometric_series() -> None:
    factors = discount_factors(parse_discount_schedule("flat-4"), 10)
    for year in range(10):
        assert factors[year] == pytest.approx(1.04**-year, rel=1e-13)
    assert parse_discount_schedule("flat-3.5").steps == ((0, 0.035),)
    assert list(discount_factors(parse_discount_schedule("flat-0"), 4)) == [1.0, 1.0, 1.0, 1.0]


def test_listed_schedule_applies_each_rate_from_its_first_year() -> None:
    schedule = parse_discount_schedule([[0, 0.05], [2, 0.01]])
    factors = discount_factors(schedule, 5)
    assert factors[1] == pytest.approx(1 / 1.05)
    assert factors[2] == pytest.approx(1 / 1.05**2)
    assert factors[3] == pytest.approx(1 / (1.05**2 * 1.01))
    assert factors[4] == pytest.approx(1 / (1.05**2 * 1.01**2))


def test_shifted_schedule_moves_every_rate() -> None:
    shifted = parse_discount_schedule("dk-finance-ministry-2021").shifted(0.01)
    assert [rate for _, rate in shifted.steps] == pytest.approx([0.045, 0.035, 0.025])
    assert discount_factors(shifted, 3)[2] == pytest.approx(1 / 1.045**2)


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ("ramsey", "discount", "unknown schedule"),
        ("flat-abc", "discount", "percentage"),
        ([], "discount", "empty"),
        ([[1, 0.03]], "discount[0][0]", "start at year 0"),
        ([[0, 0.03], [0, 0.02]], "discount[1][0]", "increase"),
        ([[0, 3.5]], "discount[0][1]", "fractions"),
        ([[0, -1.0]], "discount[0][1]", "above -1"),
        ([[0, "3 %"]], "discount[0][1]", "number"),
        ([[0.5, 0.03]], "discount[0][0]", "whole number"),
        ([0.03], "discount[0]", "pair"),
        (3.5, "discount", "schedule name"),
    ],
)
def test_bad_schedule_names_the_field(spec: object, field: str, words: str) -> None:
    with pytest.raises(DiscountScheduleError) as caught:
        parse_discount_schedule(spec)
    assert caught.value.field == field
    assert words in caught.value.message
    assert isinstance(caught.value, ValueError)


def test_factors_are_positive_and_falling_for_positive_rates() -> None:
    factors = discount_factors(parse_discount_schedule(None), 400)
    assert all(0 < later < earlier for earlier, later in zip(factors, factors[1:], strict=False))
    assert math.isclose(factors[1], 1 / 1.035)
