"""The front-page panel of the audit trail, for those who may read all of it (the agency)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Func, IntegerField, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.accounts.permissions import VIEW_ALL_AUDIT, has_permission
from indsats.audit.models import AuditEntry
from indsats.db import compiled_queries
from indsats.ui.choices import labels_of
from indsats.ui.panels import Panel, register_panel


@register_panel
def history_panel(user: User) -> Panel | None:
    if not has_permission(user, VIEW_ALL_AUDIT):
        return None
    latest = newest_entry(_start_of_today())
    facts: list[tuple[Any, Any]] = [(_("Ændringer i dag"), latest[3] if latest is not None else 0)]
    if latest is not None:
        actor_name, action, object_repr, _today = latest
        label = labels_of(AuditEntry, "action").get(action, action)  # as get_action_display gives it
        facts.append((_("Seneste"), f"{actor_name}: {label} {object_repr}"))
    return Panel(
        title=_("Historik"),
        text=_("Hvem ændrede hvad og hvornår."),
        facts=facts,
        links=[(_("Se hele historikken"), reverse("history:trail"))],
        order=95,
    )


def newest_entry(since: datetime.datetime) -> tuple[str, str, str, int] | None:
    """The newest entry's actor, action and object, and how many entries were written since `since`, in
    one query compiled once per process (db.compiled_queries: the ORM's compiling cost more than the
    answer, issue #16)."""
    found = compiled_queries.rows("front page: newest audit entry", _newest_entry_query, {"since": since})
    return found[0] if found else None  # type: ignore[return-value]


def _newest_entry_query(values: compiled_queries.Values) -> QuerySet[Any]:
    # the count is bounded by a day's writes and read from the index on `at` (a count of the whole trail
    # grows with every write the system ever made); the entry's changes, a JSON of any size, are not read
    today = (
        AuditEntry.objects.filter(at__gte=values["since"])
        .order_by()
        .annotate(n=Func(function="COUNT", template="COUNT(*)", output_field=IntegerField()))
        .values("n")
    )
    return (
        AuditEntry.objects.annotate(today=Subquery(today))
        .order_by("-at")
        .values_list("actor_name", "action", "object_repr", "today")[:1]
    )


def _start_of_today() -> datetime.datetime:
    """Midnight at the start of today in the project's time zone (the front page's key holds the day)."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
