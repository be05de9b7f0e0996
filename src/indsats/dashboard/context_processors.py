"""Template context for every page: the menu and the person's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from indsats.accounts.models import User
from indsats.accounts.permissions import memberships_of
from indsats.accounts.two_factor import is_verified, requires_two_factor
from indsats.dashboard.navigation import menu_for, shell_links


def navigation(request: HttpRequest) -> dict[str, Any]:
    # Error pages may be rendered before the authentication middleware has run: no user at all.
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"menu": [], "my_memberships": [], "shell_links": shell_links()}
    if requires_two_factor(user) and not is_verified(request):
        # every page but the two-factor page is closed until the code is given: no menu to it
        return {"menu": [], "my_memberships": memberships_of(user), "shell_links": shell_links()}
    return {
        "menu": menu_for(user, request.path),
        "my_memberships": memberships_of(user),
        "shell_links": shell_links(),
    }
