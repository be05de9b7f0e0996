"""Configuration from the environment, read in one place.

Every setting that differs between a laptop, CI and production comes from an environment variable
(see `.env.example`). Production is the default: DEBUG is off unless asked for, and a missing secret is
a start-up error rather than a silent default.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[3]  # the repository root (src/indsats/config -> ../../..)

env = environ.Env()

# A developer may keep variables in a local `.env` file (never committed).
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG: bool = env.bool("DEBUG", default=False)
TESTING: bool = env.bool("INDSATS_TESTING", default=False)

# Development and test keys: used only when DEBUG or tests are on; production must set its own.
_DEVELOPMENT_SECRET = "indsats-development-secret-not-for-production"  # noqa: S105
_DEVELOPMENT_PSEUDONYM_KEY = "indsats-development-pseudonym-key-not-for-production"


MIN_SECRET_LENGTH = 32
"""Fewest characters of SECRET_KEY and PSEUDONYM_KEY in production (ASVS 2.9/6.4: keys guessable by
brute force are no keys)."""


def required_secret(name: str, development_default: str) -> str:
    """Read a secret; outside DEBUG/test mode a missing or short one (under MIN_SECRET_LENGTH characters)
    stops the start with a clear message."""
    value: str = env.str(name, default="")
    if value and (DEBUG or TESTING or len(value) >= MIN_SECRET_LENGTH):
        return value
    if value:
        raise ImproperlyConfigured(
            f"The environment variable {name} is only {len(value)} characters long. In production it "
            f"must be at least {MIN_SECRET_LENGTH} random characters (for example the output of "
            f"`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    if DEBUG or TESTING:
        return development_default
    raise ImproperlyConfigured(
        f"The environment variable {name} is not set. Indsats runs in production mode (DEBUG is off) "
        f"and will not start without it. Set {name} to a long random value (for example the output of "
        f"`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or set DEBUG=true on a "
        f"development machine."
    )
