"""What the front page shows a person: their roles, and the panels the apps register for them.

The panels that change only with a write (ui.panels) are kept in the cache for the person, under a key
of the audit trail's newest entry (every write of domain data adds one, see ARCHITECTURE.md), the day,
the language and the person's memberships: a write, a new day or a change of roles builds them afresh.
The live panels are built on every request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from indsats.accounts.models import Membership, User
from indsats.accounts.permissions import memberships_of
from indsats.audit.version import data_version
from indsats.dashboard.panel_html import panels_html
from indsats.ui.panels import LiveFact, Panel, provider_name, providers, sorted_panels

# A write whose audit entry got a lower id than a concurrent one committed first is seen at the latest
# after this long (the same bound as the portfolio board's cache).
PANEL_CACHE_SECONDS = 10 * 60


@dataclass
class FrontPage:
    memberships: list[Membership]
    panels: list[Panel]

    @property
    def panels_html(self) -> SafeString:
        return panels_html(self.panels)


def front_page_for(user: User) -> FrontPage:
    memberships = memberships_of(user)
    return FrontPage(memberships=memberships, panels=_panels(user, memberships))


def _panels(user: User, memberships: list[Membership]) -> list[Panel]:
    registered = providers()
    key = _cache_key(user, memberships)
    kept: dict[str, Panel | None] | None = cache.get(key)
    if kept is None:
        kept = {
            provider_name(provider): _settled(provider(user)) for provider, live in registered if not live
        }
        # a live fact read with its panel is shown now, and read anew by the requests that find it kept
        cache.set(
            key, {name: _without_values_read(panel) for name, panel in kept.items()}, PANEL_CACHE_SECONDS
        )
    panels = []
    for provider, live in registered:
        name = provider_name(provider)
        panels.append(provider(user) if live or name not in kept else kept[name])
    return sorted_panels(panels)


def _cache_key(user: User, memberships: list[Membership]) -> str:
    newest = data_version()  # the newest audit entry and the transactions still writing (audit.version)
    roles = sorted((m.pk, m.role, m.organisation_id, m.organisation.is_active) for m in memberships)
    parts = [str(newest), str(timezone.localdate()), get_language() or "", repr(roles)]
    return f"front-panels:{user.pk}:{hashlib.sha256('|'.join(parts).encode()).hexdigest()}"


def _without_values_read(panel: Panel | None) -> Panel | None:
    """The panel as it is kept: its live facts without the values read with it (LiveFact.kept)."""
    if panel is None or not any(isinstance(value, LiveFact) and value.now for _label, value in panel.facts):
        return panel
    facts = [(label, value.kept() if isinstance(value, LiveFact) else value) for label, value in panel.facts]
    return Panel(title=panel.title, text=panel.text, facts=facts, links=panel.links, order=panel.order)


def _settled(panel: Panel | None) -> Panel | None:
    """The panel with its texts in the current language (the language is part of the cache key)."""
    if panel is None:
        return None

    def text(value: object) -> object:
        return str(value) if isinstance(value, Promise) else value

    return Panel(
        title=str(panel.title),
        text=str(panel.text),
        facts=[(str(label), text(value)) for label, value in panel.facts],
        links=[(str(label), url) for label, url in panel.links],
        order=panel.order,
    )
