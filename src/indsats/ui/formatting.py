"""Numbers, money, dates and intervals written the way the active language writes them: the one place
that decides what a person reads in a page, a PDF, a message or a chart.

Danish: ``1.234.567,50 kr.``, ``12,5 %``, ``6. dec. 2026``, ``0,12 til 0,48``, ``22,0 timer``.
English: ``1,234,567.50 kr.``, ``12.5%``, ``6 Dec 2026``, ``0.12 to 0.48``, ``22.0 hours``.
A negative number carries a true minus sign (−); a missing value (None, NaN, infinity) is a dash (–).

Kroner are whole unless the amount has øre (``1.234.567 kr.``, ``1.234.567,50 kr.``); pass ``decimals``
to fix the count, as estimates do (``decimals=0``). The amount and its unit are joined by a no-break
space so a line never breaks between them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import dateformat, timezone, translation
from django.utils.dates import MONTHS, MONTHS_3, MONTHS_AP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

MISSING = "–"
MINUS = "\u2212"
NO_BREAK_SPACE = "\u00a0"
MILLIONS = gettext_noop("%(amount)s mio.")  # an amount in millions on a chart axis
BILLIONS = gettext_noop("%(amount)s mia.")

Number = int | float | Decimal


@dataclass(frozen=True)
class Conventions:
    """How one language writes numbers and dates (dates as Django date-format strings)."""

    decimal_sign: str
    thousands_separator: str
    percent_pattern: str
    date: str
    long_date: str
    date_time: str


DANISH = Conventions(
    decimal_sign=",",
    thousands_separator=".",
    percent_pattern="{}\u00a0%",
    date="j. N Y",  # 6. dec. 2026, 6. maj 2026, 6. sept. 2026 (Django's Danish month abbreviations)
    long_date="j. F Y",  # 6. december 2026 (letters)
    date_time=r"j. N Y \k\l. H:i",
)
ENGLISH = Conventions(
    decimal_sign=".",
    thousands_separator=",",
    percent_pattern="{}%",
    date="j M Y",
    long_date="j F Y",
    date_time="j M Y, H:i",
)
CONVENTIONS = {"da": DANISH, "en": ENGLISH}


def conventions() -> Conventions:
    """The conventions of the active language (Danish when none is active or it is unknown)."""
    language = (translation.get_language() or "da").split("-")[0]
    return CONVENTIONS.get(language, DANISH)


def as_number(value: Any) -> int | float | Decimal | None:
    """A value as a number, as the template filters read it (a stored figure may be text): None for an
    empty or unreadable value."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float | Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def is_missing(value: object) -> bool:
    """None, NaN and infinity have no number to show."""
    if value is None:
        return True
    if isinstance(value, float | Decimal):
        return not math.isfinite(value)
    return False


# --- numbers -------------------------------------------------------------------------------------------


def number(value: Number | None, decimals: int = 0) -> str:
    """A number with ``decimals`` decimals, its thousands separated: ``−1.234.567,5`` / ``−1,234,567.5``."""
    return _number(value, decimals, _SIGNS[conventions()])


def _number(value: Number | None, decimals: int, signs: dict[int, str]) -> str:
    """``number`` with the separators ``signs`` (a language's ``_SIGNS``)."""
    # Written as _localise and _signed would (tests/ui/test_formatting.py compares over many values), in one
    # pass: every chart label and table cell comes through here, a hundred and more on a page.
    if value is None or (not isinstance(value, int) and not math.isfinite(value)):
        return MISSING
    written = format(abs(value), f",.{decimals}f").translate(signs)
    # a true minus unless it rounded to zero: a digit other than 0 is left when the zeros and signs are not
    return MINUS + written if value < 0 and written.strip("0.,") else written


# Python's "," and "." as each language writes them
_SIGNS = {
    signs: str.maketrans({",": signs.thousands_separator, ".": signs.decimal_sign})
    for signs in (DANISH, ENGLISH)
}


def compact_number(value: Number | None) -> str:
    """A number without trailing zeros, such as a band limit: 2.5 -> ``2,5``, 6.0 -> ``6``."""
    if is_missing(value):
        return MISSING
    assert value is not None
    written = format(abs(float(value)), ",.6f").rstrip("0").rstrip(".")
    return _signed(value, _localise(written))


def ratio(value: Number | None, decimals: int = 2) -> str:
    """A ratio such as the return per krone: 0.153 -> ``0,15``."""
    return number(value, decimals)


def percent(share: Number | None, decimals: int = 1) -> str:
    """A share as a percentage: 0.125 -> ``12,5 %`` / ``12.5%``."""
    return Formatter().percent(share, decimals)


