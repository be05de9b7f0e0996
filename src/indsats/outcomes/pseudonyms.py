"""The installation's pseudonym key and the child's code in an export.

A participant is stored as a keyed HMAC of the CPR number scoped to the municipality (engine/cpr.py; the
key is settings.PSEUDONYM_KEY). An export gives each child a second code, made from the stored pseudonym
and the intervention, so that an exported file cannot be joined to the stored pseudonyms or to another
intervention's file; the evaluation app reads the same code back from files of dose and fidelity.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

EXPORT_CODE_LENGTH = 16


def pseudonym_key() -> bytes:
    """The installation's secret key of every pseudonym (settings.PSEUDONYM_KEY)."""
    key = settings.PSEUDONYM_KEY
    return key.encode() if isinstance(key, str) else bytes(key)


def export_code(pseudonym: str, intervention_id: int, key: bytes) -> str:
    """The child's ``deltager`` code in an export of the intervention:
    HMAC-SHA256(key, "indsats-export-v1|<intervention>|<pseudonym>"), the first 16 hex digits."""
    message = f"indsats-export-v1|{intervention_id}|{pseudonym}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:EXPORT_CODE_LENGTH]
