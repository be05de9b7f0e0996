"""Who may see how the service runs: the agency's administrators."""

from __future__ import annotations

from indsats.accounts.models import Visitor
from indsats.accounts.permissions import MANAGE_ACCOUNTS, has_permission, require_permission


def can_view_operations(user: Visitor) -> bool:
    return has_permission(user, MANAGE_ACCOUNTS)


def require_operations(user: Visitor) -> None:
    require_permission(user, MANAGE_ACCOUNTS)
