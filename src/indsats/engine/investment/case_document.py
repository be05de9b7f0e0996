"""The business case as data: its parts, the case-file format, and validation at the edge.

``parse_case`` turns a mapping (a parsed JSON case file, or what the web application assembles) into a
frozen ``BusinessCase`` and raises ``CaseError`` naming the field (``outcomes[2].payers``) with what is
wrong and how to fix it. Everything the computation needs is checked here, once; ``model.py``
computes without further checks. The format is documented in ``docs/business-case.md``.

Conventions fixed here (the same words as in the docs):

* participants enter as intakes ``(year, participants)``; ``participants`` alone is one intake in year 0;
* money is in kroner of the case's ``price_year``; a unit price or cost with another price year is
  converted with the case's ``price_index``: ``value * index[price_year] / index[source_year]``;
* a staff-hours value is ``hours * hourly_wage * (1 + overhead)``;
* ``base_alternative`` costs are what would have been spent anyway: they are subtracted from the costs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from indsats.engine.base.errors import EngineError
from indsats.engine.investment.discounting import (
    DiscountSchedule,
    DiscountScheduleError,
    parse_discount_schedule,
)

PUBLIC_PAYERS: tuple[str, ...] = ("kommune", "region", "stat")
COST_CATEGORIES: tuple[str, ...] = ("preparation", "training", "operation", "equipment")
DISTRIBUTIONS: tuple[str, ...] = ("normal", "lognormal", "beta", "triangular")
EFFECT_TYPES: tuple[str, ...] = ("relative", "absolute")

# Finansministeriet, "Vejledning i samfundsøkonomiske konsekvensvurderinger" (2023): net tax factor
DEFAULT_NET_TAX_FACTOR = 1.28
# one-at-a-time sensitivity for inputs without a stated uncertainty: +-20 % of the value
DEFAULT_SENSITIVITY_RANGE = 0.20
# normal quantile for a two-sided 95 % interval: scipy.stats.norm.ppf(0.975)
Z_95 = 1.959963984540054
SHARE_TOLERANCE = 1e-6
MAX_HORIZON_YEARS = 500

_CASE_FIELDS = (
    "name", "description", "participants", "intakes", "price_year", "horizon_years", "discount",
    "costs", "base_alternative", "outcomes", "price_index", "welfare", "sensitivity_range",
)  # fmt: skip
_COST_FIELDS = (
    "name", "payer", "category", "amount", "per_participant_per_year", "year", "years", "price_year",
    "source", "description",
)  # fmt: skip
_STAFF_HOURS_FIELDS = ("hours", "hourly_wage", "overhead")
_OUTCOME_FIELDS = (
    "name", "baseline", "effect", "persistence", "start_year", "unit_price", "unit_price_year",
    "unit_price_source", "payers", "source", "description",
)  # fmt: skip
_UNCERTAIN_FIELDS = ("estimate", "se", "ci_low", "ci_high", "distribution", "low", "high")
_PERSISTENCE_FIELDS = ("full_years", "decay")
_INTAKE_FIELDS = ("year", "participants")
_WELFARE_FIELDS = ("net_tax_factor", "public_payers")


class CaseError(EngineError):
    """A business case that cannot be computed. ``field`` is the path of the offending field in the case
    file (``participants``, ``costs[1].amount``, ``outcomes[2].payers``); ``message`` says what is wrong."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        **DiscountScheduleError.MESSAGES,
        "above_maximum": "must be at most {maximum:g} (got {value:g})",
        "amount_and_per_participant": (
            "give either 'amount' (kroner for the whole case) or 'per_participant_per_year', not both"
        ),
        "amount_or_per_participant_missing": (
            "give either 'amount' (kroner for the whole case) or 'per_participant_per_year', one of them is "
            "missing"
        ),
        "baseline_missing": "missing; a relative effect changes the baseline rate, so give the baseline",
        "below_minimum": "must be at least {minimum:g} (got {value:g})",
        "below_minimum_whole": "must be at least {minimum} (got {value})",
        "beta_estimate_out_of_range": "a beta value must have estimate between 0 and 1 (got {estimate:g})",
        "beta_se_too_large": (
            "se {se:g} is too large for a beta distribution with mean {estimate:g} (se must be below "
            "sqrt(mean*(1-mean)) = {limit:.4g})"
        ),
        "case_not_an_object": "the case must be a JSON object, not {kind}",
        "costs_missing": "missing; give a list of costs (it may be empty)",
        "costs_not_a_list": "must be a list of costs",
        "draws_out_of_range": "must be a whole number from 0 to {maximum:,}, not {draws!r}",
        "seed_out_of_range": "must be a whole number >= 0, not {seed!r}",
        "empty_text": "must be non-empty text",
        "estimate_outside_interval": (
            "the estimate {estimate:g} lies outside its interval [{ci_low:g}, {ci_high:g}]"
        ),
        "estimate_outside_low_high": "needs low <= estimate <= high (got {low:g}, {estimate:g}, {high:g})",
        "horizon_too_long": "{horizon} years is more than the limit of {limit}",
        "intakes_empty": "must be a non-empty list of {{year, participants}}",
        "interval_reversed": "ci_low {ci_low:g} is above ci_high {ci_high:g}",
        "lognormal_estimate_not_positive": "a lognormal value must have estimate above 0 (got {estimate:g})",
        "low_high_only_for_triangular": "is only for distribution 'triangular'; use 'se' or ci_low/ci_high",
        "missing": "missing",
        "negative_cost": (
            "must not be negative (got {value:g}); a saving belongs in 'outcomes' or 'base_alternative'"
        ),
        "not_a_number": "must be a number, not {kind}",
        "not_above_minimum": "must be above {minimum:g} (got {value:g})",
        "not_an_object": "must be an object {{...}}, not {kind}",
        "not_finite": "must be a finite number, not {value}",
        "not_text": "must be text",
        "not_whole_number": "must be a whole number, not {raw!r}",
        "outcome_name_repeated": "'{name}' is used by an earlier outcome; names must differ",
        "outcomes_not_a_list": "must be a list of outcomes (it may be empty)",
        "participants_differ_from_intakes": (
            "{participants:g} differs from the {total:g} participants in 'intakes'; with intakes, "
            "participants must be their total (or leave it out)"
        ),
        "participants_missing": (
            "missing; give the cohort size (a number above 0), or 'intakes' as a list of {{year, "
            "participants}}"
        ),
        "payer_name_empty": "a payer name must be non-empty text",
        "payers_not_an_object": 'must be an object of payer shares, e.g. {{"kommune": 0.7, "stat": 0.3}}',
        "price_index_key_not_a_year": "the key '{key}' must be a year such as \"2024\"",
        "price_index_missing": (
            "missing; {field} is in {source_year} prices and needs an index to convert to price_year "
            "{price_year}: give price_index as {{year: index}}"
        ),
        "price_index_year_missing": (
            "has no index for {year} (needed by {field} to convert {source_year} prices to {price_year}); "
            'add "{year}": <index>'
        ),
        "public_payers_not_a_list": 'must be a list of payer names, e.g. ["kommune", "stat"]',
        "se_and_interval": "give 'se' or 'ci_low'/'ci_high', not both",
        "sensitivity_range_too_large": "must be a share below 1 (0.2 for +-20 %)",
        "shares_do_not_sum_to_one": "the shares sum to {total:g}; they must sum to 1",
        "triangular_needs_low_and_high": (
            "a triangular distribution is set by 'low' and 'high' (and estimate as mode)"
        ),
        "unknown_cost_category": "'{category}' is not one of {names}",
        "unknown_distribution": "'{distribution}' is not one of {names}",
        "unknown_effect_type": "'{effect_type}' must be 'relative' or 'absolute'",
        "unknown_field": "unknown field; the known fields here are {names}",
        "year_and_years": "give either 'year' (one year) or 'years' (a list of years), not both",
        "year_listed_twice": "lists a year twice; list each year once",
        "year_or_years_missing": (
            "give either 'year' (one year) or 'years' (a list of years), one of them is missing"
        ),
        "year_outside_horizon": (
            "year {year} is outside the horizon: years run from 0 to {last} (horizon_years = {horizon})"
        ),
        "years_empty": "must be a non-empty list of year numbers, e.g. [0, 1, 2]",
    }


