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
(`__icontains`) escaped and wrapped the same way. The rows' converters are kept with the SQL: the
backends' converters read only settings (time zone), not the connection they were taken from. The
queries run on the default database, as every query of this project does.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from indsats.ui.panels import counts_sql

Values = Mapping[str, Any]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # the constants, with a stand-in where a value goes
    # (parameter's index, value's name, as a LIKE pattern, the parameter's type: psycopg's Int4 for an int)
    slots: tuple[tuple[int, str, bool, type], ...]
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
    queryset = build(stand_ins)
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


def _stand_ins(values: Values) -> dict[str, Any]:
    return {name: _stand_in(index, value) for index, (name, value) in enumerate(values.items())}


def _slots(sql: str, params: Sequence[Any], stand_ins: Values) -> tuple[tuple[int, str, bool, type], ...]:
    """Where each stand-in landed among the parameters (refused if one did not, or reached the text)."""
    forms = {(_sent(v, False), False): name for name, v in stand_ins.items()}
    forms.update({(_sent(v, True), True): name for name, v in stand_ins.items() if isinstance(v, str)})
    slots: list[tuple[int, str, bool, type]] = []
    found = set()
    for index, param in enumerate(params):
        for (form, like), name in forms.items():
            if isinstance(param, type(form)) and param == form:
                slots.append((index, name, like, type(param)))
                found.add(name)
                break
        else:
            if any(str(s) in str(param) for s in stand_ins.values()):
                raise ValueError(f"a value reached parameter {index} in a form not known here: {param!r}")
    if found != set(stand_ins) or any(str(s) in sql for s in stand_ins.values()):
        raise ValueError("a value did not reach the SQL's parameters (or reached its text)")
    return tuple(slots)


def _kept(key: Hashable, compile_: Callable[[], _Compiled]) -> _Compiled:
    compiled = _compiled.get(key)
    if compiled is None:
        if len(_compiled) >= MAX_SHAPES:  # the table's pages are shapes too: keep the memory bounded
            _compiled.clear()
        compiled = _compiled[key] = compile_()
    return compiled


def _params(compiled: _Compiled, values: Values) -> list[Any]:
    params = list(compiled.params)
    for index, value_name, like, kind in compiled.slots:
        sent = _sent(values[value_name], like)
        params[index] = sent if type(sent) is kind else kind(sent)
    return params


def _key(name: str, values: Values) -> Hashable:
    return (name, connection.vendor, tuple((n, type(v)) for n, v in values.items()))


def counts(name: str, build: Callable[[Values], Sequence[QuerySet[Any]]], values: Values) -> tuple[int, ...]:
    """`ui.panels.counts(*build(values))`, its SQL compiled at the first call of this name and shape (a
    front-page panel's counts cost the ORM more to compile than the database to answer)."""

    def compile_counts() -> _Compiled:
        stand_ins = _stand_ins(values)
        sql, params = counts_sql(*build(stand_ins))
        return _Compiled(
            sql=sql, params=tuple(params), slots=_slots(sql, params, stand_ins), col_count=0, converters={}
        )

    compiled = _kept(_key(f"counts: {name}", values), compile_counts)
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, _params(compiled, values))
        return tuple(cursor.fetchone())


def rows(name: str, build: Callable[[Values], QuerySet[Any]], values: Values) -> list[tuple[Any, ...]]:
    """The rows of `build(values)` (a `values_list` query) as tuples, its columns in its SELECT's order
    (the requested order in Django 5.2) and converted as the ORM converts them; its SQL compiled at the
    first call of this name and shape (see the module)."""
    compiled = _kept(_key(name, values), lambda: _compile(build, values))
    params = _params(compiled, values)
    with connection.cursor() as cursor:
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
