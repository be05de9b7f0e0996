"""The main menu: which sections a person sees, by permission.

An entry appears only when its URL exists (an app that has not built its pages yet shows nothing) and
the person holds one of the permissions it asks for (None: every logged-in person).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indsats.accounts import permissions as p
from indsats.accounts.models import User


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: str | Promise
    permissions: frozenset[str] | None = None  # any of these; None = everyone logged in
    municipality_only: bool = False


MENU: tuple[MenuEntry, ...] = (
    MenuEntry("dashboard:home", _("Forside")),
    MenuEntry("interventions:index", _("Indsatser")),
    MenuEntry("grants:index", _("Puljer og tilskud")),
    MenuEntry(
        "outcomes:index",
        _("Resultatdokumentation"),
        frozenset({p.RECORD_OUTCOMES, p.VIEW_OUTCOME_AGGREGATES, p.EXPORT_OUTCOMES, p.MANAGE_INSTRUMENTS}),
    ),
    MenuEntry("evaluation:index", _("Evaluering"), frozenset({p.MANAGE_STUDIES, p.VIEW_PORTFOLIO})),
    MenuEntry("economy:index", _("Økonomi"), frozenset({p.MANAGE_BUSINESS_CASES, p.VIEW_PORTFOLIO})),
    MenuEntry("catalogue:index", _("Katalog")),
    MenuEntry(
        "governance:index",
        _("Styregruppen"),
        frozenset({p.MANAGE_INTERVENTIONS, p.DECIDE_GATE_REVIEWS}),
    ),
    MenuEntry("governance:operation_reports", _("Driftsopfølgning"), municipality_only=True),
    MenuEntry("accounts:organisation_list", _("Organisationer"), frozenset({p.VIEW_DIRECTORY})),
    MenuEntry("accounts:person_list", _("Personer"), frozenset({p.VIEW_DIRECTORY})),
    MenuEntry("history:trail", _("Historik"), frozenset({p.VIEW_ALL_AUDIT})),
    MenuEntry("operations:overview", _("Drift"), frozenset({p.MANAGE_ACCOUNTS})),
)


# The page shell's own links (base.html), by the name the template reads them under.
SHELL_LINKS: dict[str, str] = {
    "home": "dashboard:home",
    "password_change": "accounts:password_change",
    "logout": "accounts:logout",
    "set_language": "set_language",
    "catalogue": "catalogue:index",
    "accessibility": "catalogue:accessibility",
    "privacy": "catalogue:privacy",
}

# The menu's and the shell's URLs are the same for every request through one URLconf and script
# prefix: reversed once, not on every page.
_URLS: dict[tuple[str, str], dict[str, str | None]] = {}


def url_key() -> tuple[str, str]:
    """The URLconf and script prefix the URLs are reversed under."""
    return (str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix())


def _urls(key: tuple[str, str] | None = None) -> dict[str, str | None]:
    key = key or url_key()
    urls = _URLS.get(key)
    if urls is None:
        urls = {}
        for url_name in [entry.url_name for entry in MENU] + list(SHELL_LINKS.values()):
            try:
                urls[url_name] = reverse(url_name)
            except NoReverseMatch:  # an app without its pages yet
                urls[url_name] = None
        _URLS[key] = urls
    return urls


def shell_links(key: tuple[str, str] | None = None) -> dict[str, str | None]:
    """The links every page's header and footer carry, by their SHELL_LINKS name (key: url_key())."""
    urls = _urls(key)
    return {name: urls[url_name] for name, url_name in SHELL_LINKS.items()}


def menu_for(user: User, current_path: str, key: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    held = p.permissions_of(user)
    urls = _urls(key)
    acts_for_municipality: bool | None = None
    for entry in MENU:
        if entry.permissions is not None and not (entry.permissions & held):
            continue
        if entry.municipality_only:
            if acts_for_municipality is None:
                acts_for_municipality = bool(p.municipality_ids_of(user))
            if not acts_for_municipality:
                continue
        url = urls[entry.url_name]
        if url is None:
            continue
        is_current = current_path == url or (url != "/" and current_path.startswith(url))
        entries.append({"url": url, "label": entry.label, "current": is_current})
    return entries
