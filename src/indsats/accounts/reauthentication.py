"""Re-authentication before a sensitive action (ASVS 2.x level 2, V4.3): granting or revoking a role,
awarding a grant, paying an instalment.

A session remembers when its person last typed their password (at log-in, and on the confirm-password
page). `require_recent_authentication` guards a view: a request that changes something (POST, PUT, PATCH,
DELETE) from a session whose password is older than settings.REAUTHENTICATION_MAX_AGE (10 minutes) is
sent to the confirm-password page and back to the page it came from; reading the page needs no password.
Other apps' views use it as a decorator:

    @login_required
    @require_recent_authentication
    def application_award(request, pk): ...
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

AUTHENTICATED_AT = "indsats_authenticated_at"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

View = TypeVar("View", bound=Callable[..., HttpResponse])


def mark_authenticated(request: HttpRequest) -> None:
    """The person has just typed their password (log-in or confirm-password page)."""
    request.session[AUTHENTICATED_AT] = int(time.time())


def is_recently_authenticated(request: HttpRequest) -> bool:
    typed_at = request.session.get(AUTHENTICATED_AT)
    return isinstance(typed_at, int) and time.time() - typed_at <= settings.REAUTHENTICATION_MAX_AGE


def confirm_password_url(next_url: str) -> str:
    return f"{reverse('accounts:confirm_password')}?{urlencode({'next': next_url})}"


def require_recent_authentication(view: View) -> View:
    """Ask for the password again before a change, unless it was typed within REAUTHENTICATION_MAX_AGE.

    A refused request changes nothing: the person confirms the password and is sent back to the page
    (the referring page for a POST, whose form data is not replayed), where they repeat the action."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in SAFE_METHODS and not is_recently_authenticated(request):
            return redirect(confirm_password_url(_came_from(request)))
        return view(request, *args, **kwargs)

    return guarded  # type: ignore[return-value]


def _came_from(request: HttpRequest) -> str:
    """The page the form was sent from, if it is ours; else the front page."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse(settings.LOGIN_REDIRECT_URL)
