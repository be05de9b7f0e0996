"""What every upload shares, below every app: the name a file is stored and audited under.

A file name is typed by a person and may be a CPR number (``1107139103.csv``). ``safe_file_name`` keeps
the file's own name (no folder the browser sent) with every CPR-shaped number masked, so that no stored
name, audit entry or error text carries one. The size and table limits of imports live in
``outcomes/tabular.py``.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from indsats.engine.cpr import mask_cpr

MASKED_CPR_IN_NAME = "cpr-skjult"


def safe_file_name(name: str | None, default: str = "fil") -> str:
    """The file's own name with every CPR-shaped number replaced by ``cpr-skjult``."""
    own = PurePosixPath((name or "").replace("\\", "/")).name.strip()
    return mask_cpr(own, MASKED_CPR_IN_NAME) or default
