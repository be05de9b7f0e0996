"""Log lines a machine can read: one JSON object a line, with the request id, the user id and the view or
task name from operations.log_context, and any `extra=` fields. The CPR mask (log_filters.MaskCprFilter)
runs on the handler before this formatter, and the finished line is masked once more."""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from indsats.config.log_filters import mask_cpr
from indsats.operations.log_context import current_log_context

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = current_log_context()
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if context.request_id:
            line["request_id"] = context.request_id
        if context.user_id is not None:
            line["user_id"] = context.user_id
        if context.name:
            line["name"] = context.name
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, int | float | bool | type(None)) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return mask_cpr(json.dumps(line, ensure_ascii=False))
