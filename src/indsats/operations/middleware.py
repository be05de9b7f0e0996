"""/healthz and /readyz for the load balancer and the process supervisor. Answered first in the chain:
no host check (a probe may use the machine's address), no HTTPS redirect, no session, no log-in."""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST

from indsats.audit.context import current_request_context
from indsats.operations import health, metrics
from indsats.operations.log_context import LogContext, current_log_context, log_context

request_logger = logging.getLogger("indsats.requests")

HEALTH_PATHS = {"/healthz", "/readyz", "/metrics"}


def _json(body: dict, status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body), content_type="application/json", status=status)
    response["Cache-Control"] = "no-store"
    return response


def _metrics(request: HttpRequest) -> HttpResponse:
    """Only for a scraper presenting METRICS_TOKEN as a bearer token; without a token set, not there."""
    token = settings.METRICS_TOKEN
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token:
        return _json({"status": "not found"}, 404)
    if not hmac.compare_digest(presented.encode(), token.encode()):
        response = _json({"status": "unauthorized"}, 401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    response = HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
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
        if request.path_info == "/metrics":
            return _metrics(request)
        checks = health.readiness()
        ready = all(checks.values())
        body = {"status": "ok" if ready else "unavailable"} | {
            name: "ok" if passed else "failing" for name, passed in checks.items()
        }
        return _json(body, 200 if ready else 503)


class RequestLogMiddleware:
    """Sets the log context of the request (the audit trail's request id, the user id, the view's URL
    name) and writes one line per request: method, path, status, duration. Placed after the
    authentication and audit-context middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        context = LogContext(
            request_id=current_request_context().request_id,
            user_id=user.pk if user is not None and user.is_authenticated else None,
        )
        token = log_context.set(context)
        started = time.perf_counter()
        queries = [0]

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            queries[0] += 1
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(count):
                response = self.get_response(request)
            seconds = time.perf_counter() - started
            view = getattr(request, "resolver_match", None)
            name = view.view_name if view is not None else ""
            metrics.observe_request(
                name or "unresolved", request.method or "", response.status_code, seconds, queries[0]
            )
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "queries": queries[0],
                    "view": name,
                },
            )
            return response
        finally:
            log_context.reset(token)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        match = request.resolver_match
        if match is not None:
            current = current_log_context()
            log_context.set(LogContext(current.request_id, current.user_id, match.view_name))
