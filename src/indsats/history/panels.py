"""The front-page panel of the audit trail, for those who may read all of it (the agency)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.accounts.permissions import VIEW_ALL_AUDIT, has_permission
from indsats.audit.models import AuditEntry
from indsats.ui.panels import Panel, register_panel


@register_panel
def history_panel(user: User) -> Panel | None:
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
        links=[(_("Se hele historikken"), reverse("history:trail"))],
        order=95,
    )
