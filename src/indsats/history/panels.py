"""The front-page panel of the audit trail, for those who may read all of it (the agency)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Func, IntegerField, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.accounts.permissions import VIEW_ALL_AUDIT, has_permission
from indsats.audit.models import AuditEntry
from indsats.ui.panels import Panel, register_panel


@register_panel
def history_panel(user: User) -> Panel | None:
    if not has_permission(user, VIEW_ALL_AUDIT):
        return None
    # the newest entry with, in the same query, how many were written today: bounded by a day's writes and
    # read from the index on `at` (a count of the whole trail grows with every write the system ever made)
    today = (
        AuditEntry.objects.filter(at__gte=_start_of_today())
        .order_by()
        .annotate(n=Func(function="COUNT", template="COUNT(*)", output_field=IntegerField()))
        .values("n")
    )
    latest = (
        AuditEntry.objects.annotate(today=Subquery(today))
        .only("actor_name", "action", "object_repr")  # not the entry's changes, a JSON of any size
        .order_by("-at")
        .first()
    )
    facts: list[tuple[Any, Any]] = [(_("Ændringer i dag"), latest.today if latest is not None else 0)]
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


def _start_of_today() -> datetime.datetime:
    """Midnight at the start of today in the project's time zone (the front page's key holds the day)."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
