"""The evaluation app's links on an intervention's result-documentation set-up page (outcomes.setup_links):
dose and fidelity, for those who may record it in the intervention; enrolment into a randomised study,
for municipality staff."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.accounts.permissions import RECORD_OUTCOMES, has_permission
from indsats.evaluation import access, selectors
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


@register_setup_link
def randomised_enrolment_link(user: User | AnonymousUser, intervention: Intervention) -> SetupLink | None:
    """Municipality staff enrol children into a randomised study of the intervention (its list on record)."""
    study = (
        selectors.randomised_studies_for_enrolment(user=user)
        .filter(Q(intervention=intervention) | Q(comparison_intervention=intervention))
        .first()
    )
    if study is None or not has_permission(user, RECORD_OUTCOMES):
        return None
    return SetupLink(
        _("Tilmeld børn ved lodtrækning til effektstudiet “%(name)s”") % {"name": study.name},
        reverse("evaluation:study_enrol", args=[study.pk]),
    )
