"""Defence in depth: no CPR number reaches a log line, even by mistake.

Services never log CPR numbers, but an exception message or a request body can carry one (a caseworker
pasting into the wrong field). This filter masks anything shaped like a CPR number (DDMMYY-SSSS or ten
digits) in the message, its arguments and the formatted exception before a handler writes it.

Every handler carries it: the settings' LOGGING routes Django's own loggers, the development server's
access log (``django.server``, used by runserver and ``indsats serve``) and everything else through the
masked console handler, and ``config/gunicorn.py`` does the same for gunicorn's access and error logs.
"""

from __future__ import annotations

import logging

from indsats.engine.cpr import CPR_MASK as MASK
from indsats.engine.cpr import mask_cpr

__all__ = ["MASK", "MaskCprFilter", "mask_cpr"]


class MaskCprFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_cpr(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.stack_info:
            record.stack_info = mask_cpr(record.stack_info)
        if record.exc_text:
            record.exc_text = mask_cpr(record.exc_text)
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, masked, so handlers do not format the raw one later.
            formatter = logging.Formatter()
            record.exc_text = mask_cpr(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True
