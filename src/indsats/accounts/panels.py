"""Front-page panels of organisations and people: administration for the agency administrator, and the
person's own municipality."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import Organisation, OrganisationKind, User
from indsats.accounts.permissions import MANAGE_ACCOUNTS, has_permission, memberships_of
from indsats.ui.panels import Panel, counts, register_panel


@register_panel
def administration_panel(user: User) -> Panel | None:
    if not has_permission(user, MANAGE_ACCOUNTS):
        return None
    municipalities, organisations, people = counts(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, is_active=True),
        Organisation.objects.all(),
        User.objects.filter(is_active=True),
    )
    return Panel(
        title=_("Administration"),
        text=_("Organisationer, personer og deres roller."),
        facts=[
            (_("Kommuner"), municipalities),
            (_("Organisationer i alt"), organisations),
            (_("Personer"), people),
        ],
        links=[
            (_("Organisationer"), reverse("accounts:organisation_list")),
            (_("Personer"), reverse("accounts:person_list")),
            (_("Opret person"), reverse("accounts:person_create")),
        ],
        order=90,
    )


@register_panel
def municipality_panel(user: User) -> Panel | None:
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
