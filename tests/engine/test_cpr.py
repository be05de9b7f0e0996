"""CPR numbers: form checks, the CPR office's century table, sex, age, and the keyed pseudonym.

References: the CPR office's table of the 7th digit (CPR-kontoret, "Personnummeret i CPR-systemet"),
the modulus-11 example 070761-4285 worked by hand below, and Python's own ``hmac`` module for the
pseudonym (computed independently in each test from the documented message format).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest

from indsats.engine.cpr import CprError, age_on, normalise_cpr, pseudonym, validate_cpr

KEY = b"a-test-installation-secret-of-32b"
LATER = date(2070, 1, 1)  # a "today" after every birth date the century table can give


def reference_pseudonym(digits: str, municipality_code: str, key: bytes = KEY) -> str:
    message = f"indsats-participant-v1|{municipality_code}|{digits}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("cpr", "birth_date"),
    [
        # 7th digit 0-3: 1900-1999 whatever YY is
        ("010100-0001", date(1900, 1, 1)),
        ("311299-3001", date(1999, 12, 31)),
        # 7th digit 4 and 9: 2000s when YY <= 36, otherwise 1900s
        ("010136-4001", date(2036, 1, 1)),
        ("010137-4001", date(1937, 1, 1)),
        ("010136-9001", date(2036, 1, 1)),
        ("010137-9001", date(1937, 1, 1)),
        # 7th digit 5-8: 2000s when YY <= 57, otherwise 1800s
        ("010157-5001", date(2057, 1, 1)),
        ("010158-5001", date(1858, 1, 1)),
        ("010157-8001", date(2057, 1, 1)),
        ("010158-8001", date(1858, 1, 1)),
        ("150605-6001", date(2005, 6, 15)),
    ],
)
def test_the_century_follows_the_cpr_offices_table_at_its_boundaries(cpr, birth_date):
    assert validate_cpr(cpr, today=LATER).birth_date == birth_date


def test_a_leap_day_is_valid_only_in_a_leap_year_of_the_right_century():
    # 29 February 2000 (7th digit 4, YY 00 -> 2000, a leap year) exists; 29 February 1900 does not.
    assert validate_cpr("290200-4001", today=LATER).birth_date == date(2000, 2, 29)
    with pytest.raises(CprError) as caught:
        validate_cpr("290200-1001", today=LATER)
    assert caught.value.code == "date"


def test_sex_comes_from_the_last_digit_odd_is_male():
    assert validate_cpr("010190-1231", today=LATER).sex == "male"
    assert validate_cpr("010190-1232", today=LATER).sex == "female"


def test_modulus_11_is_reported_but_not_required():
    # 070761-4285: 0*4 + 7*3 + 0*2 + 7*7 + 6*6 + 1*5 + 4*4 + 2*3 + 8*2 + 5*1 = 154 = 11 * 14
    assert validate_cpr("070761-4285", today=LATER).satisfies_modulus_11 is True
    # the last digit changed: 155 is not divisible by 11, yet the number is accepted (rule dropped 2007)
    assert validate_cpr("070761-4286", today=LATER).satisfies_modulus_11 is False


def test_with_and_without_hyphen_and_spaces_are_the_same_number():
    assert normalise_cpr(" 070761-4285 ") == normalise_cpr("0707614285") == "0707614285"


@pytest.mark.parametrize(
    ("text", "code", "english"),
    [
        ("", "empty", "The CPR number is missing."),
        ("070761-428", "length", "must have 10 digits (DDMMYY-SSSS); it has 9"),
        ("07076142851", "length", "must have 10 digits (DDMMYY-SSSS); it has 11"),
        ("07O761-4285", "characters", "may contain only digits"),
        ("0707-614285", "characters", "may contain only digits"),
        ("320161-4285", "date", "are not a valid date (DDMMYY)"),
        ("071361-4285", "date", "are not a valid date (DDMMYY)"),
    ],
)
def test_a_malformed_cpr_gets_a_code_and_an_english_message_that_never_repeats_it(text, code, english):
    with pytest.raises(CprError) as caught:
        validate_cpr(text, today=LATER)
    error = caught.value
    assert error.code == code
    assert error.field == "cpr"
    assert english in error.message
    shown = str(error) + repr(error) + error.message + str(error.params)
    digits = "".join(c for c in text if c.isdigit())
    assert not digits or digits[:6] not in shown


def test_a_birth_date_in_the_future_is_refused():
    # 7th digit 4, YY 30 -> 2030, after "today" 1 January 2026
    with pytest.raises(CprError) as caught:
        validate_cpr("010130-4001", today=date(2026, 1, 1))
    assert caught.value.code == "future"
    assert "future" in caught.value.message


def test_the_pseudonym_is_hmac_sha256_of_the_normalised_digits_scoped_by_municipality():
    assert pseudonym("070761-4285", key=KEY, municipality_code="101") == reference_pseudonym(
        "0707614285", "101"
    )
    assert pseudonym("0707614285", key=KEY, municipality_code="101") == reference_pseudonym(
        "0707614285", "101"
    )


def test_the_same_child_in_another_municipality_gets_another_pseudonym():
    copenhagen = pseudonym("070761-4285", key=KEY, municipality_code="101")
    frederiksberg = pseudonym("070761-4285", key=KEY, municipality_code="147")
    assert copenhagen != frederiksberg
    assert frederiksberg == reference_pseudonym("0707614285", "147")


def test_another_installation_key_gives_another_pseudonym():
    other_key = b"another-installation-secret-key!!"
    assert pseudonym("070761-4285", key=other_key, municipality_code="101") != pseudonym(
        "070761-4285", key=KEY, municipality_code="101"
    )


def test_the_pseudonym_is_not_the_plain_hash_of_the_number():
    # without the key anyone could hash all 3.6 million birth-date serials; the key must matter
    plain = hashlib.sha256(b"0707614285").hexdigest()
    assert pseudonym("070761-4285", key=KEY, municipality_code="101") != plain


def test_the_pseudonym_refuses_a_short_key_and_a_bad_municipality_code():
    with pytest.raises(ValueError, match="^key: "):
        pseudonym("070761-4285", key=b"short", municipality_code="101")
    with pytest.raises(ValueError, match="^municipality_code: "):
        pseudonym("070761-4285", key=KEY, municipality_code="København")


def test_the_pseudonym_checks_the_number_first_without_repeating_it():
    with pytest.raises(CprError) as caught:
        pseudonym("320161-4285", key=KEY, municipality_code="101")
    assert "320161" not in str(caught.value)


@pytest.mark.parametrize(
    ("birth_date", "on", "age"),
    [
        (date(2010, 6, 15), date(2026, 6, 14), 15),  # the day before the 16th birthday
        (date(2010, 6, 15), date(2026, 6, 15), 16),  # on the birthday
        (date(2008, 2, 29), date(2025, 2, 28), 16),  # leap-day birthday, non-leap year: not yet
        (date(2008, 2, 29), date(2025, 3, 1), 17),  # ... 1 March
        (date(2008, 2, 29), date(2024, 2, 29), 16),  # leap year: on the day
        (date(2008, 2, 29), date(2008, 2, 29), 0),
    ],
)
def test_age_counts_completed_years(birth_date, on, age):
    assert age_on(birth_date, on) == age


def test_age_before_birth_is_refused():
    with pytest.raises(ValueError, match="^on: "):
        age_on(date(2010, 1, 2), date(2010, 1, 1))


def test_the_derived_information_keeps_birth_date_and_sex_only():
    info = validate_cpr("070761-4285", today=LATER)
    assert (info.birth_date, info.sex, info.age_on(date(2026, 7, 7))) == (date(1961, 7, 7), "male", 65)
    assert "4285" not in repr(info)
