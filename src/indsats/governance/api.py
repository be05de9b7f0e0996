"""The steering group's API (django-ninja): a meeting with its members present, chair, quorum, and each
item's decision with the position of every member who voted. The same selectors as the pages."""

from __future__ import annotations

import datetime

from ninja import Router, Schema

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.accounts.models import User
from indsats.governance import selectors
from indsats.ui.api_schemas import FORBIDDEN_OR_NOT_FOUND
from indsats.ui.converters import DatabaseId

router = Router(tags=["governance"])


class VoteOut(Schema):
    member: str
    position: str


class DecisionOut(Schema):
    outcome: str
    text: str
    by_consensus: bool
    chair: str
    members_eligible: int
    decided_at: datetime.datetime
    gate_decision_id: int | None
    votes: list[VoteOut]


class RecusalOut(Schema):
    member: str
    reason: str


class ItemOut(Schema):
    position: int
    kind: str
    title: str
    gate_review_id: int | None
    programme_year_id: int | None
    recusals: list[RecusalOut]
    decision: DecisionOut | None


class MeetingOut(Schema):
    id: int
    held_on: datetime.date
    location: str
    status: str
    quorum: int
    chair: str | None
    members_present: list[str]
    minutes_sha256: str
    items: list[ItemOut]


def _name(user: User) -> str:
    return user.get_full_name() or user.username


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **FORBIDDEN_OR_NOT_FOUND})
def meeting(request: AuthenticatedHttpRequest, meeting_id: DatabaseId) -> dict[str, object]:
    found = selectors.meeting_detail(user=request.user, pk=meeting_id)
    items = []
    for item in found.items.all():
        decision = getattr(item, "decision", None)
        items.append(
            {
                "position": item.position,
                "kind": item.kind,
                "title": item.title,
                "gate_review_id": item.gate_review_id,
                "programme_year_id": item.programme_year_id,
                "recusals": [{"member": _name(r.member), "reason": r.reason} for r in item.recusals.all()],
                "decision": None
                if decision is None
                else {
                    "outcome": decision.outcome,
                    "text": decision.text,
                    "by_consensus": decision.by_consensus,
                    "chair": _name(decision.chair),
                    "members_eligible": decision.members_eligible,
                    "decided_at": decision.decided_at,
                    "gate_decision_id": decision.gate_decision_id,
                    "votes": [
                        {"member": _name(v.member), "position": v.position}
                        for v in sorted(decision.votes.all(), key=lambda v: v.member_id)
                    ],
                },
            }
        )
    return {
        "id": found.pk,
        "held_on": found.held_on,
        "location": found.location,
        "status": found.status,
        "quorum": found.quorum,
        "chair": _name(found.chair) if found.chair else None,
        "members_present": [_name(m) for m in found.members_present.all()],
        "minutes_sha256": found.minutes_sha256,
        "items": items,
    }
