"""Discounting: the schedules of yearly discount rates and the discount factors they give.

Convention (the business case's "time" rule): year 0 is the first year and is not discounted; year ``t``
is discounted by the product of ``(1 + r_k)`` over the years ``k = 0 .. t-1`` before it::

    discount_factor(t) = 1 / prod_{k=0}^{t-1} (1 + r_k)

so a flow in year ``t`` is worth ``flow * discount_factor(t)`` in year 0. A schedule is a list of steps
``(first_year, rate)``: the rate holds from its first year until the next step's first year.

Named schedules:

* ``dk-finance-ministry-2021`` (the default): Finansministeriet, "Dokumentationsnotat - den
  samfundsøkonomiske diskonteringsrente", January 2021: 3.5 % in years 0-35, 2.5 % in years 36-70,
  1.5 % from year 71.
* ``uk-green-book``: HM Treasury, "The Green Book" (2022), the declining long-term discount rate schedule:
  3.5 % in years 0-30, 3.0 % in 31-75, 2.5 % in 76-125, 2.0 % in 126-200, 1.5 % in 201-300, 1.0 % after.
* ``flat-<pct>``: one rate for every year, in percent: ``flat-4`` is 4 %, ``flat-3.5`` is 3.5 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from indsats.engine.base.errors import EngineError

DEFAULT_SCHEDULE_NAME = "dk-finance-ministry-2021"

NAMED_SCHEDULES: Mapping[str, tuple[tuple[int, float], ...]] = {
    "dk-finance-ministry-2021": ((0, 0.035), (36, 0.025), (71, 0.015)),
    "uk-green-book": ((0, 0.035), (31, 0.030), (76, 0.025), (126, 0.020), (201, 0.015), (301, 0.010)),
}

FLAT_PREFIX = "flat-"


class DiscountScheduleError(EngineError):
    """A discount schedule that cannot be used; ``field`` names the offending part (e.g. ``discount[1]``)."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "discount_not_a_schedule": (
            "must be a schedule name or a list of [first_year, rate] pairs, not {kind}"
        ),
        "unknown_discount_schedule": "unknown schedule '{name}'; choose one of {known}",
        "discount_schedule_empty": "the list of [first_year, rate] pairs is empty",
        "flat_rate_not_a_percentage": (
            "'{name}': the flat rate must be a percentage such as 'flat-4' or 'flat-3.5'"
        ),
        "discount_step_not_a_pair": "must be a pair [first_year, rate], e.g. [0, 0.035]",
        "discount_first_year_not_whole": "the first year must be a whole number, not {first!r}",
        "discount_rate_not_a_number": "the rate must be a number, not {rate!r}",
        "discount_rate_too_high": (
            "the rate {rate} is 100 % or more; write rates as fractions (0.035 for 3.5 %)"
        ),
        "discount_rate_too_low": "the rate {rate} must be above -1 (-100 %)",
        "discount_first_step_not_year_0": "the first step must start at year 0, not {first}",
        "discount_years_not_increasing": "first years must increase; {first} follows {previous}",
    }


@dataclass(frozen=True)
class DiscountSchedule:
    """A schedule of yearly discount rates as steps ``(first_year, rate)``, rates as fractions (0.035)."""

    name: str
    steps: tuple[tuple[int, float], ...]

    def rates(self, n_years: int) -> npt.NDArray[np.float64]:
        """The rate ``r_k`` that applies in each year ``k = 0 .. n_years-1``."""
        years = np.arange(n_years)
        first_years = np.array([first for first, _ in self.steps])
        rates = np.array([rate for _, rate in self.steps], dtype=np.float64)
        # index of the last step whose first year is <= k
        return rates[np.searchsorted(first_years, years, side="right") - 1]

    def factors(self, n_years: int) -> npt.NDArray[np.float64]:
        """Discount factors for years ``0 .. n_years-1``: ``1 / prod_{k<t} (1 + r_k)`` (module docstring)."""
        growth = np.cumprod(1.0 + self.rates(n_years))
        factors = np.empty(n_years, dtype=np.float64)
        if n_years:
            factors[0] = 1.0
            factors[1:] = 1.0 / growth[:-1]
        return factors

    def shifted(self, change: float) -> DiscountSchedule:
        """The same schedule with every rate changed by ``change`` (0.01 = one percentage point)."""
        sign = "+" if change >= 0 else "-"
        return DiscountSchedule(
            name=f"{self.name} {sign} {abs(change) * 100:g} pp",
            steps=tuple((first, rate + change) for first, rate in self.steps),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "steps": [[first, rate] for first, rate in self.steps]}


