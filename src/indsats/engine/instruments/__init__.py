"""Questionnaire instruments as data: their definitions, validated once, and where to find them.

An instrument (the SDQ, the ORS, the WHO-5, ...) is a declarative JSON definition: its items and their
answer scales, which items are reverse-scored, its subscales with the scoring rule and the rule for
missing items, composites built from subscales, norm bands, and the source of every rule. Adding an
instrument is adding a definition: no new code. The schema is documented in docs/instruments.md; this
module parses a definition into frozen dataclasses and rejects a wrong one with an error that names the
field (``subscales[2].items[1]: 'sdq26' is not an item of this instrument``).

The built-in definitions live in ``definitions/<key>.v<version>.json`` and are read as package data.
``load_instrument(key)`` gives the newest version, ``load_instrument(key, version=1)`` a given one;
``parse_instrument(mapping)`` takes a definition from anywhere else (e.g. one stored in the database).
Scoring is in ``indsats.engine.scoring``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, ClassVar

from indsats.engine.base.errors import EngineError

__all__ = [
    "AnswerScale",
    "Band",
    "BandScheme",
    "Composite",
    "Instrument",
    "InstrumentDefinitionError",
    "Item",
    "LocalisedText",
    "ReliableChange",
    "ScaleValue",
    "Subscale",
    "UnknownInstrument",
    "ZeroWhen",
    "list_instruments",
    "load_instrument",
    "parse_instrument",
]

SCHEMA_VERSION = 1
RESPONDENTS = ("parent", "teacher", "self", "client", "clinician")
SUBSCALE_RULES = ("sum", "prorated_sum", "mean")
COMPOSITE_RULES = ("sum",)
DIRECTIONS = ("higher_is_better", "higher_is_worse")
LANGUAGES = ("da", "en")
MAX_DECIMALS = 6

_KEY = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")  # instrument keys: sdq-parent-4-17
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # item, score, scale, band and scheme keys: sdq7, total_difficulties
_DEFINITION_FILE = re.compile(r"^(?P<key>[a-z0-9-]+)\.v(?P<version>[0-9]+)\.json$")

_TOP_LEVEL_FIELDS = frozenset(
    {
        "schema_version",
        "key",
        "version",
        "name",
        "source",
        "licence",
        "notes",
        "respondent",
        "age_min",
        "age_max",
        "scales",
        "items",
        "subscales",
        "composites",
        "band_schemes",
        "reliable_change",
    }
)


class InstrumentDefinitionError(EngineError):
    """A definition that breaks the schema; ``field`` names the offending part (``items[6].scale``)."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "age_max_below_age_min": "{age_max} is below age_min {age_min}",
        "bad_age": "must be a whole number of years from 0 to 130, or null",
        "bad_decimals": "must be a whole number from 0 to {maximum}, or null",
        "bad_end_labels": "must be two labels: the low end, the high end",
        "bad_instrument_key": "'{key}' must be lower-case letters, digits and hyphens",
        "bad_min_answered": "must be a whole number from 1 to the number of items ({count})",
        "bad_name": "must be lower-case letters, digits and underscores, starting with a letter",
        "bad_range_step": "must be above 0 and at most max - min",
        "bad_version": "must be a whole number from 1",
        "band_code_repeated": "'{code}' is used by an earlier band",
        "band_max_below_min": "{maximum:g} is below min {minimum:g}",
        "band_scheme_empty": "must give bands for at least one score",
        "band_scheme_key_repeated": "'{key}' is used by an earlier band scheme",
        "bands_do_not_cover_range": (
            "the bands cover {minimum:g}-{maximum:g} but the score can be {lowest:g}-{highest:g}"
        ),
        "bands_overlap": (
            "{minimum:g} overlaps the band before (up to {previous:g}); list bands from low to high scores"
        ),
        "definition_not_an_object": "must be a JSON object",
        "definition_part_not_an_object": "must be an object",
        "factor_zero": "must not be 0",
        "file_name_mismatch": (
            "the file name says {file_key} v{file_version} but the definition says {key} v{version}"
        ),
        "item_key_repeated": "'{key}' is used by an earlier item",
        "member_listed_twice": "'{member}' is listed twice",
        "members_on_different_scales": (
            "'{member}' is on another scale than '{first}'; a subscale's items share one scale"
        ),
        "no_scales": "must name at least one answer scale",
        "not_a_finite_number": "must be a finite number",
        "not_a_list": "must be a list",
        "not_a_localised_text": 'must be an object {{"da": "...", "en": "..."}}',
        "not_a_non_empty_list": "must be a list with at least one entry",
        "not_a_scale_value": "is not a value of the scale ({scale})",
        "not_a_text": "must be a text",
        "not_one_of": "must be one of {names}",
        "not_true_or_false": "must be true or false",
        "range_max_not_above_min": "must be above min",
        "recode_key_not_a_number": "'{value}' is not a number",
        "recode_on_continuous_scale": "only items on a discrete scale can be recoded",
        "recode_value_missing": "must give a score for every value of the scale; {value:g} has none",
        "scale_values_not_increasing": "values must be listed in increasing order",
        "scale_without_values_or_range": "must have either 'values' (discrete) or 'range' (continuous)",
        "score_key_taken": "'{key}' is already the key of an item or a score",
        "text_empty": "must be a non-empty text",
        "threshold_not_positive": "must be above 0",
        "unknown_component": "'{component}' is not a subscale or an earlier composite",
        "unknown_definition_field": "is not a field of an instrument definition",
        "unknown_field_here": "is not a field here",
        "unknown_item": "'{item}' is not an item of this instrument",
        "unknown_language": "only the languages da and en are read",
        "unknown_scale": "'{scale}' is not one of the scales",
        "unknown_schema_version": "must be {version} (this version of Indsats reads schema {version})",
        "unknown_score": "'{score}' is not a subscale or composite",
    }


