"""What the front page shows a person: their roles, and the panels the apps register for them."""

from __future__ import annotations

from dataclasses import dataclass

from indsats.accounts.models import Membership, User
from indsats.accounts.permissions import memberships_of
from indsats.ui.panels import Panel, panels_for


@dataclass
class FrontPage:
    memberships: list[Membership]
    panels: list[Panel]


def front_page_for(user: User) -> FrontPage:
    return FrontPage(memberships=memberships_of(user), panels=panels_for(user))
