"""The SUSI phase model as data: states, named actions and the table of allowed transitions.

Four phases (Fase 0 Screening, Fase 1 Modning, Fase 2 Afprøvning, Fase 3 Udbredelse) and two end states
(stopped, in ordinary operation). A move is allowed only when a row of TRANSITIONS names the state it
starts from, the action and the state it ends in; the row also names the permission the actor needs.
Services look the row up with `find_transition`, so adding a rule means adding a row, not an `if`.

No phase can be skipped: approval moves exactly one phase on (Udbredelse -> ordinary operation). Going
back is allowed to any earlier phase, with a reason. A stopped intervention is an end state.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indsats.accounts.permissions import DECIDE_GATE_REVIEWS, MANAGE_INTERVENTIONS


class InterventionState(models.TextChoices):
    SCREENING = "screening", _("Fase 0: Screening")
    MATURATION = "maturation", _("Fase 1: Modning")
    TESTING = "testing", _("Fase 2: Afprøvning")
    DISSEMINATION = "dissemination", _("Fase 3: Udbredelse")
    OPERATION = "operation", _("I almindelig drift")
    STOPPED = "stopped", _("Stoppet")


PHASES: tuple[InterventionState, ...] = (
    InterventionState.SCREENING,
    InterventionState.MATURATION,
    InterventionState.TESTING,
    InterventionState.DISSEMINATION,
)
END_STATES: tuple[InterventionState, ...] = (InterventionState.OPERATION, InterventionState.STOPPED)
PHASE_NUMBER: dict[str, int] = {phase.value: number for number, phase in enumerate(PHASES)}


def is_phase(state: str) -> bool:
    return state in PHASE_NUMBER


class WorkflowAction(models.TextChoices):
    SUBMIT_GATE_REVIEW = "submit", _("Send gate review til styregruppen")
    APPROVE = "approve", _("Godkend")
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", _("Godkend med betingelser")
    REJECT = "reject", _("Afvis")
    SEND_BACK = "send_back", _("Send tilbage til styrelsen")
    RETURN_TO_PHASE = "return", _("Vend tilbage til en tidligere fase")
    STOP = "stop", _("Stop indsatsen")


DECISIONS: tuple[WorkflowAction, ...] = (
    WorkflowAction.APPROVE,
    WorkflowAction.APPROVE_WITH_CONDITIONS,
    WorkflowAction.REJECT,
    WorkflowAction.SEND_BACK,
)


@dataclass(frozen=True)
class Transition:
    from_state: str
    action: str
    to_state: str
    permission: str


def _build_transitions() -> tuple[Transition, ...]:
    rows: list[Transition] = []
    next_state = [*PHASES[1:], InterventionState.OPERATION]
    for number, phase in enumerate(PHASES):
        following = next_state[number]
        rows += [
            Transition(phase, WorkflowAction.SUBMIT_GATE_REVIEW, phase, MANAGE_INTERVENTIONS),
            Transition(phase, WorkflowAction.APPROVE, following, DECIDE_GATE_REVIEWS),
            Transition(phase, WorkflowAction.APPROVE_WITH_CONDITIONS, following, DECIDE_GATE_REVIEWS),
            Transition(phase, WorkflowAction.REJECT, InterventionState.STOPPED, DECIDE_GATE_REVIEWS),
            Transition(phase, WorkflowAction.SEND_BACK, phase, DECIDE_GATE_REVIEWS),
            Transition(phase, WorkflowAction.STOP, InterventionState.STOPPED, MANAGE_INTERVENTIONS),
        ]
        rows += [
            Transition(phase, WorkflowAction.RETURN_TO_PHASE, earlier, MANAGE_INTERVENTIONS)
            for earlier in PHASES[:number]
        ]
    # An intervention in ordinary operation can be taken back into development or ended.
    rows += [
        Transition(InterventionState.OPERATION, WorkflowAction.RETURN_TO_PHASE, phase, MANAGE_INTERVENTIONS)
        for phase in PHASES
    ]
    rows.append(
        Transition(
            InterventionState.OPERATION, WorkflowAction.STOP, InterventionState.STOPPED, MANAGE_INTERVENTIONS
        )
    )
    return tuple(rows)


TRANSITIONS: tuple[Transition, ...] = _build_transitions()


def transitions_from(state: str) -> list[Transition]:
    return [row for row in TRANSITIONS if row.from_state == state]


def find_transition(state: str, action: str, to_state: str | None = None) -> Transition:
    """The table row for this move; raises TransitionNotAllowed when there is none.

    `to_state` is needed only for returning to a phase (the one action with several possible targets).
    """
    for row in TRANSITIONS:
        if (
            row.from_state == state
            and row.action == action
            and (to_state is None or row.to_state == to_state)
        ):
            return row
    raise TransitionNotAllowed(state=state, action=action, to_state=to_state)


def state_label(state: str) -> str:
    try:
        return str(InterventionState(state).label)
    except ValueError:
        return state


# --- domain errors: raised by services, turned into Danish messages at the edge with .message() ---------


class InterventionError(Exception):
    """Base of the phase model's domain errors."""

    def message(self) -> str:  # pragma: no cover - every subclass overrides
        return str(self)


