"""CPR numbers: check their form, derive birth date, sex and age, and turn them into a keyed pseudonym.

A CPR number (Det Centrale Personregister) is ``DDMMYY-SSSS``: the birth date, then a four-digit serial
number whose first digit gives the century and whose last digit gives the sex. Indsats never stores or
logs the number: a municipality types or imports it, Indsats checks its form, derives the birth date and
sex, and keeps only ``pseudonym(...)``, an HMAC-SHA256 with the installation's secret key scoped by the
municipality, so the same child is recognised again without the number being kept. For that reason no
message, exception or ``repr`` here ever contains the number or its digits: they say "the CPR number".

Rules and their sources:

* Century (CPR-kontoret, "Personnummeret i CPR-systemet", the table of the 7th digit and the year):
  7th digit 0-3: 1900-1999; 4 or 9: 2000-2036 when YY <= 36, else 1937-1999; 5-8: 2000-2057 when
  YY <= 57, else 1858-1899.
* Sex: the last digit is odd for a man, even for a woman (same source).
* Modulus 11 (weights 4, 3, 2, 7, 6, 5, 4, 3, 2, 1; the weighted sum divisible by 11) is *not* required:
  the CPR office stopped guaranteeing it in 2007, when numbers without it were issued. It is reported as
  ``satisfies_modulus_11`` for information only.
* Pseudonym: RFC 2104 HMAC with SHA-256 (FIPS 180-4) over the UTF-8 message
  ``"indsats-participant-v1|" + municipality_code + "|" + the 10 digits``, as lower-case hex.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal

from indsats.engine.base.errors import EngineError

__all__ = [
    "CprError",
    "CprInfo",
    "age_on",
    "normalise_cpr",
    "pseudonym",
    "validate_cpr",
]

PSEUDONYM_CONTEXT = "indsats-participant-v1"
MIN_KEY_BYTES = 16
MODULUS_11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)

_MUNICIPALITY_CODE = re.compile(r"^[0-9]{3}$")


class CprError(EngineError):
    """A CPR number that does not have the right form; ``field`` is always ``cpr``.

    ``code`` says what is wrong: ``not_text``, ``empty``, ``characters``, ``length``, ``date`` or
    ``future``. The messages never contain the number or its digits.
    """

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "not_text": "The CPR number must be a text.",
        "empty": "The CPR number is missing.",
        "characters": (
            "The CPR number may contain only digits, optionally with a hyphen after the first six "
            "(DDMMYY-SSSS)."
        ),
        "length": "The CPR number must have 10 digits (DDMMYY-SSSS); it has {length}.",
        "date": "The first six digits of the CPR number are not a valid date (DDMMYY).",
        "future": "The CPR number's birth date lies in the future; check the digits.",
    }

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__("cpr", code, **params)


@dataclass(frozen=True)
class CprInfo:
    """What Indsats keeps from a CPR number: the birth date and sex (never the number itself)."""

    birth_date: date
    sex: Literal["male", "female"]
    satisfies_modulus_11: bool

    def age_on(self, on: date) -> int:
        """Age in completed years on the date ``on`` (see ``age_on``)."""
        return age_on(self.birth_date, on)


# Anything shaped like a CPR number (DDMMYY with a real day and month, an optional "-", then four digits)
# that is not part of a longer number; in a URL the hyphen may be written %2D or a space +. Used to mask
# text that may hold one: log lines, file names, error texts.
CPR_SHAPED = re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}(?:[-\s+]|%2[dD])?\d{4}(?!\d)")
CPR_MASK = "[CPR]"


def mask_cpr(text: str, mask: str = CPR_MASK) -> str:
    """``text`` with every CPR-shaped number replaced by ``mask``."""
    return CPR_SHAPED.sub(mask, text)


def normalise_cpr(text: str) -> str:
    """The 10 digits of a CPR number written ``DDMMYY-SSSS`` or ``DDMMYYSSSS`` (spaces around allowed).

    Checks only the form (digits, length, the hyphen's place), not the date; raises ``CprError``.
    """
    if not isinstance(text, str):
        raise CprError("not_text")
    stripped = text.strip()
    if not stripped:
        raise CprError("empty")
    # the hyphen is allowed in one place only: after DDMMYY
    digits = stripped[:6] + stripped[7:] if stripped[6:7] == "-" else stripped
    if not all("0" <= character <= "9" for character in digits):
        raise CprError("characters")
    if len(digits) != 10:
        raise CprError("length", length=len(digits))
    return digits


def _birth_year(two_digit_year: int, century_digit: int) -> int:
    """The four-digit birth year from YY and the 7th digit (CPR office's table, module docstring)."""
    if century_digit <= 3:
        return 1900 + two_digit_year
    if century_digit in (4, 9):
        return (2000 if two_digit_year <= 36 else 1900) + two_digit_year
    return (2000 if two_digit_year <= 57 else 1800) + two_digit_year  # 5-8


def validate_cpr(text: str, *, today: date | None = None) -> CprInfo:
    """Check a CPR number's form and date and derive the birth date and sex.

    Accepts ``DDMMYY-SSSS`` or 10 digits. The century comes from the 7th digit (CPR office's table, see
    the module docstring), the sex from the last digit (odd: male). Raises ``CprError`` (a code and an
    English message) when the number has the wrong length or characters, when its first six digits are
    not a real date, or when that date is after ``today`` (default: the system date). Modulus 11 is not
    required (abandoned in 2007) but reported.
    """
    digits = normalise_cpr(text)
    day, month, two_digit_year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    year = _birth_year(two_digit_year, int(digits[6]))
    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise CprError("date") from None
    if birth_date > (today or date.today()):
        raise CprError("future")
    weighted = sum(int(digit) * weight for digit, weight in zip(digits, MODULUS_11_WEIGHTS, strict=True))
    return CprInfo(
        birth_date=birth_date,
        sex="male" if int(digits[9]) % 2 == 1 else "female",
        satisfies_modulus_11=weighted % 11 == 0,
    )


def pseudonym(cpr: str, *, key: bytes, municipality_code: str) -> str:
    """The keyed pseudonym of a CPR number within one municipality: 64 lower-case hex characters.

    ``HMAC-SHA256(key, "indsats-participant-v1|" + municipality_code + "|" + digits)`` (RFC 2104,
    FIPS 180-4) over the normalised 10 digits, so ``010203-1234`` and ``0102031234`` give the same
    pseudonym, the same child gets the same pseudonym in the same municipality, and another municipality
    (or another installation's key) gives an unrelated one. The number's form and date are checked first
    (``validate_cpr``). ``key`` is the installation's secret (at least 16 bytes); ``municipality_code`` the
    three-digit municipality code (``101`` for København).
    """
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"key: the pseudonym key must be at least {MIN_KEY_BYTES} bytes")
    if not isinstance(municipality_code, str) or not _MUNICIPALITY_CODE.match(municipality_code):
        raise ValueError("municipality_code: must be the municipality's three-digit code, e.g. '101'")
    validate_cpr(cpr)
    digits = normalise_cpr(cpr)
    message = f"{PSEUDONYM_CONTEXT}|{municipality_code}|{digits}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def age_on(birth_date: date, on: date) -> int:
    """Age in completed years on the date ``on``: the number of birthdays passed.

    Someone born on 29 February has their birthday on 1 March in a year without 29 February (the day
    after 28 February), which is what comparing (month, day) pairs gives. Raises ``ValueError`` when
    ``on`` is before the birth date.
    """
    if on < birth_date:
        raise ValueError("on: the date is before the birth date")
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)
