"""The meeting's states as a table, and the steering group's domain errors.

A meeting is planned (the agency builds the agenda), then in session (attendance and chair recorded;
items decided), then closed (the minutes are rendered as a PDF by a background task)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indsats.accounts.permissions import DECIDE_GATE_REVIEWS, MANAGE_INTERVENTIONS
from indsats.errors import DomainError
from indsats.state_machine import Transition, TransitionTable


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planlagt")
    IN_SESSION = "in_session", _("Mødet er i gang")
    CLOSED = "closed", _("Afsluttet")


class MeetingAction(models.TextChoices):
    EDIT_AGENDA = "edit_agenda", _("Redigér dagsordenen")
    OPEN = "open", _("Registrér fremmøde og åbn mødet")
    DECIDE = "decide", _("Træf beslutning")
    CLOSE = "close", _("Afslut mødet og dan referatet")


def status_label(status: str) -> str:
    try:
        return str(MeetingStatus(status).label)
    except ValueError:
        return status


class GovernanceError(DomainError):
    """Base of the steering group's domain errors."""


class MeetingActionNotAllowed(GovernanceError):
    def __init__(self, *, state: str, action: str, to_state: str | None = None) -> None:
        self.state, self.action = state, action
        super().__init__(
            gettext("Det kan ikke lade sig gøre, når mødet er “%(status)s”.")
            % {"status": status_label(state)},
            code="meeting_action_not_allowed",
        )


class QuorumNotMet(GovernanceError):
    """Fewer members present (and not standing aside) than the meeting's quorum."""

    def __init__(self, *, eligible: int, quorum: int) -> None:
        self.eligible, self.quorum = eligible, quorum
        super().__init__(
            gettext(
                "Styregruppen er ikke beslutningsdygtig: %(eligible)s medlemmer kan deltage i beslutningen, "
                "og der kræves %(quorum)s."
            )
            % {"eligible": eligible, "quorum": quorum},
            code="quorum_not_met",
        )


MEETING_TRANSITIONS = TransitionTable(
    [
        Transition(
            MeetingStatus.PLANNED, MeetingAction.EDIT_AGENDA, MeetingStatus.PLANNED, MANAGE_INTERVENTIONS
        ),
        Transition(MeetingStatus.PLANNED, MeetingAction.OPEN, MeetingStatus.IN_SESSION, DECIDE_GATE_REVIEWS),
        Transition(
            MeetingStatus.IN_SESSION, MeetingAction.DECIDE, MeetingStatus.IN_SESSION, DECIDE_GATE_REVIEWS
        ),
        Transition(MeetingStatus.IN_SESSION, MeetingAction.CLOSE, MeetingStatus.CLOSED, DECIDE_GATE_REVIEWS),
    ],
    not_allowed=MeetingActionNotAllowed,
)