class TransitionNotAllowed(InterventionError):
    def __init__(self, *, state: str, action: str, to_state: str | None = None) -> None:
        self.state, self.action, self.to_state = state, action, to_state
        super().__init__(f"{action} is not allowed from {state}" + (f" to {to_state}" if to_state else ""))

    def message(self) -> str:
        try:
            action = str(WorkflowAction(self.action).label)
        except ValueError:
            action = self.action
        text = gettext("Handlingen “%(action)s” er ikke mulig, når indsatsen er i “%(state)s”.") % {
            "action": action,
            "state": state_label(self.state),
        }
        if self.to_state:
            text += " " + gettext("Den kan ikke gå til “%(target)s”.") % {
                "target": state_label(self.to_state)
            }
        return text


class GateNotReady(InterventionError):
    """The gate review cannot be sent: criteria not assessed or required deliverables not done."""

    def __init__(self, *, unassessed: list[str], missing_rationale: list[str], open_deliverables: list[str]):
        self.unassessed = unassessed
        self.missing_rationale = missing_rationale
        self.open_deliverables = open_deliverables
        super().__init__(
            f"gate not ready: unassessed={unassessed} rationale={missing_rationale} open={open_deliverables}"
        )

    def reasons(self) -> list[str]:
        reasons = []
        if self.unassessed:
            reasons.append(
                gettext("Disse kriterier er ikke vurderet: %(names)s.")
                % {"names": ", ".join(self.unassessed)}
            )
        if self.missing_rationale:
            reasons.append(
                gettext("Disse kriterier mangler en begrundelse: %(names)s.")
                % {"names": ", ".join(self.missing_rationale)}
            )
        if self.open_deliverables:
            reasons.append(
                gettext("Disse obligatoriske leverancer i fasens tjekliste er ikke færdige: %(names)s.")
                % {"names": ", ".join(self.open_deliverables)}
            )
        return reasons

    def message(self) -> str:
        return " ".join([gettext("Gate review kan ikke sendes til styregruppen endnu."), *self.reasons()])


class ReviewAlreadyDecided(InterventionError):
    """Someone else changed the review first (the optimistic lock's version moved on)."""

    def __init__(self, *, decided_by: str, decision: str) -> None:
        self.decided_by, self.decision = decided_by, decision
        super().__init__(f"review already decided by {decided_by} ({decision})")

    def message(self) -> str:
        if not self.decided_by:
            return gettext(
                "Gate review er ændret, siden du åbnede den. Indlæs siden igen og se den nye status."
            )
        return gettext(
            "Gate review er allerede afgjort af %(person)s (%(decision)s). Din afgørelse er ikke gemt, "
            "og indsatsen er ikke flyttet igen."
        ) % {"person": self.decided_by, "decision": self.decision}


class ReviewNotEditable(InterventionError):
    def __init__(self, *, status: str) -> None:
        self.status = status
        super().__init__(f"review is {status}")

    def message(self) -> str:
        return gettext("Gate review kan kun ændres, mens den er en kladde hos styrelsen.")
