"""Front-page panels. Each app may register a provider that returns a panel for a person, or None.

A panel is a titled box with a few facts and links; the front page shows the panels that apply to the
person's roles, so an agency administrator, a caseworker and a steering group member each see their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass
class Panel:
    title: str | Promise
    text: str | Promise = ""
    facts: list[tuple[str | Promise, Any]] = field(default_factory=list)
    links: list[tuple[str | Promise, str]] = field(default_factory=list)
    order: int = 50


# The argument is the person (accounts.models.Visitor): ui sits below accounts, so it cannot name the type.
PanelProvider = Callable[[Any], Panel | None]
_PROVIDERS: list[PanelProvider] = []


def register_panel(provider: PanelProvider) -> PanelProvider:
    """Decorator: add a panel provider (called from an app's `panels` module, imported in ready())."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def panels_for(user: Any) -> list[Panel]:
    panels = [panel for provider in _PROVIDERS if (panel := provider(user)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