def discount_factors(schedule: DiscountSchedule, n_years: int) -> npt.NDArray[np.float64]:
    """Discount factors ``1 / prod_{k=0}^{t-1} (1 + r_k)`` for ``t = 0 .. n_years-1``.

    Source: Finansministeriet, "Vejledning i samfundsøkonomiske konsekvensvurderinger" (2023) and its
    note on the discount rate (January 2021): a rate step applies to the years inside it, so the factor
    of a year is the product over all the years before it.
    """
    return schedule.factors(n_years)


def parse_discount_schedule(spec: Any, field: str = "discount") -> DiscountSchedule:
    """A schedule from a name (``dk-finance-ministry-2021``, ``uk-green-book``, ``flat-<pct>``) or a
    list of ``[first_year, rate]`` pairs with rates as fractions, the first starting at year 0.

    ``None`` gives the default, the Finance Ministry's January 2021 schedule. Raises
    ``DiscountScheduleError`` naming ``field`` (or an element of it) when the spec cannot be used.
    """
    if spec is None:
        return DiscountSchedule(DEFAULT_SCHEDULE_NAME, NAMED_SCHEDULES[DEFAULT_SCHEDULE_NAME])
    if isinstance(spec, str):
        return _named_schedule(spec, field)
    if isinstance(spec, Sequence) and not isinstance(spec, bytes | bytearray):
        return _listed_schedule(spec, field)
    raise DiscountScheduleError(field, "discount_not_a_schedule", kind=type(spec).__name__)


def _named_schedule(name: str, field: str) -> DiscountSchedule:
    if name in NAMED_SCHEDULES:
        return DiscountSchedule(name, NAMED_SCHEDULES[name])
    if name.startswith(FLAT_PREFIX):
        text = name[len(FLAT_PREFIX) :]
        try:
            percent = float(text)
        except ValueError:
            percent = math.nan
        if not math.isfinite(percent) or percent <= -100 or percent >= 100:
            raise DiscountScheduleError(field, "flat_rate_not_a_percentage", name=name)
        return DiscountSchedule(name, ((0, percent / 100.0),))
    known = ", ".join([*NAMED_SCHEDULES, "flat-<pct>"])
    raise DiscountScheduleError(field, "unknown_discount_schedule", name=name, known=known)


def _listed_schedule(pairs: Sequence[Any], field: str) -> DiscountSchedule:
    if not pairs:
        raise DiscountScheduleError(field, "discount_schedule_empty")
    steps: list[tuple[int, float]] = []
    for index, pair in enumerate(pairs):
        where = f"{field}[{index}]"
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise DiscountScheduleError(where, "discount_step_not_a_pair")
        first, rate = pair
        if isinstance(first, bool) or not isinstance(first, int | float) or not float(first).is_integer():
            raise DiscountScheduleError(f"{where}[0]", "discount_first_year_not_whole", first=first)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate):
            raise DiscountScheduleError(f"{where}[1]", "discount_rate_not_a_number", rate=rate)
        if rate >= 1:
            raise DiscountScheduleError(f"{where}[1]", "discount_rate_too_high", rate=rate)
        if rate <= -1:
            raise DiscountScheduleError(f"{where}[1]", "discount_rate_too_low", rate=rate)
        if index == 0 and int(first) != 0:
            raise DiscountScheduleError(f"{where}[0]", "discount_first_step_not_year_0", first=int(first))
        if steps and int(first) <= steps[-1][0]:
            raise DiscountScheduleError(
                f"{where}[0]", "discount_years_not_increasing", first=int(first), previous=steps[-1][0]
            )
        steps.append((int(first), float(rate)))
    return DiscountSchedule("custom", tuple(steps))
