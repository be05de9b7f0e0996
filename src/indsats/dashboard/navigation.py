"""The main menu: which sections a person sees, by permission.

An entry appears only when its URL exists (an app that has not built its pages yet shows nothing) and
the person holds one of the permissions it asks for (None: every logged-in person).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
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


def menu_for(user: User, current_path: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    held = p.permissions_of(user)
    for entry in MENU:
        if entry.permissions is not None and not (entry.permissions & held):
            continue
        if entry.municipality_only and not p.municipality_ids_of(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        is_current = current_path == url or (url != "/" and current_path.startswith(url))
        entries.append({"url": url, "label": entry.label, "current": is_current})
    return entries
