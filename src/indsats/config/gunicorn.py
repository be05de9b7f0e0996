"""gunicorn's settings: `gunicorn -c python:indsats.config.gunicorn indsats.config.wsgi`.

gunicorn writes its own access and error logs (the access log holds every URL, which may carry a CPR
number typed into a search field). ``logconfig_dict`` gives both the CPR mask of config/log_filters.py;
docs/operations.md shows the command.
"""

from __future__ import annotations

import os

accesslog = "-"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))

_MASK = ["mask_cpr"]

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_cpr": {"()": "indsats.config.log_filters.MaskCprFilter"}},
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "stream": "ext://sys.stderr",
            "filters": _MASK,
        },
        "access_console": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
            "filters": _MASK,
        },
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False},
    },
}
