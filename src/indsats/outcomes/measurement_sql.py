"""SQL expressions for one score and one band of a measurement, so that aggregates (the insight page,
completeness, summaries) are computed by the database over the stored columns, never by loading rows.

Every query that reads a score or a band in SQL goes through these two functions: they are the one place
that knows how scores and bands are stored (``Measurement.scores`` and ``Measurement.bands``: arrays by
score slot on PostgreSQL, JSON on SQLite; outcomes/measurement_fields.py). A missing score (not computed,
or a key the measurement does not have) is SQL NULL on every database, so ``Avg`` and ``Count`` skip it.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import CharField, F, FloatField, Func

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")


class _JsonMember(Func):
    """``column[slot of key]`` (PostgreSQL) or ``json_extract(column, '$.key')`` (SQLite), as the output
    field's type. The key is an instrument's score key: checked against a plain identifier pattern."""

    arity = 1

    def __init__(self, column: str, key: str, output_field: Any) -> None:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a score key: {key!r}")
        self.key = key
        super().__init__(F(column), output_field=output_field)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # an array by ScoreSlot (outcomes/measurement_fields.py): the slot is looked up once per query
        # (an InitPlan); a score that could not be computed is NaN there, NULL here
        sql, params = compiler.compile(self.source_expressions[0])
        element = f"({sql})[(SELECT id FROM outcomes_scoreslot WHERE key = %s)]"  # noqa: S608 (compiled)
        if isinstance(self.output_field, FloatField):
            return f"NULLIF({element}, 'NaN'::double precision)", [*params, self.key]
        return element, [*params, self.key]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        kind = "REAL" if isinstance(self.output_field, FloatField) else "TEXT"
        return f"CAST(json_extract({sql}, %s) AS {kind})", [*params, f"$.{self.key}"]


def score_value(score_key: str, prefix: str = "") -> Func:
    """A measurement's value of ``score_key`` as a float (NULL when missing). ``prefix`` reaches the
    measurement through a relation (``"measurements__"``)."""
    return _JsonMember(f"{prefix}scores", score_key, FloatField())


def band_value(score_key: str, prefix: str = "") -> Func:
    """A measurement's band code for ``score_key`` as text (NULL when missing)."""
    return _JsonMember(f"{prefix}bands", score_key, CharField())