class UnknownInstrument(EngineError):
    """No built-in instrument has that key (or that version); the message lists the ones there are.
    ``str(error)`` is the message alone (it names the instrument itself)."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "unknown_instrument": "instrument: there is no instrument '{key}'; the instruments are: {known}",
        "unknown_instrument_version": "instrument: {key} has no version {version} (it has: {listed})",
    }

    def __init__(self, key: str, code: str, /, **params: Any) -> None:
        super().__init__("instrument", code, **params)
        self.args = (self.message,)
        self.key = key


@dataclass(frozen=True)
class LocalisedText:
    """A text in Danish (shown by default) and English."""

    da: str
    en: str

    def get(self, language: str) -> str:
        """The text in ``language`` ("da" or "en"); any other language gets the Danish text."""
        return self.en if language == "en" else self.da

    def to_dict(self) -> dict[str, str]:
        return {"da": self.da, "en": self.en}


@dataclass(frozen=True)
class ScaleValue:
    """One answer on a discrete scale: the stored value and its label."""

    value: float
    label: LocalisedText


@dataclass(frozen=True)
class AnswerScale:
    """A named answer scale: discrete ``values`` with labels, or a continuous range with a ``step``.

    A continuous scale (a visual analogue line, as in the ORS) has no ``values``; an answer must lie in
    ``[minimum, maximum]`` and be a whole multiple of ``step`` above ``minimum``.
    """

    key: str
    minimum: float
    maximum: float
    values: tuple[ScaleValue, ...] = ()
    step: float | None = None
    end_labels: tuple[LocalisedText, LocalisedText] | None = None

    @property
    def is_discrete(self) -> bool:
        return bool(self.values)

    @property
    def allowed_values(self) -> tuple[float, ...]:
        return tuple(value.value for value in self.values)

    def describe(self) -> str:
        """How the scale reads in an error message: ``0-2``, ``0, 2, 5`` or ``0-10 in steps of 0.1``."""
        if self.is_discrete:
            allowed = self.allowed_values
            if all(float(v).is_integer() for v in allowed) and allowed == tuple(
                float(v) for v in range(int(allowed[0]), int(allowed[-1]) + 1)
            ):
                return f"{allowed[0]:g}-{allowed[-1]:g}"
            return ", ".join(f"{v:g}" for v in allowed)
        return f"{self.minimum:g}-{self.maximum:g} in steps of {self.step:g}"

    def to_dict(self) -> dict[str, Any]:
        if self.is_discrete:
            return {"values": [{"value": v.value, "label": v.label.to_dict()} for v in self.values]}
        data: dict[str, Any] = {"range": {"min": self.minimum, "max": self.maximum, "step": self.step}}
        if self.end_labels is not None:
            data["end_labels"] = [label.to_dict() for label in self.end_labels]
        return data


@dataclass(frozen=True)
class Item:
    """One question: its key (the column name in files), a short label, its answer scale, its keying."""

    key: str
    text: LocalisedText
    scale: str
    reverse: bool = False


@dataclass(frozen=True)
class ZeroWhen:
    """The score is 0 when the (raw) answer to ``item`` is one of ``values``, whatever else is missing."""

    item: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Subscale:
    """A score computed from items by one rule (see ``indsats.engine.scoring`` for the formulas)."""

    key: str
    name: LocalisedText
    items: tuple[str, ...]
    rule: str
    min_answered: int
    direction: str
    source: str
    decimals: int | None = None
    recode: tuple[tuple[float, float], ...] = ()
    zero_when: ZeroWhen | None = None


@dataclass(frozen=True)
class Composite:
    """A score computed from other scores: ``factor * sum(components)``, missing if any component is."""

    key: str
    name: LocalisedText
    components: tuple[str, ...]
    rule: str
    direction: str
    source: str
    factor: float = 1.0
    decimals: int | None = None


@dataclass(frozen=True)
class Band:
    """A norm band: scores from ``minimum`` to ``maximum`` (both inclusive) get ``code``.

    A non-integer score that falls between one band's maximum and the next band's minimum (e.g. 24.95
    between 24.9 and 25) belongs to the lower band: bands are assigned by their lower limits.
    """

    code: str
    label: LocalisedText
    minimum: float
    maximum: float


@dataclass(frozen=True)
class BandScheme:
    """A published set of norm bands (e.g. the SDQ's four-band categorisation) for some of the scores."""

    key: str
    name: LocalisedText
    source: str
    bands: Mapping[str, tuple[Band, ...]]


@dataclass(frozen=True)
class ReliableChange:
    """The smallest change in a score that counts as reliable (e.g. 5 points on the ORS)."""

    threshold: float
    source: str


@dataclass(frozen=True)
class Instrument:
    """A validated instrument definition (docs/instruments.md describes every field)."""

    key: str
    version: int
    name: LocalisedText
    source: str
    respondent: str
    age_min: int | None
    age_max: int | None
    scales: Mapping[str, AnswerScale]
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...]
    composites: tuple[Composite, ...] = ()
    band_schemes: tuple[BandScheme, ...] = ()
    reliable_change: Mapping[str, ReliableChange] = dataclass_field(default_factory=dict)
    licence: str = ""
    notes: str = ""

    @property
    def item_keys(self) -> tuple[str, ...]:
        """The item keys in the instrument's order: the columns of an answers array or file."""
        return tuple(item.key for item in self.items)

    @property
    def score_keys(self) -> tuple[str, ...]:
        """Every score the instrument gives: its subscales, then its composites, in definition order."""
        return tuple(s.key for s in self.subscales) + tuple(c.key for c in self.composites)

    @property
    def default_band_scheme(self) -> BandScheme | None:
        """The first band scheme of the definition, the one used when none is asked for."""
        return self.band_schemes[0] if self.band_schemes else None

    def item_scale(self, item_key: str) -> AnswerScale:
        """The answer scale of an item."""
        for item in self.items:
            if item.key == item_key:
                return self.scales[item.scale]
        raise KeyError(item_key)

    def band_scheme(self, key: str | None = None) -> BandScheme:
        """The band scheme ``key`` (the default one for ``None``); a ``ValueError`` names the choices."""
        if key is None:
            scheme = self.default_band_scheme
            if scheme is None:
                raise ValueError(f"band_scheme: the instrument {self.key} has no norm bands")
            return scheme
        for scheme in self.band_schemes:
            if scheme.key == key:
                return scheme
        known = ", ".join(s.key for s in self.band_schemes) or "none"
        raise ValueError(f"band_scheme: {self.key} has no band scheme '{key}' (it has: {known})")

    def direction(self, score_key: str) -> str:
        """``higher_is_better`` or ``higher_is_worse`` for a subscale or composite."""
        for subscale in self.subscales:
            if subscale.key == score_key:
                return subscale.direction
        for composite in self.composites:
            if composite.key == score_key:
                return composite.direction
        raise KeyError(score_key)

    def score_name(self, score_key: str) -> LocalisedText:
        """The display name of a subscale or composite."""
        for subscale in self.subscales:
            if subscale.key == score_key:
                return subscale.name
        for composite in self.composites:
            if composite.key == score_key:
                return composite.name
        raise KeyError(score_key)

    def band_order(self, score_key: str, scheme_key: str | None = None) -> tuple[str, ...]:
        """The band codes of a score, best band first (from the score's ``direction``)."""
        codes = tuple(band.code for band in self.band_scheme(scheme_key).bands[score_key])
        return codes if self.direction(score_key) == "higher_is_worse" else codes[::-1]

    def score_range(self, score_key: str) -> tuple[float, float]:
        """The smallest and largest score the rules can give (used to check that bands cover it)."""
        return _score_ranges(self)[score_key]

    def to_summary(self) -> dict[str, Any]:
        """A short description for listings (``indsats score --list --json``, the web's instrument list)."""
        return {
            "key": self.key,
            "version": self.version,
            "name": self.name.to_dict(),
            "respondent": self.respondent,
            "age_min": self.age_min,
            "age_max": self.age_max,
            "items": list(self.item_keys),
            "scores": list(self.score_keys),
            "band_schemes": [scheme.key for scheme in self.band_schemes],
            "source": self.source,
        }


