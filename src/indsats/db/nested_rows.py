"""Child rows read in their parent's query, as one JSON column, instead of a prefetch query of their own.

A page that shows a few parents with a few children each pays a round trip and the ORM's work per
prefetch (issue #16). `children_json(Parent, "relation")` adds the relation's rows to each parent row as
a JSON array (JSONB_AGG on PostgreSQL, JSON_GROUP_ARRAY on SQLite); `attach_children(parent, "relation")`
turns the array back into model instances and stores them as the parent's prefetched relation, so
`parent.relation.all()` reads them as it reads a prefetch (`children_from_json` gives them without a
parent instance, for rows read as tuples; `child_rows_from_json` the JSON objects themselves).
`set_prefetched` stores children read by a query of their own the same way.

The SQL is written here from the models' metadata, once per relation and database: the ORM's compiling
of the same subquery (an expression per field) cost more than the prefetch query it saved. It refers to
the parent's table by its name, which is the outer query's own when the parent is the queried model.

The order is the child model's `Meta.ordering` (fields of its own table): PostgreSQL aggregates in that
order (its collation for text); SQLite before 3.44 cannot order inside an aggregate, so the rows are sorted
after reading (its default BINARY collation orders text as Python does; NULL first as there).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import JSONField, ManyToManyField, Model
from django.db.models.expressions import RawSQL
from django.db.models.fields import DateField, DateTimeField, DecimalField, Field
from django.utils.dateparse import parse_datetime


def _ordering(model: type[Model]) -> list[tuple[Field[Any, Any], bool]]:
    """(field, descending) for each name of the model's ordering."""
    return [
        (model._meta.get_field(str(name).lstrip("-")), str(name).startswith("-"))  # type: ignore[misc]
        for name in model._meta.ordering or []
    ]


def _child_model(parent: type[Model], relation: str) -> type[Model]:
    return parent._meta.get_field(relation).related_model  # type: ignore[return-value]


@functools.cache
def _children_sql(parent: type[Model], relation: str, vendor: str) -> str:
    """The subquery's SQL: only names from the models' metadata, quoted, and no values."""

    def quote(name: object) -> str:
        return connection.ops.quote_name(str(name))

    field: Any = parent._meta.get_field(relation)
    child = _child_model(parent, relation)
    outer = f"{quote(parent._meta.db_table)}.{quote(parent._meta.pk.column)}"  # type: ignore[union-attr]
    if isinstance(field, ManyToManyField):
        through = quote(field.remote_field.through._meta.db_table)  # type: ignore[union-attr]
        source = (
            f"{quote(child._meta.db_table)} c INNER JOIN {through} t"
            f" ON t.{quote(field.m2m_reverse_name())} = c.{quote(child._meta.pk.column)}"  # type: ignore[union-attr]
            f" WHERE t.{quote(field.m2m_column_name())} = {outer}"
        )
    else:  # a reverse foreign key
        source = f"{quote(child._meta.db_table)} c WHERE c.{quote(field.field.column)} = {outer}"
    pairs = ", ".join(f"'{f.attname}', c.{quote(f.column)}" for f in child._meta.concrete_fields)
    if vendor == "postgresql":
        order = ", ".join(f"c.{quote(f.column)}{' DESC' if desc else ''}" for f, desc in _ordering(child))
        rows = f"JSONB_BUILD_OBJECT({pairs}){' ORDER BY ' + order if order else ''}"
        return f"(SELECT JSONB_AGG({rows}) FROM {source})"  # noqa: S608 - see the docstring
    return f"(SELECT JSON_GROUP_ARRAY(JSON_OBJECT({pairs})) FROM {source})"  # noqa: S608 - see the docstring


def children_json(parent: type[Model], relation: str) -> RawSQL:
    """The rows of `parent`'s `relation` (a reverse foreign key or a many-to-many field), each with all its
    concrete fields, as one JSON array (NULL when there is none); annotate it as `<relation>_json`."""
    sql = _children_sql(parent, relation, connection.vendor)
    return RawSQL(sql, (), output_field=JSONField())  # noqa: S611 - no values in it (see _children_sql)


def _from_json(field: Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, DateTimeField):
        moment = parse_datetime(value)
        # SQLite keeps UTC without an offset
        return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    if isinstance(field, DateField):
        return datetime.date.fromisoformat(value)
    if isinstance(field, DecimalField):
        return Decimal(str(value))
    return field.to_python(value)


def child_rows_from_json(
    parent: type[Model], relation: str, value: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """The children in a value of `children_json(parent, relation)` in their order, as its JSON objects
    (each field's attname to its value as JSON has it: text and numbers as stored, dates as ISO text);
    for a page that shows a child's text, without a model instance per child."""
    rows = list(value or [])
    if connection.vendor != "postgresql":
        for field, descending in reversed(_ordering(_child_model(parent, relation))):  # the last first
            rows.sort(
                key=lambda row: (row[field.attname] is not None, row[field.attname]), reverse=descending
            )
    return rows


def children_from_json(parent: type[Model], relation: str, value: list[dict[str, Any]] | None) -> list[Model]:
    """The children in a value of `children_json(parent, relation)`, as model instances in their order."""
    child = _child_model(parent, relation)
    rows = child_rows_from_json(parent, relation, value)
    fields = child._meta.concrete_fields
    names = [field.attname for field in fields]
    return [
        child.from_db(DEFAULT_DB_ALIAS, names, [_from_json(field, row[field.attname]) for field in fields])
        for row in rows
    ]


def attach_children(parent: Model, relation: str) -> None:
    """Store the rows of `children_json` (annotated as `<relation>_json`) as `parent`'s prefetched
    `relation`, each child of a foreign key knowing its parent, as Django's prefetch leaves them."""
    set_prefetched(
        parent, relation, children_from_json(type(parent), relation, getattr(parent, f"{relation}_json"))
    )


def set_prefetched(parent: Model, relation: str, children: Sequence[Model]) -> None:
    """Store `children` (read by a query of their own) as `parent`'s prefetched `relation` (a reverse
    foreign key or a many-to-many field), each child of a foreign key knowing its parent, as Django's
    prefetch leaves them: `parent.relation.all()` reads them without a query."""
    manager = getattr(parent, relation)
    if hasattr(manager, "prefetch_cache_name"):  # many-to-many
        cache_name = manager.prefetch_cache_name
    else:
        cache_name = manager.field.remote_field.cache_name
        for instance in children:
            manager.field.set_cached_value(instance, parent)
    queryset = manager.get_queryset()
    queryset._result_cache = list(children)
    queryset._prefetch_done = True
    if not hasattr(parent, "_prefetched_objects_cache"):
        parent._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    parent._prefetched_objects_cache[cache_name] = queryset  # type: ignore[attr-defined]
