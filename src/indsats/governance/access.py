"""What may this person do with a steering-group meeting now: asked by views and services alike.

The agency (MANAGE_INTERVENTIONS) plans meetings and builds the agenda; the steering group
(DECIDE_GATE_REVIEWS) opens the meeting, decides its items and closes it. Both see every meeting; nobody
else sees any. Order of checks: permission, then visibility, then the meeting's state."""

from __future__ import annotations

from dataclasses import dataclass

from indsats.accounts.models import Role, User, Visitor
from indsats.accounts.permissions import (
    DECIDE_GATE_REVIEWS,
    MANAGE_INTERVENTIONS,
    has_permission,
    permissions_of,
    require_permission,
    roles_of,
)
from indsats.governance.models import Meeting
from indsats.governance.workflow import MEETING_TRANSITIONS, MeetingAction, MeetingStatus
from indsats.state_machine import Transition


def sees_meetings(user: Visitor) -> bool:
    return has_permission(user, MANAGE_INTERVENTIONS) or has_permission(user, DECIDE_GATE_REVIEWS)


def require_sees_meetings(user: Visitor) -> None:
    if not has_permission(user, DECIDE_GATE_REVIEWS):
        require_permission(user, MANAGE_INTERVENTIONS)


def can_plan_meetings(user: Visitor) -> bool:
    return has_permission(user, MANAGE_INTERVENTIONS)


def require_plan_meetings(user: Visitor) -> None:
    require_permission(user, MANAGE_INTERVENTIONS)


def require_meeting_action(user: User, meeting: Meeting, action: str) -> Transition:
    """The permission of the action's row first, then whether the meeting's state allows it."""
    permission = {row.action: row.permission for row in MEETING_TRANSITIONS}[action]
    require_permission(user, permission)
    return MEETING_TRANSITIONS.find(meeting.status, action)


def is_steering_member(user: User) -> bool:
    return Role.STEERING_GROUP in roles_of(user)


@dataclass(frozen=True)
class MeetingActions:
    edit_agenda: bool
    open: bool
    decide: bool
    close: bool
    download_minutes: bool


def meeting_actions(user: User, meeting: Meeting) -> MeetingActions:
    allowed = {row.action for row in MEETING_TRANSITIONS.allowed(meeting.status, permissions_of(user))}
    return MeetingActions(
        edit_agenda=MeetingAction.EDIT_AGENDA in allowed,
        open=MeetingAction.OPEN in allowed,
        decide=MeetingAction.DECIDE in allowed,
        close=MeetingAction.CLOSE in allowed,
        download_minutes=meeting.status == MeetingStatus.CLOSED and bool(meeting.minutes_sha256),
    )
