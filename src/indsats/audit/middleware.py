"""Puts the request's address and a request id where the audit service can find them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from indsats.audit.context import RequestContext, request_context


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = RequestContext(ip_address=request.META.get("REMOTE_ADDR"), request_id=str(uuid.uuid4()))
        token = request_context.set(context)
        try:
            return self.get_response(request)
        finally:
            request_context.reset(token)
