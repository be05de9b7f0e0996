"""Front-page panel: a municipality's result documentation (children registered, imports, missing)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.accounts.permissions import municipality_ids_of
from indsats.outcomes import access
from indsats.outcomes.totals import totals_of
from indsats.ui.panels import Panel, register_panel


@register_panel
def outcomes_panel(user: User | AnonymousUser) -> Panel | None:
    if not access.is_municipal_recorder(user):
        return None
    children, measurements = totals_of(municipality_ids_of(user))  # kept by every write: one row
    return Panel(
        title=_("Resultatdokumentation"),
        text=_("Registrér børn, udfyld spørgeskemaer eller importér fra fagsystemet."),
        facts=[
            (_("Børn registreret"), children),
            (_("Målinger"), measurements),
        ],
        links=[
            (_("Børn og spørgeskemaer"), reverse("outcomes:participant_list")),
            (_("Importér fra fagsystem"), reverse("outcomes:import_start")),
            (_("Fuldstændighed"), reverse("outcomes:completeness")),
        ],
        order=30,
    )
