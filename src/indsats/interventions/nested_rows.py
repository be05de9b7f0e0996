"""Child rows read in their parent's query, as one JSON column, instead of a prefetch query of their own.

A page that shows a few parents with a few children each pays a round trip and the ORM's compiling per
prefetch; under load the round trips dominate (issue #16). `children_json` adds the children as a JSON
array to each parent row (JSONB_AGG on PostgreSQL, JSON_GROUP_ARRAY on SQLite), `attach_children` turns
the array back into model instances and stores them as the parent's prefetched relation, so
`parent.children.all()` reads them as it reads a prefetch.

The array's order is not the database's: the caller sorts by a key of non-text fields (ids, numbers,
dates), which Python orders as the database does (text would need the database's collation).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Aggregate, F, JSONField, Model, OuterRef, Subquery
from django.db.models.fields import DateField, DateTimeField, DecimalField, Field
from django.db.models.functions import JSONObject
from django.utils.dateparse import parse_datetime


class JSONList(Aggregate):
    """The group's values as one JSON array, in no particular order."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def children_json(model: type[Model], parent_field: str) -> Subquery:
    """Every row of `model` whose `parent_field` is the outer row, each with all its concrete fields, as
    one JSON array (NULL when there is none)."""
    row = JSONObject(**{field.attname: F(field.attname) for field in model._meta.concrete_fields})
    rows = (
        model._default_manager.filter(**{parent_field: OuterRef("pk")})
        .order_by()
        .values(parent_field)
        .annotate(rows=JSONList(row))
        .values("rows")
    )
    return Subquery(rows, output_field=JSONField())


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


def instances_from_json(model: type[Model], rows: Iterable[dict[str, Any]] | None) -> list[Any]:
    fields = model._meta.concrete_fields
    names = [field.attname for field in fields]
    return [
        model.from_db(DEFAULT_DB_ALIAS, names, [_from_json(field, row[field.attname]) for field in fields])
        for row in rows or []
    ]


def attach_children(
    parent: Model, relation: str, children: list[Any], *, order: Callable[[Any], Any], reverse: bool = False
) -> None:
    """Store `children` (of a reverse foreign key) as `parent`'s prefetched `relation`, sorted by `order`,
    each child knowing its parent, as Django's prefetch leaves them."""
    manager = getattr(parent, relation)
    children.sort(key=order, reverse=reverse)
    for child in children:
        manager.field.set_cached_value(child, parent)
    queryset = manager.get_queryset()
    queryset._result_cache = children
    queryset._prefetch_done = True
    if not hasattr(parent, "_prefetched_objects_cache"):
        parent._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    parent._prefetched_objects_cache[manager.field.remote_field.cache_name] = queryset  # type: ignore[attr-defined]