@dataclass(frozen=True)
class UncertainValue:
    """A number with its stated uncertainty: ``estimate`` and a distribution for the Monte Carlo.

    ``normal``, ``lognormal`` and ``beta`` are set by their mean (``estimate``) and standard deviation
    (``se``); ``triangular`` by ``low``, mode ``estimate`` and ``high``. With ``se`` 0 (or ``low`` equal
    to ``high``) the value is not varied.
    """

    estimate: float
    se: float = 0.0
    distribution: str = "normal"
    low: float | None = None
    high: float | None = None

    @property
    def is_varied(self) -> bool:
        if self.distribution == "triangular":
            return self.low is not None and self.high is not None and self.high > self.low
        return self.se > 0

    def scaled(self, factor: float) -> UncertainValue:
        """The same value in other units (e.g. kroner of another price year); ``factor`` > 0."""
        return UncertainValue(
            estimate=self.estimate * factor,
            se=self.se * factor,
            distribution=self.distribution,
            low=None if self.low is None else self.low * factor,
            high=None if self.high is None else self.high * factor,
        )


@dataclass(frozen=True)
class Intake:
    """A cohort of ``participants`` entering in ``year``; its costs and effects are timed from entry."""

    year: int
    participants: float


@dataclass(frozen=True)
class StaffHours:
    """A cost built from staff time: ``hours * hourly_wage * (1 + overhead)``."""

    hours: float
    hourly_wage: float
    overhead: float

    @property
    def amount(self) -> float:
        return self.hours * self.hourly_wage * (1.0 + self.overhead)


