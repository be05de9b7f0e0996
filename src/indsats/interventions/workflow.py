"""The SUSI phase model as data: states, named actions, the table of allowed transitions, and the
domain errors of the phase model and its gate reviews.

Four phases (Fase 0 Screening, Fase 1 Modning, Fase 2 Afprøvning, Fase 3 Udbredelse) and two end states
(stopped, in ordinary operation). A move is allowed only when a row of TRANSITIONS names the state it
starts from, the action and the state it ends in; the row also names the permission the actor needs.
Services find their row with `TRANSITIONS.find` (through `interventions.access`), so adding a rule means
adding a row, not an `if`.

No phase can be skipped: approval moves exactly one phase on (Udbredelse -> ordinary operation). Going
back is allowed to any earlier phase, with a reason. A stopped intervention is an end state.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indsats.accounts.permissions import DECIDE_GATE_REVIEWS, MANAGE_INTERVENTIONS
from indsats.errors import DomainError
from indsats.state_machine import Transition, TransitionTable


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


def _rows() -> list[Transition]:
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
    return rows


def state_label(state: str) -> str:
    try:
        return str(InterventionState(state).label)
    except ValueError:
        return state


def action_label(action: str) -> str:
    try:
        return str(WorkflowAction(action).label)
    except ValueError:
        return action


# --- domain errors: raised by services with a translated message, shown at the edge by run_service --------


class InterventionError(DomainError):
    """Base of the phase model's domain errors."""


class TransitionNotAllowed(InterventionError):
    """The table has no row for this move from the intervention's state."""

    def __init__(self, *, state: str, action: str, to_state: str | None = None) -> None:
        self.state, self.action, self.to_state = state, action, to_state
        text = gettext("Handlingen “%(action)s” er ikke mulig, når indsatsen er i “%(state)s”.") % {
            "action": action_label(action),
            "state": state_label(state),
        }
        if to_state:
            text += " " + gettext("Den kan ikke gå til “%(target)s”.") % {"target": state_label(to_state)}
        super().__init__(text, code="transition_not_allowed")


class GateNotReady(InterventionError):
    """The gate review cannot be sent: criteria not assessed or required deliverables not done."""

    def __init__(
        self, *, unassessed: list[str], missing_rationale: list[str], open_deliverables: list[str]
    ) -> None:
        self.unassessed = unassessed
        self.missing_rationale = missing_rationale
        self.open_deliverables = open_deliverables
        self.reasons: list[str] = []
        if unassessed:
            self.reasons.append(
                gettext("Disse kriterier er ikke vurderet: %(names)s.") % {"names": ", ".join(unassessed)}
            )
        if missing_rationale:
            self.reasons.append(
                gettext("Disse kriterier mangler en begrundelse: %(names)s.")
                % {"names": ", ".join(missing_rationale)}
            )
        if open_deliverables:
            self.reasons.append(
                gettext("Disse obligatoriske leverancer i fasens tjekliste er ikke færdige: %(names)s.")
                % {"names": ", ".join(open_deliverables)}
            )
        text = " ".join([gettext("Gate review kan ikke sendes til styregruppen endnu."), *self.reasons])
        super().__init__(text, code="gate_not_ready")


class ReviewAlreadyDecided(InterventionError):
    """Someone else changed the review first (the optimistic lock's version moved on)."""

    def __init__(self, *, decided_by: str, decision: str) -> None:
        self.decided_by, self.decision = decided_by, decision
        if decided_by:
            text = gettext(
                "Gate review er allerede afgjort af %(person)s (%(decision)s). Din afgørelse er ikke gemt, "
                "og indsatsen er ikke flyttet igen."
            ) % {"person": decided_by, "decision": decision}
        else:
            text = gettext(
                "Gate review er ændret, siden du åbnede den. Indlæs siden igen og se den nye status."
            )
        super().__init__(text, code="review_already_decided")


class ReviewNotEditable(InterventionError):
    """The review has been sent (or decided, or withdrawn): only a draft can be changed."""

    def __init__(self, *, status: str) -> None:
        self.status = status
        super().__init__(
            gettext("Gate review kan kun ændres, mens den er en kladde hos styrelsen."),
            code="review_not_editable",
        )


class ConditionsNotMet(InterventionError):
    """The steering group's conditions on an earlier decision are still open: the next review waits."""

    def __init__(self, *, conditions: list[str]) -> None:
        self.conditions = conditions
        super().__init__(
            gettext(
                "Gate review kan ikke sendes, før styregruppens betingelser er opfyldt eller frafaldet: "
                "%(conditions)s."
            )
            % {"conditions": "; ".join(f"“{text}”" for text in conditions)},
            code="conditions_not_met",
        )


class DecideAtMeeting(InterventionError):
    """Gate reviews are decided collectively, at a steering-group meeting
    (settings.GATE_DECISIONS_AT_MEETINGS)."""

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "Gate reviews afgøres på et styregruppemøde: sæt den på dagsordenen, og registrér "
                "beslutningen med fremmøde og stemmer."
            ),
            code="decide_at_meeting",
        )


class ConditionNotAllowed(InterventionError):
    """The condition's table has no row for this change from its status."""

    def __init__(self, *, state: str, action: str, to_state: str | None = None) -> None:
        self.state, self.action = state, action
        super().__init__(
            gettext("Betingelsen kan ikke ændres sådan, når den er “%(status)s”.")
            % {"status": condition_status_label(state)},
            code="condition_not_allowed",
        )


class ConditionAction(models.TextChoices):
    MARK_MET = "mark_met", _("Markér som opfyldt")
    WAIVE = "waive", _("Frafald betingelsen")
    MARK_OVERDUE = "mark_overdue", _("Fristen er overskredet")


def condition_status_label(status: str) -> str:
    labels = {
        "open": gettext("Åben"),
        "met": gettext("Opfyldt"),
        "overdue": gettext("Overskredet"),
        "waived": gettext("Frafaldet"),
    }
    return labels.get(status, status)


# A condition is followed up by the agency (MANAGE_INTERVENTIONS); the nightly follow-up marks it overdue.
CONDITION_TRANSITIONS = TransitionTable(
    [
        Transition("open", ConditionAction.MARK_MET, "met", MANAGE_INTERVENTIONS),
        Transition("open", ConditionAction.WAIVE, "waived", DECIDE_GATE_REVIEWS),
        Transition("open", ConditionAction.MARK_OVERDUE, "overdue", ""),
        Transition("overdue", ConditionAction.MARK_MET, "met", MANAGE_INTERVENTIONS),
        Transition("overdue", ConditionAction.WAIVE, "waived", DECIDE_GATE_REVIEWS),
    ],
    not_allowed=ConditionNotAllowed,
)

# The table (built here, below its not-allowed error).
TRANSITIONS = TransitionTable(_rows(), not_allowed=TransitionNotAllowed)

# Every row of an action asks the same permission (tested), so the permission is checked before the state.
ACTION_PERMISSIONS: dict[str, str] = {row.action: row.permission for row in TRANSITIONS}
