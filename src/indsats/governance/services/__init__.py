"""Every write of the steering group's record, one module per part: meetings (agenda, attendance,
collective decisions, minutes) and operations (realistisk drift followed up, conditions reminded).

`follow_up_operations(today=...)` is the one scheduled entry point (idempotent, once a day)."""

from indsats.governance.services.meetings import (
    add_agenda_item,
    close_meeting,
    decide_item,
    default_quorum,
    open_meeting,
    plan_meeting,
    record_recusal,
)
from indsats.governance.services.operations import answer_operation_report, follow_up_operations

__all__ = [
    "add_agenda_item",
    "answer_operation_report",
    "close_meeting",
    "decide_item",
    "default_quorum",
    "follow_up_operations",
    "open_meeting",
    "plan_meeting",
    "record_recusal",
]