@dataclass(frozen=True)
class Cost:
    """One cost line. ``value`` is kroner in the case's price year: for the whole case in each listed
    year (``is_per_participant`` false; ``years`` absolute), or per participant in each listed year after
    entry (``is_per_participant`` true; ``years`` relative to each intake's entry year).
    ``is_base_alternative`` marks what would have been spent anyway: it is subtracted."""

    name: str
    payer: str
    category: str | None
    value: float
    is_per_participant: bool
    years: tuple[int, ...]
    is_base_alternative: bool = False
    staff_hours: StaffHours | None = None
    price_year: int | None = None
    price_factor: float = 1.0
    source: str | None = None
    origin: str = ""  # where the line stands in the case file: "costs[0]", "base_alternative[1]"

    @property
    def sign(self) -> float:
        """+1 for a cost of the intervention, -1 for a base-alternative cost (subtracted)."""
        return -1.0 if self.is_base_alternative else 1.0


@dataclass(frozen=True)
class Outcome:
    """One outcome: the yearly ``baseline`` rate per participant without the intervention, the ``effect``
    (``effect_type`` relative: the change is ``baseline * estimate``; absolute: ``estimate``), the
    persistence (``full_years`` at full effect, then ``decay`` per year), the ``start_year`` after entry,
    the ``unit_price`` in the case's price year (kroner per occurrence; a revenue is negative) and its
    split over ``payers`` as ``(payer, share)`` pairs summing to 1."""

    name: str
    baseline: UncertainValue
    effect_type: str
    effect: UncertainValue
    full_years: int
    decay: UncertainValue
    start_year: int
    unit_price: UncertainValue
    payers: tuple[tuple[str, float], ...]
    unit_price_year: int | None = None
    price_factor: float = 1.0
    unit_price_source: str | None = None


