"""Front-page panels: gate reviews waiting for the steering group, the agency's portfolio, and a
municipality's interventions."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Window
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.accounts.permissions import (
    DECIDE_GATE_REVIEWS,
    MANAGE_INTERVENTIONS,
    has_permission,
    municipality_ids_of,
)
from indsats.db import compiled_queries
from indsats.interventions import selectors
from indsats.interventions.models import GateReview, Intervention, ReviewStatus
from indsats.interventions.workflow import PHASES
from indsats.ui.panels import Panel, register_panel


@register_panel
def gate_reviews_panel(user: User) -> Panel | None:
    if not has_permission(user, DECIDE_GATE_REVIEWS):
        return None
    # the five oldest and, in the same query, how many there are in all (a window over every waiting review)
    waiting = list(
        GateReview.objects.filter(status=ReviewStatus.SUBMITTED)
        .annotate(total=Window(Count("pk")))
        .order_by("submitted_at")
        .values_list("pk", "intervention__name", "total")[:5]
    )
    count = waiting[0][2] if waiting else 0
    return Panel(
        title=_("Gate reviews, der venter på dig"),
        text=_("Styrelsen har vurderet de fem kriterier. Styregruppen afgør, om indsatsen går videre."),
        facts=[(_("Venter på afgørelse"), count)],
        links=[
            *[(name, reverse("interventions:review_detail", args=[pk])) for pk, name, _total in waiting],
            (_("Alle ventende gate reviews"), reverse("interventions:reviews_waiting")),
        ],
        order=5,
    )


@register_panel
def portfolio_panel(user: User) -> Panel | None:
    if not has_permission(user, MANAGE_INTERVENTIONS):
        return None
    active, drafts, waiting = compiled_queries.counts("portfolio panel", _portfolio_counted, {})
    return Panel(
        title=_("Indsatser i udvikling"),
        text=_("Porteføljen af indsatser i de fire faser."),
        facts=[
            (_("Indsatser i en fase"), active),
            (_("Gate reviews i kladde"), drafts),
            (_("Hos styregruppen"), waiting),
        ],
        links=[
            (_("Tavle efter fase"), reverse("interventions:board")),
            (_("Tabel og eksport"), reverse("interventions:table")),
            (_("Registrér en indsats"), reverse("interventions:create")),
        ],
        order=20,
    )


def _portfolio_counted(_values: compiled_queries.Values) -> tuple[QuerySet[Any], ...]:
    return (
        Intervention.objects.filter(state__in=PHASES),
        GateReview.objects.filter(status=ReviewStatus.DRAFT),
        GateReview.objects.filter(status=ReviewStatus.SUBMITTED),
    )


@register_panel
def municipality_interventions_panel(user: User) -> Panel | None:
    municipalities = municipality_ids_of(user)
    if not municipalities:
        return None
    taking_part, open_count = selectors.municipality_counts(user=user)  # the interventions page's lists
    return Panel(
        title=_("Jeres indsatser"),
        facts=[(_("I deltager i"), taking_part), (_("I kan tilslutte jer"), open_count)],
        links=[(_("Se indsatserne"), reverse("interventions:index"))],
        order=15,
    )
