"""What every log line says about where it comes from: the request id (carried from the web request into
the tasks it queues), the user id (never a name or a CPR number) and the view or task name."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class LogContext:
    request_id: str = ""
    user_id: int | None = None
    name: str = ""  # the view (URL name) or the task's path


log_context: ContextVar[LogContext | None] = ContextVar("indsats_log_context", default=None)


def current_log_context() -> LogContext:
    return log_context.get() or LogContext()