def p_value(value: float | None) -> str:
    """A p-value with three decimals, or ``< 0,001`` below that."""
    if is_missing(value):
        return MISSING
    assert value is not None
    return "< " + number(0.001, 3) if value < 0.001 else number(value, 3)


def interval(low: Number | None, high: Number | None, decimals: int = 2) -> str:
    """A confidence or prediction interval: ``0,12 til 0,48`` / ``0.12 to 0.48``."""
    return _("%(low)s til %(high)s") % {"low": number(low, decimals), "high": number(high, decimals)}


def hours(value: Number | None) -> str:
    """A duration in hours with one decimal: ``22,0 timer`` / ``22.0 hours``."""
    if is_missing(value):
        return MISSING
    assert value is not None
    count = 1 if value == 1 else 2  # 1,0 time; every other amount is plural
    return ngettext("%(hours)s time", "%(hours)s timer", count) % {"hours": number(value, 1)}


# --- money ---------------------------------------------------------------------------------------------


def kroner(value: Number | None, decimals: int | None = None) -> str:
    """An amount in kroner: ``1.234.567 kr.``, or ``1.234.567,50 kr.`` when it has øre; ``decimals``
    fixes the number of decimals (estimates are shown in whole kroner: ``decimals=0``)."""
    return Formatter().kroner(value, decimals)


def abbreviated_kroner(value: Number | None) -> str:
    """Kroner in millions or billions for chart axes and text alternatives: ``1,2 mio.``, ``−2 mia.``,
    ``350.000`` (no unit: the axis names it)."""
    return Formatter().abbreviated_kroner(value)


# --- dates ---------------------------------------------------------------------------------------------


def date(value: dt.date | None) -> str:
    """A day: ``6. dec. 2026`` / ``6 Dec 2026``. A date and time is shown on the local calendar."""
    return _date(value, conventions().date)


def long_date(value: dt.date | None) -> str:
    """A day with the month written out, for letters: ``6. december 2026`` / ``6 December 2026``."""
    return _date(value, conventions().long_date)


def date_time(value: dt.datetime | None) -> str:
    """A moment in local time: ``6. dec. 2026 kl. 14:30`` / ``6 Dec 2026, 14:30``."""
    return Formatter().date_time(value)


# The two languages' date_time patterns written out as Django's dateformat reads them (j: the day, N: the
# month's AP abbreviation, M: its three letters titled, Y/H/i: zero-padded), with the same month names: a
# list of fifty moments took milliseconds through dateformat.format. tests/ui/test_formatting.py compares.
# Each: the month's name in the active language, and the moment written with it.
_DATE_TIMES: dict[str, tuple[Callable[[int], str], Callable[[dt.datetime, str], str]]] = {
    DANISH.date_time: (
        lambda month: str(MONTHS_AP[month]),
        lambda v, month: f"{v.day}. {month} {v.year:04d} kl. {v.hour:02d}:{v.minute:02d}",
    ),
    ENGLISH.date_time: (
        lambda month: str(MONTHS_3[month]).title(),
        lambda v, month: f"{v.day} {month} {v.year:04d}, {v.hour:02d}:{v.minute:02d}",
    ),
}


def date_range(start: dt.date | None, end: dt.date | None) -> str:
    """A period: ``6. dec. 2026 – 3. jan. 2027``; a missing end is a dash."""
    if start is None and end is None:
        return MISSING
    return f"{date(start)} – {date(end)}"


# --- the parts ------------------------------------------------------------------------------------------


def _localise(written: str) -> str:
    """Python's ``1,234.5`` in the active language's separators."""
    signs = conventions()
    swapped = written.replace(",", "\0").replace(".", signs.decimal_sign)
    return swapped.replace("\0", signs.thousands_separator)


def _signed(value: Number, written: str) -> str:
    """A true minus sign before a negative number, unless it rounded to zero."""
    is_negative = value < 0 and any(digit in written for digit in "123456789")
    return MINUS + written if is_negative else written


def _is_whole_kroner(value: Number) -> bool:
    """Whether the amount, rounded to øre, is whole kroner."""
    in_ore = round(Decimal(str(value)) * 100)
    return in_ore % 100 == 0


def _date(value: dt.date | None, pattern: str) -> str:
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    written_out = _DAYS.get(pattern)
    return written_out(value) if written_out else dateformat.format(value, pattern)


# The two languages' date and long_date patterns written out likewise (F: the month's name): a grant's page
# writes some thirty days. tests/ui/test_formatting.py compares them with dateformat, every day of two years.
_DAYS = {
    DANISH.date: lambda v: f"{v.day}. {MONTHS_AP[v.month]} {v.year:04d}",
    ENGLISH.date: lambda v: f"{v.day} {str(MONTHS_3[v.month]).title()} {v.year:04d}",
    DANISH.long_date: lambda v: f"{v.day}. {MONTHS[v.month]} {v.year:04d}",
    ENGLISH.long_date: lambda v: f"{v.day} {MONTHS[v.month]} {v.year:04d}",
}


