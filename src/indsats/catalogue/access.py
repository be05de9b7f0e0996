"""What a person may do with the catalogue: the public reads, the agency publishes."""

from __future__ import annotations

from indsats.accounts.models import Visitor
from indsats.accounts.permissions import PUBLISH_CATALOGUE, has_permission


def can_publish(user: Visitor) -> bool:
    """Publish, republish and withdraw intervention descriptions (agency staff)."""
    return has_permission(user, PUBLISH_CATALOGUE)