# --- parsing and validation --------------------------------------------------------------------------


def parse_instrument(data: Mapping[str, Any]) -> Instrument:
    """Validate a definition (a mapping as read from JSON) and return the ``Instrument``.

    Raises ``InstrumentDefinitionError`` naming the first offending field. The rules checked are those
    of docs/instruments.md: known fields only, keys well formed and unique, every item of a subscale on
    the same scale, recodes covering the scale, composites built from earlier scores, bands ordered,
    non-overlapping and covering every score the rules can give, and a source for every rule.
    """
    if not isinstance(data, Mapping):
        raise InstrumentDefinitionError("definition", "definition_not_an_object")
    unknown = sorted(set(data) - _TOP_LEVEL_FIELDS)
    if unknown:
        raise InstrumentDefinitionError(unknown[0], "unknown_definition_field")
    schema_version = data.get("schema_version", SCHEMA_VERSION)
    if schema_version != SCHEMA_VERSION:
        raise InstrumentDefinitionError("schema_version", "unknown_schema_version", version=SCHEMA_VERSION)

    key = _text(data, "key", "key")
    if not _KEY.match(key):
        raise InstrumentDefinitionError("key", "bad_instrument_key", key=key)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InstrumentDefinitionError("version", "bad_version")
    respondent = _text(data, "respondent", "respondent")
    if respondent not in RESPONDENTS:
        raise InstrumentDefinitionError("respondent", "not_one_of", names=", ".join(RESPONDENTS))
    age_min = _optional_age(data, "age_min")
    age_max = _optional_age(data, "age_max")
    if age_min is not None and age_max is not None and age_min > age_max:
        raise InstrumentDefinitionError("age_max", "age_max_below_age_min", age_max=age_max, age_min=age_min)

    scales = _parse_scales(data.get("scales"))
    items = _parse_items(data.get("items"), scales)
    subscales = _parse_subscales(data.get("subscales"), items, scales)
    composites = _parse_composites(data.get("composites", []), subscales, items)
    instrument = Instrument(
        key=key,
        version=version,
        name=_localised(data.get("name"), "name"),
        source=_text(data, "source", "source"),
        respondent=respondent,
        age_min=age_min,
        age_max=age_max,
        scales=MappingProxyType(scales),
        items=items,
        subscales=subscales,
        composites=composites,
        licence=_optional_text(data, "licence", "licence"),
        notes=_optional_text(data, "notes", "notes"),
    )
    ranges = _score_ranges(instrument)
    band_schemes = _parse_band_schemes(data.get("band_schemes", []), ranges)
    reliable_change = _parse_reliable_change(data.get("reliable_change", {}), ranges)
    # read-only views: a loaded (and cached) definition cannot be changed by a caller
    return replace(instrument, band_schemes=band_schemes, reliable_change=MappingProxyType(reliable_change))


