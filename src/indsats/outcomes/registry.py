"""The instrument registry: the engine's built-in definitions mirrored as rows, and rows turned back into
the engine's validated ``Instrument`` objects. Adding an instrument is adding a definition, never code."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils.translation import get_language

from indsats.audit.services import record_create
from indsats.engine.instruments import Instrument as EngineInstrument
from indsats.engine.instruments import LocalisedText, list_instruments, parse_instrument
from indsats.outcomes.models import Instrument, InstrumentList

# The agency's short list as shipped: the SDQ forms (the most used instrument in Danish child welfare).
DEFAULT_SHORT_LIST = frozenset({"sdq-parent-4-17", "sdq-teacher-4-17", "sdq-self-11-17"})


def localised(text: LocalisedText) -> str:
    """An instrument's text (item, answer, scale name) in the page's language."""
    return text.get((get_language() or "da")[:2])


def definition_of(instrument: EngineInstrument) -> dict[str, Any]:
    """The JSON definition of a built-in instrument, read back from the engine's package data."""
    path = (
        resources.files("indsats.engine.instruments")
        / "definitions"
        / f"{instrument.key}.v{instrument.version}.json"
    )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def builtin_versions() -> frozenset[tuple[str, int]]:
    """The (key, version) of every built-in instrument version (package data: fixed per process)."""
    return frozenset((i.key, i.version) for i in list_instruments(all_versions=True))


def ensure_builtin_instruments() -> int:
    """Create a row for every built-in instrument version that has none; returns how many were added.
    Once they all have one (on every call but the first), a single query and no transaction."""
    if builtin_versions() <= set(Instrument.objects.values_list("key", "version")):
        return 0
    return _add_builtin_instruments()


@transaction.atomic
def _add_builtin_instruments() -> int:
    existing = set(Instrument.objects.values_list("key", "version"))
    added = 0
    for engine_instrument in list_instruments(all_versions=True):
        if (engine_instrument.key, engine_instrument.version) in existing:
            continue
        row = Instrument.objects.create(
            key=engine_instrument.key,
            version=engine_instrument.version,
            name=engine_instrument.name.da,
            definition=definition_of(engine_instrument),
            list_status=InstrumentList.SHORT
            if engine_instrument.key in DEFAULT_SHORT_LIST
            else InstrumentList.LONG,
        )
        record_create(actor=None, instance=row, message="Indbygget måleredskab")
        added += 1
    return added


@lru_cache(maxsize=64)
def _parsed(pk: int, key: str, version: int) -> EngineInstrument:
    row = Instrument.objects.get(pk=pk)
    return parse_instrument(row.definition)


def engine_instrument(row: Instrument) -> EngineInstrument:
    """The validated engine object of a stored instrument (parsed once per process; versions never change)."""
    return _parsed(row.pk, row.key, row.version)
