"""Front-page panels. Each app may register a provider that returns a panel for a person, or None.

A panel is a titled box with a few facts and links; the front page shows the panels that apply to the
person's roles, so an agency administrator, a caseworker and a steering group member each see their own.

A panel changes when the data behind it is written (every write adds an entry to the audit trail), when the
day changes, or with the person's roles and language: the front page keeps a built copy of such panels
(dashboard.selectors). A provider whose panel shows what changes without a write, such as a background
task's progress or what is open at this minute, registers with ``live=True`` and is built on every request;
a kept panel may instead show such a fact as a LiveFact, read on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, overload

from django.db import connection
from django.db.models import Func, IntegerField, QuerySet
from django.utils.functional import Promise


@dataclass
class Panel:
    title: str | Promise
    text: str | Promise = ""
    facts: list[tuple[str | Promise, Any]] = field(default_factory=list)
    links: list[tuple[str | Promise, str]] = field(default_factory=list)
    order: int = 50


@dataclass(frozen=True)
class LiveFact:
    """A fact read on every request though its panel is kept (what a background task changes without a
    write): ``read(*args)``, a module-level function and plain arguments, so a kept copy can hold it.

    A provider that reads the fact in its panel's own query (one round trip fewer) passes it as
    ``now=(value,)``: the request that builds the panel shows that value, and the copy kept for later
    requests holds no value (`kept`), so they read it anew."""

    read: Callable[..., Any]
    args: tuple[Any, ...] = ()
    now: tuple[Any, ...] = ()  # (the value read with the panel,) in the request that built it

    def value(self) -> Any:
        return self.now[0] if self.now else self.read(*self.args)

    def kept(self) -> LiveFact:
        """The fact as a kept panel holds it: without the value read with the panel."""
        return LiveFact(self.read, self.args) if self.now else self


def with_live_facts(panel: Panel) -> Panel:
    """The panel with its live facts read now (a kept panel is never changed: it is copied)."""
    if not any(isinstance(value, LiveFact) for _label, value in panel.facts):
        return panel
    facts = [(label, value.value() if isinstance(value, LiveFact) else value) for label, value in panel.facts]
    return Panel(title=panel.title, text=panel.text, facts=facts, links=panel.links, order=panel.order)


def counts(*querysets: QuerySet[Any]) -> tuple[int, ...]:
    """How many rows each query has, in one query of scalar subqueries (a panel's few small counts: each
    ``.count()`` is its own round trip and a millisecond of the ORM's aggregation)."""
    sql, params = counts_sql(*querysets)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row)


def counts_sql(*querysets: QuerySet[Any]) -> tuple[str, list[Any]]:
    """The SQL and parameters of `counts`: a scalar subquery counting each query's rows."""
    parts, params = [], []
    for queryset in querysets:
        # a DISTINCT, a slice or a GROUP BY would count something else: such a query keeps its .count()
        query = queryset.query
        assert not query.distinct and not query.is_sliced and query.group_by is None
        counted = (
            queryset.order_by()
            .annotate(n=Func(function="COUNT", template="COUNT(*)", output_field=IntegerField()))
            .values("n")
        )
        sql, part_params = counted.query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(part_params)
    return f"SELECT {', '.join(parts)}", params


# The argument is the person (accounts.models.Visitor): ui sits below accounts, so it cannot name the type.
PanelProvider = Callable[[Any], Panel | None]
_PROVIDERS: list[PanelProvider] = []
_LIVE: set[PanelProvider] = set()


@overload
def register_panel(provider: PanelProvider, /) -> PanelProvider: ...
@overload
def register_panel(*, live: bool) -> Callable[[PanelProvider], PanelProvider]: ...
def register_panel(
    provider: PanelProvider | None = None, /, *, live: bool = False
) -> PanelProvider | Callable[[PanelProvider], PanelProvider]:
    """Decorator: add a panel provider (called from an app's `panels` module, imported in ready()).
    ``@register_panel(live=True)``: the panel is built on every request, never kept (see above)."""

    def add(provider: PanelProvider) -> PanelProvider:
        if provider not in _PROVIDERS:
            _PROVIDERS.append(provider)
        if live:
            _LIVE.add(provider)
        return provider

    return add if provider is None else add(provider)


def provider_name(provider: PanelProvider) -> str:
    return f"{provider.__module__}.{provider.__qualname__}"


def providers() -> list[tuple[PanelProvider, bool]]:
    """Every registered provider with whether it is live, in the order they were registered."""
    return [(provider, provider in _LIVE) for provider in _PROVIDERS]


def sorted_panels(panels: list[Panel | None]) -> list[Panel]:
    """The panels to show, in their order, with their live facts read now."""
    shown = [with_live_facts(panel) for panel in panels if panel is not None]
    return sorted(shown, key=lambda panel: panel.order)


def panels_for(user: Any) -> list[Panel]:
    """Every panel for the person, built now."""
    return sorted_panels([provider(user) for provider in _PROVIDERS])
