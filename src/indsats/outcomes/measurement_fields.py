"""How a measurement's answers, scores and bands are stored: typed arrays on PostgreSQL, JSON elsewhere.

Python sees the same values on every database: ``answers`` a list in the instrument's item order (None =
missing, whole numbers as int however they were written), ``scores`` a dict {score key: float or None}
and ``bands`` a dict {score key: band code}.

On PostgreSQL the columns are arrays, so a million rows are copied and read without parsing JSON (JSONB
scores alone cost 6-7 s per million rows on the import; see benchmarks/bench_outcome_import.py):

- ``answers double precision[]``: one element per item, NaN = missing (exact for any decimal step).
- ``scores double precision[]`` and ``bands text[]``: element *n* holds the score key of ``ScoreSlot``
  *n* (one numbering for all instruments, so the same key sits in the same element whatever the
  instrument). A score key the measurement does not have is NULL; a score the engine could not compute
  (too many missing answers) is NaN, so ``{"total": None}`` comes back as it went in.

SQLite (development and tests) keeps JSON text, as before. SQL that reads one score or band goes through
``measurement_sql`` only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import models

# position -> score key; positions are never reused (a sequence), so a cached entry is never wrong
_SLOT_KEYS: dict[int, str] = {}


def forget_slots() -> None:
    """Drop the cached slot numbers: only needed when the slot table itself is recreated (a migration run
    backwards and forwards in one process, as a test does)."""
    _SLOT_KEYS.clear()


def _is_postgresql(connection: Any) -> bool:
    return bool(connection.vendor == "postgresql")


def slot_positions(keys: Iterable[str], connection: Any) -> dict[str, int]:
    """The slot of each score key, new keys given the next free slots (on ``connection``, so inside the
    caller's transaction)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO outcomes_scoreslot (key) SELECT unnest(%s::varchar[]) ON CONFLICT (key) DO NOTHING",
            [wanted],
        )
        cursor.execute("SELECT key, id FROM outcomes_scoreslot WHERE key = ANY(%s::varchar[])", [wanted])
        found: dict[str, int] = dict(cursor.fetchall())
    _SLOT_KEYS.update({position: key for key, position in found.items()})
    return found


def _slot_key(position: int, connection: Any) -> str | None:
    if position not in _SLOT_KEYS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, key FROM outcomes_scoreslot")
            _SLOT_KEYS.update(dict(cursor.fetchall()))
    return _SLOT_KEYS.get(position)


def slot_array(values: Mapping[str, Any], positions: Mapping[str, int], missing: Any) -> list[Any]:
    """``values`` as an array by slot: None for a slot the measurement does not have, ``missing`` for a
    key whose value is None."""
    if not values:
        return []
    array: list[Any] = [None] * max(positions[key] for key in values)
    for key, value in values.items():
        array[positions[key] - 1] = missing if value is None else value
    return array


def plain_number(value: float) -> float | int:
    """A whole number as int, as the JSON storage gave it back."""
    return int(value) if float(value).is_integer() else float(value)


class _PostgresArrayOrJson(models.JSONField):
    """A JSON field everywhere but PostgreSQL, where it is an array (``postgres_type``)."""

    postgres_type = ""

    def db_type(self, connection: Any) -> str | None:
        return self.postgres_type if _is_postgresql(connection) else super().db_type(connection)

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        # a plain placeholder; defining it also keeps Django's bulk_create from casting a column of these
        # to jsonb[] (its UNNEST strategy on PostgreSQL)
        return "%s"

    def db_check(self, connection: Any) -> str | None:
        return None if _is_postgresql(connection) else super().db_check(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not _is_postgresql(connection):
            return super().get_db_prep_value(value, connection, prepared)
        return None if value is None else self.to_array(value, connection)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if not _is_postgresql(connection):
            return super().get_db_prep_save(value, connection)
        return self.get_db_prep_value(value, connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not _is_postgresql(connection):
            return self.from_json(super().from_db_value(value, expression, connection))
        if isinstance(value, str):  # only through raw SQL without psycopg's array loader
            value = json.loads(value)
        return None if value is None else self.from_array(value, connection)

    def from_json(self, value: Any) -> Any:
        """Whole numbers as int whichever way they were written (the form wrote 2.0, the import 2)."""
        if isinstance(value, list):
            return [plain_number(v) if isinstance(v, float) and math.isfinite(v) else v for v in value]
        if isinstance(value, dict):
            return {
                k: plain_number(v) if isinstance(v, float) and math.isfinite(v) else v
                for k, v in value.items()
            }
        return value

    def to_array(self, value: Any, connection: Any) -> list[Any]:
        raise NotImplementedError

    def from_array(self, value: Sequence[Any], connection: Any) -> Any:
        raise NotImplementedError


class AnswersField(_PostgresArrayOrJson):
    """A questionnaire's answers in item order; None = missing. ``double precision[]`` on PostgreSQL."""

    postgres_type = "double precision[]"

    def to_array(self, value: Any, connection: Any) -> list[float]:
        return [math.nan if v is None else float(v) for v in value]

    def from_array(self, value: Sequence[Any], connection: Any) -> list[float | int | None]:
        return [None if v is None or math.isnan(v) else plain_number(v) for v in value]


class ScoresField(_PostgresArrayOrJson):
    """{score key: value or None}. ``double precision[]`` by ``ScoreSlot`` on PostgreSQL (NaN = None)."""

    postgres_type = "double precision[]"

    def to_array(self, value: Any, connection: Any) -> list[float | None]:
        return slot_array(value, slot_positions(value, connection), math.nan)

    def from_array(self, value: Sequence[Any], connection: Any) -> dict[str, float | None]:
        scores: dict[str, float | None] = {}
        for position, number in enumerate(value, start=1):
            key = None if number is None else _slot_key(position, connection)
            if key is not None:
                scores[key] = None if math.isnan(number) else plain_number(number)
        return scores


class BandsField(_PostgresArrayOrJson):
    """{score key: band code}. ``text[]`` by ``ScoreSlot`` on PostgreSQL."""

    postgres_type = "text[]"

    def to_array(self, value: Any, connection: Any) -> list[str | None]:
        return slot_array(value, slot_positions(value, connection), "")

    def from_array(self, value: Sequence[Any], connection: Any) -> dict[str, str]:
        bands: dict[str, str] = {}
        for position, code in enumerate(value, start=1):
            key = None if code is None else _slot_key(position, connection)
            if key is not None:
                bands[key] = code
        return bands
