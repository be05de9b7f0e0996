"""`column = ANY(ARRAY(subquery))` on PostgreSQL where the ORM writes `column IN (subquery)`.

For a short list of ids read by a subquery (the board's cards: each phase's first fifteen, a UNION ALL of
LIMITs) PostgreSQL plans `IN (subquery)` as a semi join, hashing the ids and scanning the whole outer
table; `= ANY(ARRAY(subquery))` runs the subquery once first (an InitPlan) and reads the outer rows by
their index, one look-up per id (issue #16: 0.1-0.2 ms less per board on the bench data). The rows are
the same: ARRAY() of a subquery whose one column is never NULL (a primary key), compared with `=`.

Other databases (SQLite) are given the ORM's own `IN (subquery)`: the lookup is Django's `In`.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.query import Query


class AnyOfSubquery(In):
    """`AnyOfSubquery(F("pk"), queryset.values("pk"))`, a filter: the rows whose `pk` the queryset reads.
    The queryset's column must never be NULL (`IN` and `= ANY` differ only in NULL's answers)."""

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        if not isinstance(self.rhs, Query):
            return self.as_sql(compiler, connection)
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        # the compiled subquery comes in its own parentheses: ARRAY's
        if not rhs_sql.startswith("("):
            raise ValueError(f"a subquery in parentheses was expected, not {rhs_sql[:40]!r}")
        return f"{lhs_sql} = ANY(ARRAY{rhs_sql})", (*lhs_params, *rhs_params)
