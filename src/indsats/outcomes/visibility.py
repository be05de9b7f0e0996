"""Who may see a record of result documentation (and so its audit history): its own municipality only.

The agency sees every record through its VIEW_ALL_AUDIT permission (accounts.permissions.can_view_object).
"""

from __future__ import annotations

from typing import Any

from indsats.accounts.permissions import municipality_ids_of, register_visibility_rule
from indsats.outcomes.models import ColumnMapping, ImportJob, InstrumentExplanation, Measurement, Participant


def _own_municipality(user: Any, obj: Any) -> bool:
    return obj.municipality_id in municipality_ids_of(user)


for model in (Participant, Measurement, ImportJob, ColumnMapping, InstrumentExplanation):
    register_visibility_rule(model, _own_municipality)
