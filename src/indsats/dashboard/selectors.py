"""What the front page shows a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import Membership, Organisation, User
from indsats.accounts.permissions import MANAGE_ACCOUNTS, VIEW_ALL_AUDIT, has_permission, memberships_of
from indsats.audit.models import AuditEntry
from indsats.ui.panels import Panel, panels_for, register_panel


@dataclass
class FrontPage:
    memberships: list[Membership]
    panels: list[Panel]


def front_page_for(user: Any) -> FrontPage:
    return FrontPage(memberships=memberships_of(user), panels=panels_for(user))


@register_panel
def administration_panel(user: Any) -> Panel | None:
    if not has_permission(user, MANAGE_ACCOUNTS):
        return None
    return Panel(
        title=_("Administration"),
        text=_("Organisationer, personer og deres roller."),
        facts=[
            (_("Kommuner"), Organisation.objects.filter(kind="municipality", is_active=True).count()),
            (_("Organisationer i alt"), Organisation.objects.count()),
            (_("Personer"), User.objects.filter(is_active=True).count()),
        ],
        links=[
            (_("Organisationer"), reverse("accounts:organisation_list")),
            (_("Personer"), reverse("accounts:person_list")),
            (_("Opret person"), reverse("accounts:person_create")),
        ],
        order=90,
    )


@register_panel
def audit_panel(user: Any) -> Panel | None:
    if not has_permission(user, VIEW_ALL_AUDIT):
        return None
    latest = AuditEntry.objects.order_by("-at").first()
    facts: list[tuple[Any, Any]] = [(_("Registrerede ændringer"), AuditEntry.objects.count())]
    if latest is not None:
        facts.append(
            (_("Seneste"), f"{latest.actor_name}: {latest.get_action_display()} {latest.object_repr}")
        )
    return Panel(
        title=_("Historik"),
        text=_("Hvem ændrede hvad og hvornår."),
        facts=facts,
        links=[(_("Se hele historikken"), reverse("audit:trail"))],
        order=95,
    )


@register_panel
def municipality_panel(user: Any) -> Panel | None:
    municipalities = [m.organisation for m in memberships_of(user) if m.organisation.is_municipality]
    if not municipalities:
        return None
    names = ", ".join(sorted({m.name for m in municipalities}))
    return Panel(
        title=_("Din kommune"),
        text=_("Du arbejder for %(names)s. Du ser kun jeres egne borgere og data.") % {"names": names},
        facts=[(_("Region"), municipalities[0].get_region_display())],
        order=10,
    )
