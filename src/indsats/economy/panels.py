"""The economy panel of the front page, for those who build or follow business cases."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.economy import access
from indsats.economy.models import BusinessCase, BusinessCaseResult, ResultStatus
from indsats.ui.panels import Panel, register_panel


@register_panel(live=True)
def economy_panel(user: User | AnonymousUser) -> Panel | None:
    if not access.can_read_business_cases(user):
        return None
    links: list[tuple[str | Promise, str]] = [
        (_("Business cases"), reverse("economy:index")),
        (_("Priskatalog"), reverse("economy:catalogue_list")),
    ]
    if access.can_manage_business_cases(user):
        links.insert(1, (_("Ny business case"), reverse("economy:case_create")))
    cases = access.visible_cases(user, BusinessCase.objects.all())
    return Panel(
        title=_("Økonomi"),
        text=_("Business cases for indsatserne: omkostninger, gevinster og tilbagebetaling pr. betaler."),
        facts=[
            (_("Business cases"), cases.count()),
            (
                _("Beregninger i gang"),
                BusinessCaseResult.objects.filter(case__in=cases)
                .exclude(status__in=[ResultStatus.DONE, ResultStatus.FAILED])
                .count(),
            ),
        ],
        links=links,
        order=60,
    )
