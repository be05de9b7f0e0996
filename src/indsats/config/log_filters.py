"""Defence in depth: no CPR number reaches a log line, even by mistake.

Services never log CPR numbers, but an exception message or a request body can carry one (a caseworker
pasting into the wrong field). This filter masks anything shaped like a CPR number (DDMMYY-SSSS or ten
digits) in the message, its arguments and the formatted exception before a handler writes it.
"""

from __future__ import annotations

import logging
import re

CPR_PATTERN = re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")
MASK = "[CPR]"


def mask_cpr(text: str) -> str:
    return CPR_PATTERN.sub(MASK, text)


class MaskCprFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_cpr(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, masked, so handlers do not format the raw one later.
            formatter = logging.Formatter()
            record.exc_text = mask_cpr(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True
