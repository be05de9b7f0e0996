"""A query's SQL compiled by the ORM once per process and shape, then run with each request's values.

The board's queries (FilteredRelations, window functions, a CASE per quarter) cost Django more to build
and compile than PostgreSQL to run (issue #16). The ORM query stays their only definition: `rows` builds
it once with stand-in values (sentinels), compiles it, and notes where each stand-in landed among the
SQL's parameters; later calls of the same shape put their own values there and run the stored SQL.

A shape is the query's name and which values it is given (their names and types): `build` must write
the same SQL text for any values of those names, so whatever changes the text (a filter left out, an
ordering) belongs in the name or in which values are passed. Compiling checks that every stand-in
reached the parameters (none written into the SQL text), and refuses the query otherwise.

Values are sent as the ORM sends them for a plain comparison: dates and datetimes adapted by the
backend, strings and integers as they are, and a string that reached the SQL as a LIKE pattern
(`__icontains`) escaped and wrapped the same way. A tuple of such values (an `__in` lookup's list, not
empty) is a parameter per item: its length is part of the shape. The rows' converters are kept with
the SQL: the backends' converters read only settings (time zone), not the connection they were taken
from. The queries run on the default database, as every query of this project does.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from indsats.ui.panels import counts_sql

Values = Mapping[str, Any]
# a value's name, and the item's position when the value is a tuple (None for a single value)
_Part = tuple[str, int | None]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # the constants, with a stand-in where a value goes
    # (parameter's index, value's part, as a LIKE pattern, the parameter's type: psycopg's Int4 for an int)
    slots: tuple[tuple[int, _Part, bool, type], ...]
    col_count: int
    converters: dict[int, tuple[list[Any], Any]]  # as SQLCompiler.get_converters gives them


_compiled: dict[Hashable, _Compiled] = {}
MAX_SHAPES = 1000


def _stand_in(index: int, value: Any) -> Any:
    """A value of the same type that no real one equals."""
    if isinstance(value, bool):
        raise TypeError("a boolean value would be mistaken for a constant")
    if isinstance(value, datetime.datetime):
        return datetime.datetime(1901, 1, 1, 0, index // 60, index % 60, tzinfo=datetime.UTC)
    if isinstance(value, datetime.date):
        return datetime.date(1901, 1, 1) + datetime.timedelta(days=index)
    if isinstance(value, int):
        return 1_900_000_000 + index
    if isinstance(value, str):
        return f"Zq{index}StandInQz"
    raise TypeError(f"no stand-in for {type(value).__name__}")


def _parts(values: Values) -> dict[_Part, Any]:
    """The values one parameter each: a tuple's items one by one."""
    parts: dict[_Part, Any] = {}
    for name, value in values.items():
        if isinstance(value, tuple):
            if not value:  # the ORM runs no query for an empty `__in`: the caller knows the answer
                raise ValueError(f"an empty tuple for {name}")
            parts.update({(name, position): item for position, item in enumerate(value)})
        else:
            parts[(name, None)] = value
    return parts


def _with_parts(values: Values, parts: Mapping[_Part, Any]) -> dict[str, Any]:
    """`values` with each value (each tuple's items) taken from `parts`."""
    return {
        name: tuple(parts[(name, position)] for position in range(len(value)))
        if isinstance(value, tuple)
        else parts[(name, None)]
        for name, value in values.items()
    }


def _sent(value: Any, like: bool) -> Any:
    """The parameter the ORM sends for `value`."""
    if like:
        return f"%{connection.ops.prep_for_like_query(value)}%"
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _compile(build: Callable[[Values], QuerySet[Any]], values: Values) -> _Compiled:
    stand_ins = _stand_ins(values)
    queryset = build(_with_parts(values, stand_ins))
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
    return _Compiled(
        sql=sql,
        params=tuple(params),
        slots=_slots(sql, params, stand_ins),
        col_count=compiler.col_count,
        converters=compiler.get_converters(fields),
    )


def _compile_counts(build: Callable[[Values], Sequence[QuerySet[Any]]], values: Values) -> _Compiled:
    stand_ins = _stand_ins(values)
    querysets = build(_with_parts(values, stand_ins))
    sql, params = counts_sql(*querysets)
    return _Compiled(
        sql=sql,
        params=tuple(params),
        slots=_slots(sql, params, stand_ins),
        col_count=len(querysets),
        converters={},  # counts: integers as the database gives them
    )


def _stand_ins(values: Values) -> dict[_Part, Any]:
    return {part: _stand_in(index, value) for index, (part, value) in enumerate(_parts(values).items())}


_Slot = tuple[int, _Part, bool, type]


