"""/healthz and /readyz for the load balancer and the process supervisor. Answered first in the chain:
no host check (a probe may use the machine's address), no HTTPS redirect, no session, no log-in."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from indsats.operations import health

HEALTH_PATHS = {"/healthz", "/readyz"}


def _json(body: dict, status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body), content_type="application/json", status=status)
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info not in HEALTH_PATHS:
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            return _json({"status": "method not allowed"}, 405)
        if request.path_info == "/healthz":
            return _json({"status": "ok"}, 200)
        checks = health.readiness()
        ready = all(checks.values())
        body = {"status": "ok" if ready else "unavailable"} | {
            name: "ok" if passed else "failing" for name, passed in checks.items()
        }
        return _json(body, 200 if ready else 503)