@dataclass(frozen=True)
class BusinessCase:
    """A validated business case, ready for ``model.compute_case``."""

    price_year: int
    horizon_years: int
    intakes: tuple[Intake, ...]
    discount: DiscountSchedule
    costs: tuple[Cost, ...]
    outcomes: tuple[Outcome, ...]
    net_tax_factor: float = DEFAULT_NET_TAX_FACTOR
    public_payers: tuple[str, ...] = PUBLIC_PAYERS
    sensitivity_range: float = DEFAULT_SENSITIVITY_RANGE
    name: str | None = None

    @property
    def participants(self) -> float:
        """All participants over all intakes."""
        return math.fsum(intake.participants for intake in self.intakes)

    @property
    def payers(self) -> tuple[str, ...]:
        """Every payer in the case: kommune, region, stat first (when present), then the others in the
        order they first appear in costs and outcomes."""
        seen: list[str] = [cost.payer for cost in self.costs]
        for outcome in self.outcomes:
            seen.extend(payer for payer, _ in outcome.payers)
        ordered = [payer for payer in PUBLIC_PAYERS if payer in seen]
        for payer in seen:
            if payer not in ordered:
                ordered.append(payer)
        return tuple(ordered)

    def to_dict(self) -> dict[str, Any]:
        """The parsed case as plain JSON-ready data (the canonical form ``inputs_hash`` digests)."""
        return {
            "name": self.name,
            "price_year": self.price_year,
            "horizon_years": self.horizon_years,
            "intakes": [{"year": i.year, "participants": i.participants} for i in self.intakes],
            "discount": self.discount.to_dict(),
            "costs": [_cost_to_dict(cost) for cost in self.costs],
            "outcomes": [_outcome_to_dict(outcome) for outcome in self.outcomes],
            "net_tax_factor": self.net_tax_factor,
            "public_payers": list(self.public_payers),
            "sensitivity_range": self.sensitivity_range,
        }