def _text(data: Mapping[str, Any], name: str, field: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InstrumentDefinitionError(field, "text_empty")
    return value


def _optional_text(data: Mapping[str, Any], name: str, field: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise InstrumentDefinitionError(field, "not_a_text")
    return value


def _optional_age(data: Mapping[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 130:
        raise InstrumentDefinitionError(name, "bad_age")
    return value


def _localised(value: Any, field: str) -> LocalisedText:
    if not isinstance(value, Mapping):
        raise InstrumentDefinitionError(field, "not_a_localised_text")
    for language in LANGUAGES:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise InstrumentDefinitionError(f"{field}.{language}", "text_empty")
    extra = sorted(set(value) - set(LANGUAGES))
    if extra:
        raise InstrumentDefinitionError(f"{field}.{extra[0]}", "unknown_language")
    return LocalisedText(da=value["da"], en=value["en"])


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InstrumentDefinitionError(field, "not_a_finite_number")
    return float(value)


def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise InstrumentDefinitionError(field, "bad_name")
    return value


def _list(value: Any, field: str, *, allow_empty: bool = False) -> Sequence[Any]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise InstrumentDefinitionError(field, "not_a_list" if allow_empty else "not_a_non_empty_list")
    return value


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InstrumentDefinitionError(field, "definition_part_not_an_object")
    return value


def _only(entry: Mapping[str, Any], allowed: set[str], field: str) -> None:
    extra = sorted(set(entry) - allowed)
    if extra:
        raise InstrumentDefinitionError(f"{field}.{extra[0]}", "unknown_field_here")


def _parse_scales(value: Any) -> dict[str, AnswerScale]:
    scales_data = _object(value, "scales")
    if not scales_data:
        raise InstrumentDefinitionError("scales", "no_scales")
    scales: dict[str, AnswerScale] = {}
    for scale_key, raw in scales_data.items():
        field = f"scales.{scale_key}"
        _name(scale_key, field)
        entry = _object(raw, field)
        _only(entry, {"values", "range", "end_labels", "source"}, field)
        if ("values" in entry) == ("range" in entry):
            raise InstrumentDefinitionError(field, "scale_without_values_or_range")
        if "values" in entry:
            values: list[ScaleValue] = []
            for i, raw_value in enumerate(_list(entry["values"], f"{field}.values")):
                value_field = f"{field}.values[{i}]"
                value_entry = _object(raw_value, value_field)
                _only(value_entry, {"value", "label"}, value_field)
                number = _number(value_entry.get("value"), f"{value_field}.value")
                if values and number <= values[-1].value:
                    raise InstrumentDefinitionError(f"{value_field}.value", "scale_values_not_increasing")
                values.append(
                    ScaleValue(number, _localised(value_entry.get("label"), f"{value_field}.label"))
                )
            scales[scale_key] = AnswerScale(
                key=scale_key, minimum=values[0].value, maximum=values[-1].value, values=tuple(values)
            )
        else:
            bounds = _object(entry["range"], f"{field}.range")
            _only(bounds, {"min", "max", "step"}, f"{field}.range")
            low = _number(bounds.get("min"), f"{field}.range.min")
            high = _number(bounds.get("max"), f"{field}.range.max")
            step = _number(bounds.get("step"), f"{field}.range.step")
            if high <= low:
                raise InstrumentDefinitionError(f"{field}.range.max", "range_max_not_above_min")
            if step <= 0 or step > high - low:
                raise InstrumentDefinitionError(f"{field}.range.step", "bad_range_step")
            end_labels = None
            if "end_labels" in entry:
                labels = _list(entry["end_labels"], f"{field}.end_labels")
                if len(labels) != 2:
                    raise InstrumentDefinitionError(f"{field}.end_labels", "bad_end_labels")
                end_labels = (
                    _localised(labels[0], f"{field}.end_labels[0]"),
                    _localised(labels[1], f"{field}.end_labels[1]"),
                )
            scales[scale_key] = AnswerScale(
                key=scale_key, minimum=low, maximum=high, step=step, end_labels=end_labels
            )
    return scales


def _parse_items(value: Any, scales: Mapping[str, AnswerScale]) -> tuple[Item, ...]:
    items: list[Item] = []
    seen: set[str] = set()
    for i, raw in enumerate(_list(value, "items")):
        field = f"items[{i}]"
        entry = _object(raw, field)
        _only(entry, {"key", "text", "scale", "reverse"}, field)
        key = _name(entry.get("key"), f"{field}.key")
        if key in seen:
            raise InstrumentDefinitionError(f"{field}.key", "item_key_repeated", key=key)
        seen.add(key)
        scale = entry.get("scale")
        if not isinstance(scale, str) or scale not in scales:
            raise InstrumentDefinitionError(f"{field}.scale", "unknown_scale", scale=scale)
        reverse = entry.get("reverse", False)
        if not isinstance(reverse, bool):
            raise InstrumentDefinitionError(f"{field}.reverse", "not_true_or_false")
        items.append(
            Item(key=key, text=_localised(entry.get("text"), f"{field}.text"), scale=scale, reverse=reverse)
        )
    return tuple(items)


def _parse_direction(entry: Mapping[str, Any], field: str) -> str:
    direction = entry.get("direction")
    if direction not in DIRECTIONS:
        raise InstrumentDefinitionError(f"{field}.direction", "not_one_of", names=", ".join(DIRECTIONS))
    return str(direction)


def _parse_decimals(entry: Mapping[str, Any], field: str) -> int | None:
    decimals = entry.get("decimals")
    if decimals is None:
        return None
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= MAX_DECIMALS:
        raise InstrumentDefinitionError(f"{field}.decimals", "bad_decimals", maximum=MAX_DECIMALS)
    return decimals


def _parse_subscales(
    value: Any, items: tuple[Item, ...], scales: Mapping[str, AnswerScale]
) -> tuple[Subscale, ...]:
    item_scales = {item.key: item.scale for item in items}
    subscales: list[Subscale] = []
    seen: set[str] = set()
    for i, raw in enumerate(_list(value, "subscales")):
        field = f"subscales[{i}]"
        entry = _object(raw, field)
        _only(
            entry,
            {
                "key",
                "name",
                "items",
                "rule",
                "min_answered",
                "decimals",
                "direction",
                "recode",
                "zero_when",
                "source",
            },
            field,
        )
        key = _name(entry.get("key"), f"{field}.key")
        if key in seen or key in item_scales:
            raise InstrumentDefinitionError(f"{field}.key", "score_key_taken", key=key)
        seen.add(key)
        members = _list(entry.get("items"), f"{field}.items")
        for j, member in enumerate(members):
            if member not in item_scales:
                raise InstrumentDefinitionError(f"{field}.items[{j}]", "unknown_item", item=member)
            if member in members[:j]:
                raise InstrumentDefinitionError(f"{field}.items[{j}]", "member_listed_twice", member=member)
            if item_scales[member] != item_scales[members[0]]:
                raise InstrumentDefinitionError(
                    f"{field}.items[{j}]", "members_on_different_scales", member=member, first=members[0]
                )
        rule = entry.get("rule")
        if rule not in SUBSCALE_RULES:
            raise InstrumentDefinitionError(f"{field}.rule", "not_one_of", names=", ".join(SUBSCALE_RULES))
        min_answered = entry.get("min_answered", len(members))
        if (
            not isinstance(min_answered, int)
            or isinstance(min_answered, bool)
            or not 1 <= min_answered <= len(members)
        ):
            raise InstrumentDefinitionError(f"{field}.min_answered", "bad_min_answered", count=len(members))
        scale = scales[item_scales[members[0]]]
        recode: tuple[tuple[float, float], ...] = ()
        if "recode" in entry:
            recode = _parse_recode(entry["recode"], scale, f"{field}.recode")
        zero_when = None
        if "zero_when" in entry:
            zero_when = _parse_zero_when(entry["zero_when"], item_scales, scales, f"{field}.zero_when")
        subscales.append(
            Subscale(
                key=key,
                name=_localised(entry.get("name"), f"{field}.name"),
                items=tuple(members),
                rule=str(rule),
                min_answered=min_answered,
                direction=_parse_direction(entry, field),
                source=_text(entry, "source", f"{field}.source"),
                decimals=_parse_decimals(entry, field),
                recode=recode,
                zero_when=zero_when,
            )
        )
    return tuple(subscales)


def _parse_recode(value: Any, scale: AnswerScale, field: str) -> tuple[tuple[float, float], ...]:
    mapping = _object(value, field)
    if not scale.is_discrete:
        raise InstrumentDefinitionError(field, "recode_on_continuous_scale")
    pairs: dict[float, float] = {}
    for raw_from, raw_to in mapping.items():
        try:
            answer = float(raw_from)
        except ValueError:
            raise InstrumentDefinitionError(field, "recode_key_not_a_number", value=raw_from) from None
        if answer not in scale.allowed_values:
            raise InstrumentDefinitionError(
                f"{field}.{raw_from}", "not_a_scale_value", scale=scale.describe()
            )
        pairs[answer] = _number(raw_to, f"{field}.{raw_from}")
    missing = [v for v in scale.allowed_values if v not in pairs]
    if missing:
        raise InstrumentDefinitionError(field, "recode_value_missing", value=missing[0])
    return tuple(sorted(pairs.items()))


def _parse_zero_when(
    value: Any, item_scales: Mapping[str, str], scales: Mapping[str, AnswerScale], field: str
) -> ZeroWhen:
    entry = _object(value, field)
    _only(entry, {"item", "values"}, field)
    item = entry.get("item")
    if not isinstance(item, str) or item not in item_scales:
        raise InstrumentDefinitionError(f"{field}.item", "unknown_item", item=item)
    scale = scales[item_scales[item]]
    values = []
    for j, raw in enumerate(_list(entry.get("values"), f"{field}.values")):
        number = _number(raw, f"{field}.values[{j}]")
        if scale.is_discrete and number not in scale.allowed_values:
            raise InstrumentDefinitionError(
                f"{field}.values[{j}]", "not_a_scale_value", scale=scale.describe()
            )
        values.append(number)
    return ZeroWhen(item=str(item), values=tuple(values))


def _parse_composites(
    value: Any, subscales: tuple[Subscale, ...], items: tuple[Item, ...]
) -> tuple[Composite, ...]:
    known = [s.key for s in subscales]
    item_keys = {item.key for item in items}
    composites: list[Composite] = []
    for i, raw in enumerate(_list(value, "composites", allow_empty=True)):
        field = f"composites[{i}]"
        entry = _object(raw, field)
        _only(
            entry, {"key", "name", "components", "rule", "factor", "decimals", "direction", "source"}, field
        )
        key = _name(entry.get("key"), f"{field}.key")
        if key in known or key in item_keys:
            raise InstrumentDefinitionError(f"{field}.key", "score_key_taken", key=key)
        components = _list(entry.get("components"), f"{field}.components")
        for j, component in enumerate(components):
            if component not in known:
                raise InstrumentDefinitionError(
                    f"{field}.components[{j}]", "unknown_component", component=component
                )
        rule = entry.get("rule")
        if rule not in COMPOSITE_RULES:
            raise InstrumentDefinitionError(f"{field}.rule", "not_one_of", names=", ".join(COMPOSITE_RULES))
        factor = _number(entry.get("factor", 1), f"{field}.factor")
        if factor == 0:
            raise InstrumentDefinitionError(f"{field}.factor", "factor_zero")
        composites.append(
            Composite(
                key=key,
                name=_localised(entry.get("name"), f"{field}.name"),
                components=tuple(components),
                rule=str(rule),
                direction=_parse_direction(entry, field),
                source=_text(entry, "source", f"{field}.source"),
                factor=factor,
                decimals=_parse_decimals(entry, field),
            )
        )
        known.append(key)
    return tuple(composites)


def _parse_band_schemes(value: Any, ranges: Mapping[str, tuple[float, float]]) -> tuple[BandScheme, ...]:
    schemes: list[BandScheme] = []
    for i, raw in enumerate(_list(value, "band_schemes", allow_empty=True)):
        field = f"band_schemes[{i}]"
        entry = _object(raw, field)
        _only(entry, {"key", "name", "source", "bands"}, field)
        key = _name(entry.get("key"), f"{field}.key")
        if any(s.key == key for s in schemes):
            raise InstrumentDefinitionError(f"{field}.key", "band_scheme_key_repeated", key=key)
        bands_data = _object(entry.get("bands"), f"{field}.bands")
        if not bands_data:
            raise InstrumentDefinitionError(f"{field}.bands", "band_scheme_empty")
        bands: dict[str, tuple[Band, ...]] = {}
        for score_key, raw_bands in bands_data.items():
            bands_field = f"{field}.bands.{score_key}"
            if score_key not in ranges:
                raise InstrumentDefinitionError(bands_field, "unknown_score", score=score_key)
            bands[score_key] = _parse_bands(raw_bands, ranges[score_key], bands_field)
        schemes.append(
            BandScheme(
                key=key,
                name=_localised(entry.get("name"), f"{field}.name"),
                source=_text(entry, "source", f"{field}.source"),
                bands=MappingProxyType(bands),
            )
        )
    return tuple(schemes)


def _parse_bands(value: Any, score_range: tuple[float, float], field: str) -> tuple[Band, ...]:
    bands: list[Band] = []
    for j, raw in enumerate(_list(value, field)):
        band_field = f"{field}[{j}]"
        entry = _object(raw, band_field)
        _only(entry, {"code", "label", "min", "max"}, band_field)
        code = _name(entry.get("code"), f"{band_field}.code")
        if any(b.code == code for b in bands):
            raise InstrumentDefinitionError(f"{band_field}.code", "band_code_repeated", code=code)
        low = _number(entry.get("min"), f"{band_field}.min")
        high = _number(entry.get("max"), f"{band_field}.max")
        if high < low:
            raise InstrumentDefinitionError(
                f"{band_field}.max", "band_max_below_min", maximum=high, minimum=low
            )
        if bands and low <= bands[-1].maximum:
            raise InstrumentDefinitionError(
                f"{band_field}.min", "bands_overlap", minimum=low, previous=bands[-1].maximum
            )
        bands.append(
            Band(
                code=code,
                label=_localised(entry.get("label"), f"{band_field}.label"),
                minimum=low,
                maximum=high,
            )
        )
    lowest, highest = score_range
    if bands[0].minimum > lowest or bands[-1].maximum < highest:
        raise InstrumentDefinitionError(
            field,
            "bands_do_not_cover_range",
            minimum=bands[0].minimum,
            maximum=bands[-1].maximum,
            lowest=lowest,
            highest=highest,
        )
    return tuple(bands)


def _parse_reliable_change(
    value: Any, ranges: Mapping[str, tuple[float, float]]
) -> dict[str, ReliableChange]:
    entries = _object(value, "reliable_change")
    result: dict[str, ReliableChange] = {}
    for score_key, raw in entries.items():
        field = f"reliable_change.{score_key}"
        if score_key not in ranges:
            raise InstrumentDefinitionError(field, "unknown_score", score=score_key)
        entry = _object(raw, field)
        _only(entry, {"threshold", "source"}, field)
        threshold = _number(entry.get("threshold"), f"{field}.threshold")
        if threshold <= 0:
            raise InstrumentDefinitionError(f"{field}.threshold", "threshold_not_positive")
        result[score_key] = ReliableChange(
            threshold=threshold, source=_text(entry, "source", f"{field}.source")
        )
    return result


def _score_ranges(instrument: Instrument) -> dict[str, tuple[float, float]]:
    """The smallest and largest value each score's rule can give (from the scales, recodes and rules)."""
    ranges: dict[str, tuple[float, float]] = {}
    item_scales = {item.key: instrument.scales[item.scale] for item in instrument.items}
    for subscale in instrument.subscales:
        scale = item_scales[subscale.items[0]]
        if subscale.recode:
            scored = [to for _, to in subscale.recode]
            low, high = min(scored), max(scored)
        else:
            low, high = scale.minimum, scale.maximum
        n = len(subscale.items)
        if subscale.rule == "mean":
            lowest, highest = low, high
        elif subscale.rule == "prorated_sum":
            lowest, highest = n * low, n * high
        else:  # "sum": with fewer than all items answered, a missing item adds nothing
            lowest = (subscale.min_answered if low >= 0 else n) * low
            highest = (n if high >= 0 else subscale.min_answered) * high
        if subscale.zero_when is not None:
            lowest, highest = min(lowest, 0.0), max(highest, 0.0)
        ranges[subscale.key] = (lowest, highest)
    for composite in instrument.composites:
        total_low = sum(ranges[c][0] for c in composite.components) * composite.factor
        total_high = sum(ranges[c][1] for c in composite.components) * composite.factor
        ranges[composite.key] = (min(total_low, total_high), max(total_low, total_high))
    return ranges


# --- the built-in definitions ------------------------------------------------------------------------


@cache
def _definition_files() -> dict[str, dict[int, str]]:
    """key -> version -> file name, for every file in ``definitions/``."""
    found: dict[str, dict[int, str]] = {}
    folder = resources.files(__name__).joinpath("definitions")
    for entry in folder.iterdir():
        match = _DEFINITION_FILE.match(entry.name)
        if match:
            found.setdefault(match["key"], {})[int(match["version"])] = entry.name
    return found


@cache
def _load_builtin(key: str, version: int) -> Instrument:
    name = _definition_files()[key][version]
    text = resources.files(__name__).joinpath("definitions", name).read_text(encoding="utf-8")
    try:
        instrument = parse_instrument(json.loads(text))
    except InstrumentDefinitionError as error:
        raise InstrumentDefinitionError(f"{name}: {error.field}", error.code, **error.params) from None
    if instrument.key != key or instrument.version != version:
        raise InstrumentDefinitionError(
            f"{name}: key",
            "file_name_mismatch",
            file_key=key,
            file_version=version,
            key=instrument.key,
            version=instrument.version,
        )
    return instrument


def load_instrument(key: str, version: int | None = None) -> Instrument:
    """The built-in instrument ``key`` (its newest version, or ``version``), validated.

    Raises ``UnknownInstrument`` with the list of known keys (or versions) when there is no such
    definition. Definitions are read once and cached.
    """
    files = _definition_files()
    if key not in files:
        known = ", ".join(sorted(files))
        raise UnknownInstrument(key, "unknown_instrument", key=key, known=known)
    versions = files[key]
    if version is None:
        version = max(versions)
    elif version not in versions:
        listed = ", ".join(str(v) for v in sorted(versions))
        raise UnknownInstrument(key, "unknown_instrument_version", key=key, version=version, listed=listed)
    return _load_builtin(key, version)


def list_instruments(*, all_versions: bool = False) -> tuple[Instrument, ...]:
    """Every built-in instrument (its newest version, or every version), sorted by key and version."""
    files = _definition_files()
    found: list[Instrument] = []
    for key in sorted(files):
        versions = sorted(files[key]) if all_versions else [max(files[key])]
        found.extend(_load_builtin(key, version) for version in versions)
    return tuple(found)