# The two languages' date pattern with the month's name given (the Formatter's, from date_time's names).
_DAYS_WITH_MONTH: dict[str, Callable[[dt.date, str], str]] = {
    DANISH.date: lambda v, month: f"{v.day}. {month} {v.year:04d}",
    ENGLISH.date: lambda v, month: f"{v.day} {month} {v.year:04d}",
}


# --- many values in one language -----------------------------------------------------------------------


class Formatter:
    """The active language's way of writing numbers, money and moments, resolved once for a table, a chart
    or a list that writes tens of them: asking Django for the active language, the time zone and a month's
    name cost more than writing each value. Writes what the functions of the same name write (they are
    written through it); use it in the language and time zone it was made in, as one page's work does."""

    __slots__ = ("conventions", "_signs", "_zone", "_months", "_messages")

    def __init__(self) -> None:
        self.conventions = conventions()
        self._signs = _SIGNS[self.conventions]
        self._zone: dt.tzinfo | None = None  # the current time zone, asked for at the first moment
        self._months: dict[int, str] = {}  # each month's name as the language's date_time writes it
        self._messages: dict[str, str] = {}  # each message translated, as it was first asked for

    def number(self, value: Number | None, decimals: int = 0) -> str:
        """``number``: ``−1.234.567,5`` / ``−1,234,567.5``."""
        return _number(value, decimals, self._signs)

    def percent(self, share: Number | None, decimals: int = 1) -> str:
        """``percent``: 0.125 -> ``12,5 %`` / ``12.5%``."""
        if is_missing(share):
            return MISSING
        assert share is not None
        return self.conventions.percent_pattern.format(_number(share * 100, decimals, self._signs))

    def kroner(self, value: Number | None, decimals: int | None = None) -> str:
        """``kroner``: ``1.234.567 kr.``, ``1.234.567,50 kr.``."""
        if is_missing(value):
            return MISSING
        assert value is not None
        if decimals is None:
            decimals = 0 if _is_whole_kroner(value) else 2
        return f"{_number(value, decimals, self._signs)}{NO_BREAK_SPACE}kr."

    def abbreviated_kroner(self, value: Number | None) -> str:
        """``abbreviated_kroner``: ``1,2 mio.``, ``−2 mia.``, ``350.000``."""
        if is_missing(value):
            return MISSING
        assert value is not None
        amount = float(value)
        size = abs(amount)
        if size >= 1e9:
            return self._message(BILLIONS) % {"amount": self.number(amount / 1e9, 1 if size < 1e10 else 0)}
        if size >= 1e6:
            return self._message(MILLIONS) % {"amount": self.number(amount / 1e6, 1 if size < 1e7 else 0)}
        return self.number(amount)

    def date_time(self, value: dt.datetime | None) -> str:
        """``date_time``: ``6. dec. 2026 kl. 14:30`` / ``6 Dec 2026, 14:30``."""
        if value is None:
            return MISSING
        if timezone.is_aware(value):  # timezone.localtime, in the zone asked for once
            if self._zone is None:
                self._zone = timezone.get_current_timezone()
            value = value.astimezone(self._zone)
        pattern = self.conventions.date_time
        written_out = _DATE_TIMES.get(pattern)
        if written_out is None:
            return dateformat.format(value, pattern)
        month_name, write = written_out
        month = self._months.get(value.month)
        if month is None:
            month = self._months[value.month] = month_name(value.month)
        return write(value, month)

    def date(self, value: dt.date | None) -> str:
        """``date``: ``6. dec. 2026`` / ``6 Dec 2026`` (a moment on the local calendar)."""
        if value is None:
            return MISSING
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):  # timezone.localtime, in the zone asked for once
                if self._zone is None:
                    self._zone = timezone.get_current_timezone()
                value = value.astimezone(self._zone)
            value = value.date()
        written_out = _DATE_TIMES.get(self.conventions.date_time)
        write = _DAYS_WITH_MONTH.get(self.conventions.date)
        if written_out is None or write is None:
            return _date(value, self.conventions.date)
        month = self._months.get(value.month)  # date_time's month names are date's too
        if month is None:
            month = self._months[value.month] = written_out[0](value.month)
        return write(value, month)

    def _message(self, message: str) -> str:
        translated = self._messages.get(message)
        if translated is None:
            translated = self._messages[message] = _(message)
        return translated