def _slots(sql: str, params: Sequence[Any], stand_ins: Mapping[_Part, Any]) -> tuple[_Slot, ...]:
    """Where each stand-in landed among the parameters; refuses SQL that a stand-in reached otherwise."""
    forms = {(_sent(v, False), False): part for part, v in stand_ins.items()}
    forms.update({(_sent(v, True), True): part for part, v in stand_ins.items() if isinstance(v, str)})
    slots: list[_Slot] = []
    found = set()
    for index, param in enumerate(params):
        for (form, like), part in forms.items():
            if isinstance(param, type(form)) and param == form:
                slots.append((index, part, like, type(param)))
                found.add(part)
                break
        else:
            if any(str(s) in str(param) for s in stand_ins.values()):
                raise ValueError(f"a value reached parameter {index} in a form not known here: {param!r}")
    if found != set(stand_ins) or any(str(s) in sql for s in stand_ins.values()):
        raise ValueError("a value did not reach the SQL's parameters (or reached its text)")
    return tuple(slots)


def rows(name: str, build: Callable[[Values], QuerySet[Any]], values: Values) -> list[tuple[Any, ...]]:
    """The rows of `build(values)` (a `values_list` query) as tuples, its columns in its SELECT's order
    (the requested order in Django 5.2) and converted as the ORM converts them; its SQL compiled at the
    first call of this name and shape (see the module)."""
    return _run(("rows", name), partial(_compile, build), values)


def counts(name: str, build: Callable[[Values], Sequence[QuerySet[Any]]], values: Values) -> tuple[int, ...]:
    """How many rows each of `build(values)`'s queries has, counted in one query as ui.panels.counts counts
    them; its SQL compiled at the first call of this name and shape (see the module)."""
    (row,) = _run(("counts", name), partial(_compile_counts, build), values)
    return row


_NEVER = 2**31 - 1


@functools.cache
def _preparing_cursor_class() -> type:
    """psycopg's server-binding cursor (as Django's own), preparing every statement it runs: a compiled
    query's SQL is the same text request after request, so PostgreSQL parses and plans it once per
    connection (a prepared statement, kept by psycopg up to its ``prepared_max`` per connection, the least
    recently used dropped first) instead of on every request."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
        logged = False  # Django logs the queries (DEBUG, a test counting them)

        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            options.setdefault("prepare", True)
            result = super().execute(query, params, **options)  # type: ignore[misc]
            if self.logged:
                # Django's log reads the last query's text from the cursor; psycopg keeps none for a
                # prepared statement, so it is written here, with the values, as for any other query
                self._query = _LoggedQuery(connection.ops.compose_sql(query, params).encode())  # type: ignore[attr-defined]
            return result

    return PreparingCursor


@dataclass(frozen=True)
class _LoggedQuery:
    query: bytes


def preparing_cursor() -> Any:
    """Django's cursor wrapper (errors, logging and query counts as for any query) around, on PostgreSQL
    with ``settings.DATABASE_PREPARED_STATEMENTS``, a cursor that prepares the statement; the ORM's own
    queries stay unprepared (Django's default, for connection poolers in transaction mode)."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold is None:
            # Django's None turns preparing off even for prepare=True; a threshold no statement reaches
            # keeps every other statement unprepared (and the ORM's client-binding cursors never prepare)
            raw.prepare_threshold = _NEVER
        cursor = _preparing_cursor_class()(raw)
        cursor.logged = connection.queries_logged
        # as Django's create_cursor: the time zone of the rows' timestamps
        if connection.timezone != raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
            register_tzloader(connection.timezone, cursor)
        return connection._prepare_cursor(cursor)  # type: ignore[attr-defined]


def _run(
    name: tuple[str, str], compile_query: Callable[[Values], _Compiled], values: Values
) -> list[tuple[Any, ...]]:
    """The rows of the query compiled by `compile_query` for this name and shape, run with `values`."""
    parts = _parts(values)
    key = (name, connection.vendor, tuple((part, type(v)) for part, v in parts.items()))
    compiled = _compiled.get(key)
    if compiled is None:
        if len(_compiled) >= MAX_SHAPES:  # the table's pages are shapes too: keep the memory bounded
            _compiled.clear()
        compiled = _compiled[key] = compile_query(values)
    params = list(compiled.params)
    for index, part, like, kind in compiled.slots:
        sent = _sent(parts[part], like)
        params[index] = sent if type(sent) is kind else kind(sent)
    with preparing_cursor() as cursor:
        cursor.execute(compiled.sql, params)
        fetched = cursor.fetchall()
    result = []
    for row in fetched:
        values_of_row = list(row[: compiled.col_count])
        for position, (converters, expression) in compiled.converters.items():
            value = values_of_row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            values_of_row[position] = value
        result.append(tuple(values_of_row))
    return result
