"""The economy panel of the front page, for those who build or follow business cases."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indsats.accounts.permissions import MANAGE_BUSINESS_CASES, has_permission
from indsats.economy.models import BusinessCase, BusinessCaseResult, ResultStatus
from indsats.economy.selectors import can_read_business_cases
from indsats.ui.panels import Panel, register_panel


@register_panel
def economy_panel(user: Any) -> Panel | None:
    if not can_read_business_cases(user):
        return None
    links: list[tuple[str | Promise, str]] = [
        (_("Business cases"), reverse("economy:index")),
        (_("Priskatalog"), reverse("economy:catalogue_list")),
    ]
    if has_permission(user, MANAGE_BUSINESS_CASES):
        links.insert(1, (_("Ny business case"), reverse("economy:case_create")))
    return Panel(
        title=_("Økonomi"),
        text=_("Business cases for indsatserne: omkostninger, gevinster og tilbagebetaling pr. betaler."),
        facts=[
            (_("Business cases"), BusinessCase.objects.count()),
            (
                _("Beregninger i gang"),
                BusinessCaseResult.objects.exclude(
                    status__in=[ResultStatus.DONE, ResultStatus.FAILED]
                ).count(),
            ),
        ],
        links=links,
        order=60,
    )
