"""The idle session timeout (ASVS V3.3 level 2) beside the absolute one (SESSION_COOKIE_AGE, 8 hours).

A session unused for settings.SESSION_IDLE_TIMEOUT seconds (30 minutes) is ended: the next request logs
the person out and sends them to the log-in page, and back to where they were afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LAST_SEEN = "indsats_last_seen"
# Writing the time on every request would save the session on every request; a minute's precision is enough.
_PRECISION = 60


class IdleSessionTimeoutMiddleware:
    """Place after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN)
            if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                minutes = settings.SESSION_IDLE_TIMEOUT // 60
                messages.info(
                    request,
                    _("Du er logget ud, fordi du ikke har brugt Indsats i %(minutes)s minutter.")
                    % {"minutes": minutes},
                )
                return redirect_to_login(request.get_full_path())
            if not isinstance(last_seen, int) or now - last_seen >= _PRECISION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
