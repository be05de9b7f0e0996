"""A heavy query's SQL compiled once per process, then run again with a new value for its one parameter.

The ORM compiles a queryset's SQL afresh on every request: for a page that reads one row joined to six
tables the compiling cost more than the database's answer (issue #16). `CompiledQuery(build)` keeps what
the compiler produced for `build(placeholder)` (its SQL, its parameters and how its columns become model
instances) for each database, and each `rows(value)` runs that SQL with `value` in the placeholder's
place, through the ORM's own iterator (select_related instances, annotations and prefetches as before).

`build` must give the same SQL for every value, with the value used exactly once as a parameter (a filter
on a key: `lambda pk: Model.objects.select_related(...).filter(pk=pk)`); the placeholder, an id no row has,
is how the kept parameters know where the value goes.

On PostgreSQL the SQL runs as a prepared statement (`compiled_queries.preparing_cursor`, as the compiled
queries do): PostgreSQL planned the report's read of one analysis joined to six tables in some three
milliseconds, on every request, for an answer it found in a fraction of one; prepared, it plans it once
per connection.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from indsats.db.compiled_queries import preparing_cursor

M = TypeVar("M", bound=Model)

_PLACEHOLDER = -7_654_321_987  # an id no row has: found among the compiled parameters


class _Kept:
    """The compiler after compiling, and where the value goes among its parameters."""

    def __init__(self, queryset: QuerySet[Any], compiler: SQLCompiler, sql: str, params: tuple[Any, ...]):
        positions = [i for i, param in enumerate(params) if param == _PLACEHOLDER]
        if len(positions) != 1:
            raise ValueError("the query must use its value exactly once as a parameter")
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = list(params)
        self.position = positions[0]
        # how each column becomes a value: asked once (the ORM asks every field of every joined table on
        # each run, some sixty for the report's analysis)
        self.converters = compiler.get_converters(
            [column[0] for column in compiler.select[: compiler.col_count]]
        )


class CompiledQuery(Generic[M]):
    def __init__(self, build: Callable[[int], QuerySet[M]]) -> None:
        self._build = build
        self._kept: dict[tuple[str, str], _Kept] = {}
        self._lock = threading.Lock()

    def _compiled(self, alias: str) -> _Kept:
        key = (alias, connections[alias].vendor)
        kept = self._kept.get(key)
        if kept is None:
            queryset = self._build(_PLACEHOLDER).using(alias)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            kept = _Kept(queryset, compiler, sql, tuple(params))
            with self._lock:
                self._kept.setdefault(key, kept)
        return kept

    def rows(self, value: int, *, using: str = "default") -> list[M]:
        """The rows of `build(value)`, as the ORM gives them."""
        kept = self._compiled(using)
        params = list(kept.params)
        params[kept.position] = value
        compiler = copy.copy(kept.compiler)
        compiler.connection = connections[using]  # this thread's connection, not the compiling one's
        compiler.as_sql = lambda *args, **kwargs: (kept.sql, tuple(params))  # type: ignore[method-assign]
        compiler.get_converters = lambda expressions: kept.converters  # type: ignore[method-assign]
        if using == DEFAULT_DB_ALIAS:  # the compiled queries' cursor is the default database's
            compiler.execute_sql = lambda *args, **kwargs: _fetched(kept.sql, params)  # type: ignore[method-assign, assignment]
        queryset = kept.queryset._chain()  # type: ignore[attr-defined]
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)


def _fetched(sql: str, params: list[Any]) -> list[list[tuple[Any, ...]]]:
    """`SQLCompiler.execute_sql`'s answer for the ORM's iterator (its rows in chunks: here one), read
    through the cursor that prepares the statement on PostgreSQL."""
    with preparing_cursor() as cursor:
        cursor.execute(sql, params)
        return [cursor.fetchall()]
