"""Front-page panel: a municipality's result documentation (children registered, imports, missing)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.accounts.permissions import municipality_ids_of
from indsats.outcomes import access
from indsats.outcomes.models import Measurement, Participant
from indsats.ui.panels import Panel, register_panel


@register_panel
def outcomes_panel(user: User | AnonymousUser) -> Panel | None:
    if not access.is_municipal_recorder(user):
        return None
    own = municipality_ids_of(user)
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