def inputs_hash(case: BusinessCase) -> str:
    """SHA-256 (hex) of the canonical JSON of the parsed case: sorted keys, no whitespace.

    Two files that differ only in key order, spacing, comments (``_``-keys) or the spelling of a number
    (``1000`` and ``1e3``) give the same hash; any change of a value gives another.
    """
    canonical = json.dumps(case.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def parse_case(data: Mapping[str, Any]) -> BusinessCase:
    """Validate a case-file mapping and build a ``BusinessCase`` (format in ``docs/business-case.md``).

    Raises ``CaseError`` with ``.field`` the path of the first field that is wrong. Keys that start with
    ``_`` are comments and ignored; any other unknown key is an error (it is usually a typo).
    """
    if not isinstance(data, Mapping):
        raise CaseError("(case)", "case_not_an_object", kind=type(data).__name__)
    _reject_unknown(data, _CASE_FIELDS, "")

    horizon = _integer(_required(data, "horizon_years", ""), "horizon_years", minimum=1)
    if horizon > MAX_HORIZON_YEARS:
        raise CaseError("horizon_years", "horizon_too_long", horizon=horizon, limit=MAX_HORIZON_YEARS)
    price_year = _integer(_required(data, "price_year", ""), "price_year")
    price_index = _price_index(data.get("price_index"))
    intakes = _intakes(data, horizon)

    try:
        discount = parse_discount_schedule(data.get("discount"), "discount")
    except DiscountScheduleError as error:
        raise CaseError(error.field, error.code, **error.params) from error

    conversion = _PriceConversion(price_year, price_index)
    costs = _cost_list(data, "costs", horizon, conversion, required=True)
    base_costs = _cost_list(data, "base_alternative", horizon, conversion, required=False)

    raw_outcomes = _required(data, "outcomes", "")
    if not _is_list(raw_outcomes):
        raise CaseError("outcomes", "outcomes_not_a_list")
    outcomes = tuple(
        _outcome(raw, f"outcomes[{index}]", horizon, conversion) for index, raw in enumerate(raw_outcomes)
    )
    names = [outcome.name for outcome in outcomes]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise CaseError(f"outcomes[{index}].name", "outcome_name_repeated", name=name)

    net_tax_factor, public_payers = _welfare(data.get("welfare"))
    sensitivity_range = DEFAULT_SENSITIVITY_RANGE
    if "sensitivity_range" in data:
        sensitivity_range = _number(data["sensitivity_range"], "sensitivity_range", minimum=0.0)
        if sensitivity_range >= 1:
            raise CaseError("sensitivity_range", "sensitivity_range_too_large")
    case_name = data.get("name")
    if case_name is not None and not isinstance(case_name, str):
        raise CaseError("name", "not_text")

    return BusinessCase(
        price_year=price_year,
        horizon_years=horizon,
        intakes=intakes,
        discount=discount,
        costs=costs + base_costs,
        outcomes=outcomes,
        net_tax_factor=net_tax_factor,
        public_payers=public_payers,
        sensitivity_range=sensitivity_range,
        name=case_name,
    )


# --- the parts ------------------------------------------------------------------------------------------


def _intakes(data: Mapping[str, Any], horizon: int) -> tuple[Intake, ...]:
    has_participants = "participants" in data
    has_intakes = "intakes" in data
    if not has_participants and not has_intakes:
        raise CaseError("participants", "participants_missing")
    participants = (
        _number(data["participants"], "participants", minimum=0.0, exclusive=True)
        if has_participants
        else None
    )
    if not has_intakes:
        assert participants is not None
        return (Intake(year=0, participants=participants),)

    raw = data["intakes"]
    if not _is_list(raw) or not raw:
        raise CaseError("intakes", "intakes_empty")
    intakes: list[Intake] = []
    for index, item in enumerate(raw):
        where = f"intakes[{index}]"
        item = _mapping(item, where)
        _reject_unknown(item, _INTAKE_FIELDS, where)
        year = _year(_required(item, "year", where), f"{where}.year", horizon)
        size = _number(
            _required(item, "participants", where), f"{where}.participants", minimum=0.0, exclusive=True
        )
        intakes.append(Intake(year=year, participants=size))
    total = math.fsum(intake.participants for intake in intakes)
    if participants is not None and not math.isclose(participants, total, rel_tol=1e-9):
        raise CaseError(
            "participants", "participants_differ_from_intakes", participants=participants, total=total
        )
    return tuple(intakes)


class _PriceConversion:
    """Converts kroner of a source year to the case's price year with the case's price index."""

    def __init__(self, price_year: int, index: Mapping[int, float] | None) -> None:
        self.price_year = price_year
        self.index = index

    def factor(self, source_year: int | None, field: str) -> float:
        if source_year is None or source_year == self.price_year:
            return 1.0
        if self.index is None:
            raise CaseError(
                "price_index",
                "price_index_missing",
                field=field,
                source_year=source_year,
                price_year=self.price_year,
            )
        for year in (source_year, self.price_year):
            if year not in self.index:
                raise CaseError(
                    "price_index",
                    "price_index_year_missing",
                    year=year,
                    field=field,
                    source_year=source_year,
                    price_year=self.price_year,
                )
        return self.index[self.price_year] / self.index[source_year]


def _price_index(raw: Any) -> dict[int, float] | None:
    if raw is None:
        return None
    raw = _mapping(raw, "price_index")
    index: dict[int, float] = {}
    for key, value in raw.items():
        where = f"price_index.{key}"
        try:
            year = int(str(key))
        except ValueError:
            raise CaseError(where, "price_index_key_not_a_year", key=key) from None
        index[year] = _number(value, where, minimum=0.0, exclusive=True)
    return index


def _cost_list(
    data: Mapping[str, Any], key: str, horizon: int, conversion: _PriceConversion, *, required: bool
) -> tuple[Cost, ...]:
    if key not in data:
        if required:
            raise CaseError(key, "costs_missing")
        return ()
    raw = data[key]
    if not _is_list(raw):
        raise CaseError(key, "costs_not_a_list")
    return tuple(
        _cost(item, f"{key}[{index}]", horizon, conversion, is_base_alternative=key == "base_alternative")
        for index, item in enumerate(raw)
    )


def _cost(
    raw: Any, where: str, horizon: int, conversion: _PriceConversion, *, is_base_alternative: bool
) -> Cost:
    raw = _mapping(raw, where)
    _reject_unknown(raw, _COST_FIELDS, where)
    name = _text(_required(raw, "name", where), f"{where}.name")
    payer = _text(_required(raw, "payer", where), f"{where}.payer")
    category = raw.get("category")
    if category is not None and category not in COST_CATEGORIES:
        raise CaseError(
            f"{where}.category", "unknown_cost_category", category=category, names=", ".join(COST_CATEGORIES)
        )

    has_amount = "amount" in raw
    has_per_participant = "per_participant_per_year" in raw
    if has_amount == has_per_participant:
        raise CaseError(
            where, "amount_and_per_participant" if has_amount else "amount_or_per_participant_missing"
        )
    value_key = "amount" if has_amount else "per_participant_per_year"
    value, staff_hours = _cost_value(raw[value_key], f"{where}.{value_key}")

    if ("year" in raw) == ("years" in raw):
        raise CaseError(where, "year_and_years" if "year" in raw else "year_or_years_missing")
    if "year" in raw:
        years: tuple[int, ...] = (_year(raw["year"], f"{where}.year", horizon),)
    else:
        raw_years = raw["years"]
        if not _is_list(raw_years) or not raw_years:
            raise CaseError(f"{where}.years", "years_empty")
        years = tuple(_year(year, f"{where}.years[{i}]", horizon) for i, year in enumerate(raw_years))
        if len(set(years)) != len(years):
            raise CaseError(f"{where}.years", "year_listed_twice")

    price_year = None
    if "price_year" in raw:
        price_year = _integer(raw["price_year"], f"{where}.price_year")
    factor = conversion.factor(price_year, f"{where}.price_year")
    source = raw.get("source")
    return Cost(
        name=name,
        payer=payer,
        category=category,
        value=value * factor,
        is_per_participant=has_per_participant,
        years=years,
        is_base_alternative=is_base_alternative,
        staff_hours=staff_hours,
        price_year=price_year,
        price_factor=factor,
        source=source if isinstance(source, str) else None,
        origin=where,
    )


def _cost_value(raw: Any, where: str) -> tuple[float, StaffHours | None]:
    if isinstance(raw, Mapping):
        _reject_unknown(raw, _STAFF_HOURS_FIELDS, where)
        hours = _number(_required(raw, "hours", where), f"{where}.hours", minimum=0.0, negative_hint=True)
        wage = _number(
            _required(raw, "hourly_wage", where), f"{where}.hourly_wage", minimum=0.0, negative_hint=True
        )
        overhead = _number(raw.get("overhead", 0.0), f"{where}.overhead", minimum=0.0)
        staff = StaffHours(hours=hours, hourly_wage=wage, overhead=overhead)
        return staff.amount, staff
    return _number(raw, where, minimum=0.0, negative_hint=True), None


def _outcome(raw: Any, where: str, horizon: int, conversion: _PriceConversion) -> Outcome:
    raw = _mapping(raw, where)
    _reject_unknown(raw, _OUTCOME_FIELDS, where)
    name = _text(_required(raw, "name", where), f"{where}.name")

    effect_raw = _mapping(_required(raw, "effect", where), f"{where}.effect")
    effect_type = _required(effect_raw, "type", f"{where}.effect")
    if effect_type not in EFFECT_TYPES:
        raise CaseError(f"{where}.effect.type", "unknown_effect_type", effect_type=effect_type)
    effect = _uncertain(
        {key: value for key, value in effect_raw.items() if key != "type"},
        f"{where}.effect",
        minimum=-1.0 if effect_type == "relative" else None,
        extra_fields=("type",),
    )

    if "baseline" in raw:
        baseline = _uncertain(raw["baseline"], f"{where}.baseline", minimum=0.0)
    elif effect_type == "relative":
        raise CaseError(f"{where}.baseline", "baseline_missing")
    else:
        baseline = UncertainValue(estimate=0.0)

    persistence = _mapping(_required(raw, "persistence", where), f"{where}.persistence")
    _reject_unknown(persistence, _PERSISTENCE_FIELDS, f"{where}.persistence")
    full_years = _integer(
        _required(persistence, "full_years", f"{where}.persistence"),
        f"{where}.persistence.full_years",
        minimum=0,
    )
    decay = _uncertain(
        _required(persistence, "decay", f"{where}.persistence"),
        f"{where}.persistence.decay",
        minimum=0.0,
        maximum=1.0,
    )
    start_year = _year(raw.get("start_year", 0), f"{where}.start_year", horizon)

    unit_price_year = None
    if "unit_price_year" in raw:
        unit_price_year = _integer(raw["unit_price_year"], f"{where}.unit_price_year")
    factor = conversion.factor(unit_price_year, f"{where}.unit_price_year")
    unit_price = _uncertain(_required(raw, "unit_price", where), f"{where}.unit_price").scaled(factor)

    payers = _payer_shares(_required(raw, "payers", where), f"{where}.payers")
    source = raw.get("unit_price_source")
    return Outcome(
        name=name,
        baseline=baseline,
        effect_type=effect_type,
        effect=effect,
        full_years=full_years,
        decay=decay,
        start_year=start_year,
        unit_price=unit_price,
        payers=payers,
        unit_price_year=unit_price_year,
        price_factor=factor,
        unit_price_source=source if isinstance(source, str) else None,
    )


def _payer_shares(raw: Any, where: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise CaseError(where, "payers_not_an_object")
    shares: list[tuple[str, float]] = []
    for payer, share in raw.items():
        if not isinstance(payer, str) or not payer.strip():
            raise CaseError(where, "payer_name_empty")
        value = _number(share, f"{where}.{payer}", minimum=0.0, maximum=1.0)
        shares.append((payer, value))
    total = math.fsum(share for _, share in shares)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise CaseError(where, "shares_do_not_sum_to_one", total=total)
    return tuple(shares)


def _uncertain(
    raw: Any,
    where: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    extra_fields: tuple[str, ...] = (),
) -> UncertainValue:
    """A plain number, or {estimate, se | ci_low+ci_high, distribution, low, high}."""
    if not isinstance(raw, Mapping):
        return UncertainValue(estimate=_number(raw, where, minimum=minimum, maximum=maximum))
    _reject_unknown(raw, _UNCERTAIN_FIELDS + extra_fields, where)
    estimate = _number(
        _required(raw, "estimate", where), f"{where}.estimate", minimum=minimum, maximum=maximum
    )
    distribution = raw.get("distribution", "normal")
    if distribution not in DISTRIBUTIONS:
        raise CaseError(
            f"{where}.distribution",
            "unknown_distribution",
            distribution=distribution,
            names=", ".join(DISTRIBUTIONS),
        )

    has_se = "se" in raw
    has_ci = "ci_low" in raw or "ci_high" in raw
    if distribution == "triangular":
        if has_se or has_ci:
            raise CaseError(where, "triangular_needs_low_and_high")
        low = _number(_required(raw, "low", where), f"{where}.low", minimum=minimum, maximum=maximum)
        high = _number(_required(raw, "high", where), f"{where}.high", minimum=minimum, maximum=maximum)
        if not low <= estimate <= high:
            raise CaseError(where, "estimate_outside_low_high", low=low, estimate=estimate, high=high)
        return UncertainValue(estimate=estimate, distribution="triangular", low=low, high=high)
    for key in ("low", "high"):
        if key in raw:
            raise CaseError(f"{where}.{key}", "low_high_only_for_triangular")

    se = 0.0
    if has_se and has_ci:
        raise CaseError(where, "se_and_interval")
    if has_se:
        se = _number(raw["se"], f"{where}.se", minimum=0.0)
    elif has_ci:
        ci_low = _number(_required(raw, "ci_low", where), f"{where}.ci_low")
        ci_high = _number(_required(raw, "ci_high", where), f"{where}.ci_high")
        if ci_low > ci_high:
            raise CaseError(where, "interval_reversed", ci_low=ci_low, ci_high=ci_high)
        if not ci_low <= estimate <= ci_high:
            raise CaseError(
                where, "estimate_outside_interval", estimate=estimate, ci_low=ci_low, ci_high=ci_high
            )
        se = (ci_high - ci_low) / (2.0 * Z_95)

    if se > 0 and distribution == "lognormal" and estimate <= 0:
        raise CaseError(where, "lognormal_estimate_not_positive", estimate=estimate)
    if se > 0 and distribution == "beta":
        if not 0 < estimate < 1:
            raise CaseError(where, "beta_estimate_out_of_range", estimate=estimate)
        if se**2 >= estimate * (1 - estimate):
            raise CaseError(
                where,
                "beta_se_too_large",
                se=se,
                estimate=estimate,
                limit=math.sqrt(estimate * (1 - estimate)),
            )
    return UncertainValue(estimate=estimate, se=se, distribution=distribution)


def _welfare(raw: Any) -> tuple[float, tuple[str, ...]]:
    if raw is None:
        return DEFAULT_NET_TAX_FACTOR, PUBLIC_PAYERS
    raw = _mapping(raw, "welfare")
    _reject_unknown(raw, _WELFARE_FIELDS, "welfare")
    factor = _number(raw.get("net_tax_factor", DEFAULT_NET_TAX_FACTOR), "welfare.net_tax_factor", minimum=0.0)
    payers = raw.get("public_payers", list(PUBLIC_PAYERS))
    if not _is_list(payers) or not all(isinstance(payer, str) and payer for payer in payers):
        raise CaseError("welfare.public_payers", "public_payers_not_a_list")
    return factor, tuple(payers)


# --- checks on single values ----------------------------------------------------------------------------


def _reject_unknown(raw: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in raw:
        if isinstance(key, str) and key.startswith("_"):
            continue  # a comment
        if key not in known:
            prefix = f"{where}." if where else ""
            raise CaseError(f"{prefix}{key}", "unknown_field", names=", ".join(known))


def _required(raw: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in raw or raw[key] is None:
        raise CaseError(f"{where}.{key}" if where else key, "missing")
    return raw[key]


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise CaseError(where, "not_an_object", kind=_kind(raw))
    return raw


def _is_list(raw: Any) -> bool:
    return isinstance(raw, Sequence) and not isinstance(raw, str | bytes | bytearray)


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise CaseError(where, "empty_text")
    return raw


def _number(
    raw: Any,
    where: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive: bool = False,
    negative_hint: bool = False,
) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise CaseError(where, "not_a_number", kind=_kind(raw))
    value = float(raw)
    if not math.isfinite(value):
        raise CaseError(where, "not_finite", value=value)
    if minimum is not None and (value <= minimum if exclusive else value < minimum):
        if negative_hint and value < 0:
            raise CaseError(where, "negative_cost", value=value)
        raise CaseError(
            where, "not_above_minimum" if exclusive else "below_minimum", minimum=minimum, value=value
        )
    if maximum is not None and value > maximum:
        raise CaseError(where, "above_maximum", maximum=maximum, value=value)
    return value


def _integer(raw: Any, where: str, *, minimum: int | None = None) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not float(raw).is_integer():
        raise CaseError(where, "not_whole_number", raw=raw)
    value = int(raw)
    if minimum is not None and value < minimum:
        raise CaseError(where, "below_minimum_whole", minimum=minimum, value=value)
    return value


def _year(raw: Any, where: str, horizon: int) -> int:
    year = _integer(raw, where)
    if not 0 <= year < horizon:
        raise CaseError(where, "year_outside_horizon", year=year, last=horizon - 1, horizon=horizon)
    return year


def _kind(raw: Any) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, str):
        return f"text '{raw}'"
    if isinstance(raw, Mapping):
        return "an object"
    if _is_list(raw):
        return "a list"
    return type(raw).__name__


def _uncertain_to_dict(value: UncertainValue) -> dict[str, Any]:
    return {
        "estimate": value.estimate,
        "se": value.se,
        "distribution": value.distribution,
        "low": value.low,
        "high": value.high,
    }


def _cost_to_dict(cost: Cost) -> dict[str, Any]:
    return {
        "name": cost.name,
        "payer": cost.payer,
        "category": cost.category,
        "value": cost.value,
        "is_per_participant": cost.is_per_participant,
        "years": list(cost.years),
        "is_base_alternative": cost.is_base_alternative,
        "staff_hours": None
        if cost.staff_hours is None
        else {
            "hours": cost.staff_hours.hours,
            "hourly_wage": cost.staff_hours.hourly_wage,
            "overhead": cost.staff_hours.overhead,
        },
        "price_year": cost.price_year,
        "price_factor": cost.price_factor,
        "source": cost.source,
    }


def _outcome_to_dict(outcome: Outcome) -> dict[str, Any]:
    return {
        "name": outcome.name,
        "baseline": _uncertain_to_dict(outcome.baseline),
        "effect_type": outcome.effect_type,
        "effect": _uncertain_to_dict(outcome.effect),
        "full_years": outcome.full_years,
        "decay": _uncertain_to_dict(outcome.decay),
        "start_year": outcome.start_year,
        "unit_price": _uncertain_to_dict(outcome.unit_price),
        # a mapping in the file: by name, so the hash does not follow the order a store gives the keys
        "payers": [[payer, share] for payer, share in sorted(outcome.payers)],
        "unit_price_year": outcome.unit_price_year,
        "price_factor": outcome.price_factor,
        "unit_price_source": outcome.unit_price_source,
    }
