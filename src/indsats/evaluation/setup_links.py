"""The evaluation app's link on an intervention's result-documentation set-up page (outcomes.setup_links):
dose and fidelity, for those who may record it in the intervention."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.evaluation import access
from indsats.interventions.models import Intervention
from indsats.outcomes.setup_links import SetupLink, register_setup_link


@register_setup_link
def dose_and_fidelity_link(user: User | AnonymousUser, intervention: Intervention) -> SetupLink | None:
    if access.exposure_scope(user, intervention) is None:
        return None
    return SetupLink(
        _("Dosis og troskab: hvor meget af indsatsen hvert barn fik, og hvor tro den var mod modellen"),
        reverse("evaluation:exposure_index", args=[intervention.pk]),
    )
