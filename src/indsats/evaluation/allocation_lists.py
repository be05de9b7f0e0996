"""An allocation list made outside Indsats (by a trial statistician), read from CSV.

One row per position, in the order the positions are to be used: a column ``gruppe`` (or ``arm``) with
``indsats``/``1`` or ``kontrol``/``sammenligning``/``0``, and for a stratified list a column
``kommunekode`` (or ``stratum``) with the municipality's three-digit code. Commas or semicolons.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from indsats.errors import DomainError

ARM_WORDS = {
    "indsats": 1,
    "intervention": 1,
    "1": 1,
    "kontrol": 0,
    "sammenligning": 0,
    "comparison": 0,
    "control": 0,
    "0": 0,
}
ARM_COLUMNS = ("gruppe", "arm")
STRATUM_COLUMNS = ("kommunekode", "stratum")
MAX_POSITIONS = 100_000


def parse_allocation_list(content: str) -> dict[str, tuple[int, ...]]:
    """Positions per stratum (``""`` when the list is not stratified), arms coded 1 and 0."""
    text = content.lstrip("\ufeff").strip()
    if not text:
        raise DomainError(_("Allokeringslisten er tom."), field="content")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = {name.strip().lower(): name for name in reader.fieldnames or []}
    arm_column = next((header[c] for c in ARM_COLUMNS if c in header), None)
    stratum_column = next((header[c] for c in STRATUM_COLUMNS if c in header), None)
    if arm_column is None:
        raise DomainError(
            _("Allokeringslisten skal have en kolonne “gruppe” (indsats eller kontrol)."), field="content"
        )
    lists: dict[str, list[int]] = {}
    for line, row in enumerate(reader, start=2):
        word = (row.get(arm_column) or "").strip().lower()
        if word not in ARM_WORDS:
            raise DomainError(
                _("Linje %(line)s: gruppen “%(value)s” er hverken indsats eller kontrol.")
                % {"line": line, "value": word},
                field="content",
            )
        stratum = (row.get(stratum_column) or "").strip() if stratum_column else ""
        if stratum_column and not (stratum.isdigit() and len(stratum) <= 3):
            raise DomainError(
                _("Linje %(line)s: kommunekoden skal være op til tre cifre.") % {"line": line},
                field="content",
            )
        lists.setdefault(stratum.zfill(3) if stratum else "", []).append(ARM_WORDS[word])
    total = sum(len(arms) for arms in lists.values())
    if total == 0:
        raise DomainError(_("Allokeringslisten har ingen pladser."), field="content")
    if total > MAX_POSITIONS:
        raise DomainError(_("Allokeringslisten har mere end 100.000 pladser."), field="content")
    return {stratum: tuple(arms) for stratum, arms in lists.items()}
