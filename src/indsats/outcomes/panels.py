"""Front-page panel: a municipality's result documentation (children registered, imports, missing)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indsats.accounts.permissions import RECORD_OUTCOMES, has_permission, municipality_ids_of
from indsats.outcomes.models import Measurement, Participant
from indsats.ui.panels import Panel, register_panel


@register_panel
def outcomes_panel(user: Any) -> Panel | None:
    own = municipality_ids_of(user)
    if not own or not has_permission(user, RECORD_OUTCOMES):
        return None
    return Panel(
        title=_("Resultatdokumentation"),
        text=_("Registrér børn, udfyld spørgeskemaer eller importér fra fagsystemet."),
        facts=[
            (_("Børn registreret"), Participant.objects.filter(municipality_id__in=own).count()),
            (_("Målinger"), Measurement.objects.filter(municipality_id__in=own).count()),
        ],
        links=[
            (_("Børn og spørgeskemaer"), reverse("outcomes:participant_list")),
            (_("Importér fra fagsystem"), reverse("outcomes:import_start")),
            (_("Fuldstændighed"), reverse("outcomes:completeness")),
        ],
        order=30,
    )
