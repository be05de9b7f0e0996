"""The steering group's front-page panel: the next meeting, its agenda and the overdue conditions."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.governance import access, selectors
from indsats.ui.formatting import date
from indsats.ui.panels import Panel, register_panel


@register_panel
def steering_group_panel(user: User) -> Panel | None:
    if not access.sees_meetings(user):
        return None
    meeting, items, overdue = selectors.next_meeting_brief(user=user)
    facts: list[tuple[str | Promise, Any]] = [
        (_("Næste møde"), date(meeting.held_on) if meeting else _("intet planlagt")),
    ]
    if meeting is not None:
        facts += [(f"{item.position}.", item.heading) for item in items]
    facts.append((_("Betingelser over fristen"), overdue))
    links: list[tuple[str | Promise, str]] = [
        (_("Møder"), reverse("governance:index")),
        (_("Betingelser"), reverse("governance:conditions")),
    ]
    if meeting is not None:
        links.insert(0, (_("Dagsordenen"), reverse("governance:meeting", args=[meeting.pk])))
    return Panel(title=_("Styregruppen"), facts=facts, links=links, order=15)
