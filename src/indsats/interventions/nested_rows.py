"""Child rows read in their parent's query, as one JSON column, instead of a prefetch query of their own.

A page that shows a few parents with a few children each pays a round trip and the ORM's compiling per
prefetch; under load the round trips dominate (issue #16). `children_json` adds the children as a JSON
array to each parent row (JSONB_AGG on PostgreSQL, JSON_GROUP_ARRAY on SQLite), `attach_children` turns
the array back into model instances and stores them as the parent's prefetched relation, so
`parent.children.all()` reads them as it reads a prefetch.

The array's order: given `order_by` (the model's ordering by default), PostgreSQL aggregates in that
order (its collation for text); SQLite before 3.44 cannot order inside an aggregate, so the rows are
sorted after reading by the same fields (SQLite's default BINARY collation orders text as Python does).
Without `order_by` the caller sorts (`attach_children(order=...)`) by non-text fields.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Aggregate, F, JSONField, Model, OuterRef, Subquery
from django.db.models.fields import DateField, DateTimeField, DecimalField, Field
from django.db.models.functions import JSONObject
from django.utils.dateparse import parse_datetime


class JSONList(JSONBAgg):
    """The group's values as one JSON array, in `order_by`'s order on PostgreSQL."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # no ORDER BY inside an aggregate before SQLite 3.44: the reader sorts (see instances_from_json)
        return Aggregate.as_sql(
            self,
            compiler,
            connection,
            function="JSON_GROUP_ARRAY",
            template="%(function)s(%(expressions)s)",
            **extra_context,
        )


def _sort_keys(order_by: list[str]) -> list[tuple[str, str, bool]]:
    """(JSON key, field path, descending) for each of `order_by`'s fields."""
    return [(f"_order{i}", name.lstrip("-"), name.startswith("-")) for i, name in enumerate(order_by)]


def children_json(model: type[Model], parent_field: str, *, order_by: list[str] | None = None) -> Subquery:
    """Every row of `model` whose `parent_field` is the outer row, each with all its concrete fields, as
    one JSON array (NULL when there is none), ordered by `order_by` (see the module's docstring)."""
    fields = {field.attname: F(field.attname) for field in model._meta.concrete_fields}
    keys = _sort_keys(order_by or [])
    if connection.vendor == "sqlite":
        fields |= {key: F(path) for key, path, _descending in keys}
    ordering = [F(path).desc() if descending else F(path).asc() for _key, path, descending in keys]
    rows = (
        model._default_manager.filter(**{parent_field: OuterRef("pk")})
        .order_by()
        .values(parent_field)
        .annotate(rows=JSONList(JSONObject(**fields), order_by=ordering))
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


def instances_from_json(
    model: type[Model], rows: Iterable[dict[str, Any]] | None, *, order_by: list[str] | None = None
) -> list[Any]:
    """Model instances of `children_json`'s rows (give the same `order_by`)."""
    rows = list(rows or [])
    if connection.vendor == "sqlite":
        # stable sorts, the last field first; NULL is the smallest value, as in SQLite
        for key, _path, descending in reversed(_sort_keys(order_by or [])):
            rows.sort(key=lambda row: (row[key] is not None, row[key]), reverse=descending)
    fields = model._meta.concrete_fields
    names = [field.attname for field in fields]
    return [
        model.from_db(DEFAULT_DB_ALIAS, names, [_from_json(field, row[field.attname]) for field in fields])
        for row in rows
    ]


def attach_children(
    parent: Model,
    relation: str,
    children: list[Any],
    *,
    order: Callable[[Any], Any] | None = None,
    reverse: bool = False,
) -> None:
    """Store `children` (of a reverse foreign key or a many-to-many relation) as `parent`'s prefetched
    `relation`, sorted by `order` when given, each child of a foreign key knowing its parent, as Django's
    prefetch leaves them."""
    manager = getattr(parent, relation)
    if order is not None:
        children.sort(key=order, reverse=reverse)
    if hasattr(manager, "prefetch_cache_name"):  # many-to-many
        cache_name = manager.prefetch_cache_name
    else:
        cache_name = manager.field.remote_field.cache_name
        for child in children:
            manager.field.set_cached_value(child, parent)
    queryset = manager.get_queryset()
    queryset._result_cache = children
    queryset._prefetch_done = True
    if not hasattr(parent, "_prefetched_objects_cache"):
        parent._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    parent._prefetched_objects_cache[cache_name] = queryset  # type: ignore[attr-defined]
