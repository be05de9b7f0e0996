"""Log-in throttling beyond django-axes' per-person lock (ASVS V2.2 level 2): password spraying.

django-axes locks a user name at one address after AXES_FAILURE_LIMIT failures. Spraying tries one or two
common passwords on many user names from one address, which never reaches that limit for any one name.
So once an address has failed on AXES_IP_USERNAME_LIMIT different user names within the cool-off time,
the address itself is locked: every log-in from it is refused until the cool-off ends, whatever the name.

`lockout_parameters` is django-axes' AXES_LOCKOUT_PARAMETERS callable: it answers "lock by user name and
address" normally, and "lock by address" for an address that sprays.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

BY_PERSON: list[str | list[str]] = [["username", "ip_address"]]
BY_ADDRESS: list[str | list[str]] = ["ip_address"]


def failed_user_names_from(ip_address: str | None) -> int:
    """How many different user names have failed to log in from the address within the cool-off time."""
    if not ip_address:
        return 0
    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return (
        AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
        .values("username")
        .distinct()
        .count()
    )


def lockout_parameters(
    request_or_attempt: Any, credentials: dict[str, Any] | None = None
) -> list[str | list[str]]:
    if isinstance(request_or_attempt, AccessAttempt):
        ip_address = request_or_attempt.ip_address
    else:
        ip_address = getattr(request_or_attempt, "axes_ip_address", None) or get_client_ip_address(
            request_or_attempt
        )
    if failed_user_names_from(ip_address) >= settings.AXES_IP_USERNAME_LIMIT:
        return BY_ADDRESS
    return BY_PERSON
