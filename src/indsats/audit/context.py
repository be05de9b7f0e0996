"""The request context an audit entry records (address, request id); empty outside a request."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    request_id: str = ""


EMPTY_CONTEXT = RequestContext()
request_context: ContextVar[RequestContext | None] = ContextVar("indsats_request_context", default=None)


def current_request_context() -> RequestContext:
    return request_context.get() or EMPTY_CONTEXT
