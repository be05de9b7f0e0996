"""The phase machine: every (state, action[, target]) pair is tried; allowed moves move, forbidden ones
raise TransitionNotAllowed and change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from indsats.audit.models import AuditEntry
from indsats.interventions import services
from indsats.interventions.models import (
    GateDecision,
    GateReview,
    InterventionEvent,
    PhaseRecord,
    ReviewStatus,
)
from indsats.interventions.workflow import (
    ACTION_PERMISSIONS,
    TRANSITIONS,
    InterventionState,
    TransitionNotAllowed,
    WorkflowAction,
)
from tests.interventions.factories import InterventionFactory, complete_checklist, ready_review

pytestmark = pytest.mark.django_db

S, M, T, D, OP, X = "screening", "maturation", "testing", "dissemination", "operation", "stopped"
STATES = [S, M, T, D, OP, X]
SIMPLE_ACTIONS = ["submit", "approve", "approve_with_conditions", "reject", "send_back", "stop"]

# Written out by hand from the SUSI phase model (DOMAIN.md): one phase on at a time, back to any earlier
# phase, stop from anywhere but an end state (ordinary operation may be stopped), stopped is final.
EXPECTED: dict[tuple[str, str, str | None], str] = {
    (S, "submit", None): S,
    (S, "approve", None): M,
    (S, "approve_with_conditions", None): M,
    (S, "reject", None): X,
    (S, "send_back", None): S,
    (S, "stop", None): X,
    (M, "submit", None): M,
    (M, "approve", None): T,
    (M, "approve_with_conditions", None): T,
    (M, "reject", None): X,
    (M, "send_back", None): M,
    (M, "stop", None): X,
    (M, "return", S): S,
    (T, "submit", None): T,
    (T, "approve", None): D,
    (T, "approve_with_conditions", None): D,
    (T, "reject", None): X,
    (T, "send_back", None): T,
    (T, "stop", None): X,
    (T, "return", S): S,
    (T, "return", M): M,
    (D, "submit", None): D,
    (D, "approve", None): OP,
    (D, "approve_with_conditions", None): OP,
    (D, "reject", None): X,
    (D, "send_back", None): D,
    (D, "stop", None): X,
    (D, "return", S): S,
    (D, "return", M): M,
    (D, "return", T): T,
    (OP, "stop", None): X,
    (OP, "return", S): S,
    (OP, "return", M): M,
    (OP, "return", T): T,
    (OP, "return", D): D,
}

CASES = [(state, action, None) for state in STATES for action in SIMPLE_ACTIONS] + [
    (state, "return", target) for state in STATES for target in STATES
]


def _perform(state, action, target, intervention, agency_staff, steering_member):
    if action == "submit":
        review = ready_review(intervention, phase=state)
        complete_checklist(intervention)
        services.submit_gate_review(actor=agency_staff, review=review)
        return review
    if action in ("approve", "approve_with_conditions", "reject", "send_back"):
        review = ready_review(intervention, status=ReviewStatus.SUBMITTED, phase=state)
        services.decide_gate_review(
            actor=steering_member,
            review=review,
            decision=action,
            reason="Styregruppens begrundelse.",
            conditions="Betingelse." if action == "approve_with_conditions" else "",
            expected_version=review.version,
        )
        return review
    if action == "stop":
        services.stop_intervention(actor=agency_staff, intervention=intervention, reason="Ingen virkning.")
        return None
    services.return_to_phase(actor=agency_staff, intervention=intervention, phase=target, reason="Tilbage.")
    return None


def _state_of_the_world(intervention):
    intervention.refresh_from_db()
    return (
        intervention.state,
        intervention.state_entered_at,
        intervention.stop_reason,
        InterventionEvent.objects.count(),
        AuditEntry.objects.count(),
        sorted(PhaseRecord.objects.values_list("phase", "actual_end")),
        GateDecision.objects.count(),
        sorted(GateReview.objects.values_list("status", "version")),
    )


def test_the_table_is_exactly_the_hand_written_model():
    table = {
        (r.from_state, r.action, r.to_state if r.action == "return" else None): r.to_state
        for r in TRANSITIONS
    }
    assert table == EXPECTED


def test_every_row_of_an_action_asks_the_same_permission():
    assert all(ACTION_PERMISSIONS[row.action] == row.permission for row in TRANSITIONS)
    assert set(ACTION_PERMISSIONS) == set(WorkflowAction.values)


@pytest.mark.parametrize(("state", "action", "target"), CASES, ids=[f"{s}-{a}-{t}" for s, a, t in CASES])
def test_every_state_and_action(state, action, target, agency_staff, steering_member):
    intervention = InterventionFactory(state=state)
    expected = EXPECTED.get((state, action, target))
    if expected is None:
        before = _state_of_the_world(intervention)
        with pytest.raises(TransitionNotAllowed) as raised:
            _perform(state, action, target, intervention, agency_staff, steering_member)
        assert raised.value.text  # a Danish message for the edge
        # the review made for the attempt is the only difference: nothing else moved
        after = _state_of_the_world(intervention)
        assert after[:7] == before[:7]
        return
    review = _perform(state, action, target, intervention, agency_staff, steering_member)
    intervention.refresh_from_db()
    assert intervention.state == expected
    if expected != state:
        assert intervention.events.filter(from_state=state, to_state=expected).count() == 1
        assert AuditEntry.objects.filter(action="transition", object_id=str(intervention.pk)).count() == 1
    if expected in (S, M, T, D):
        record = PhaseRecord.objects.get(intervention=intervention, phase=expected)
        assert record.actual_end is None
    if review is not None:
        review.refresh_from_db()
        if action == "submit":
            assert review.status == ReviewStatus.SUBMITTED
        elif action == "send_back":
            assert review.status == ReviewStatus.DRAFT
        else:
            assert review.status == ReviewStatus.DECIDED and review.decision == action


def test_approval_closes_the_phase_and_opens_the_next_with_the_playbook_checklist(
    agency_staff, steering_member
):
    intervention = InterventionFactory(state=S)
    review = ready_review(intervention, status=ReviewStatus.SUBMITTED)
    services.decide_gate_review(
        actor=steering_member, review=review, decision="approve", reason="OK", expected_version=review.version
    )
    screening = PhaseRecord.objects.get(intervention=intervention, phase=S)
    maturation = PhaseRecord.objects.get(intervention=intervention, phase=M)
    assert screening.actual_end is not None and maturation.actual_end is None
    titles = set(maturation.checklist.values_list("title", flat=True))
    assert {"Forandringsteori", "Fidelitetsværktøj", "Evalueringsplan"} <= titles


def test_approving_dissemination_puts_the_intervention_in_ordinary_operation(steering_member):
    intervention = InterventionFactory(state=D)
    review = ready_review(intervention, status=ReviewStatus.SUBMITTED)
    services.decide_gate_review(
        actor=steering_member,
        review=review,
        decision="approve",
        reason="Virker.",
        expected_version=review.version,
    )
    intervention.refresh_from_db()
    assert intervention.state == InterventionState.OPERATION
    assert PhaseRecord.objects.get(intervention=intervention, phase=D).actual_end is not None


def test_rejection_stops_with_the_steering_groups_reason(steering_member):
    intervention = InterventionFactory(state=T)
    review = ready_review(intervention, status=ReviewStatus.SUBMITTED)
    services.decide_gate_review(
        actor=steering_member, review=review, decision="reject", reason="Ingen effekt.", expected_version=1
    )
    intervention.refresh_from_db()
    assert intervention.state == X and "Ingen effekt." in intervention.stop_reason


def test_returning_reopens_the_earlier_phase_and_withdraws_open_reviews(agency_staff):
    intervention = InterventionFactory(state=S)
    PhaseRecord.objects.filter(intervention=intervention).update(actual_end="2024-01-01")
    intervention.state = T
    intervention.save()
    PhaseRecord.objects.open_for(intervention, T)
    review = ready_review(intervention)
    services.return_to_phase(actor=agency_staff, intervention=intervention, phase=S, reason="Ny screening.")
    assert PhaseRecord.objects.get(intervention=intervention, phase=S).actual_end is None
    review.refresh_from_db()
    assert review.status == ReviewStatus.WITHDRAWN
    event = intervention.events.get(kind="returned")
    assert event.text == "Ny screening." and event.from_state == T and event.to_state == S


def test_a_return_or_a_stop_needs_a_reason(agency_staff):
    from django.core.exceptions import ValidationError

    intervention = InterventionFactory(state=M)
    with pytest.raises(ValidationError):
        services.return_to_phase(actor=agency_staff, intervention=intervention, phase=S, reason="  ")
    with pytest.raises(ValidationError):
        services.stop_intervention(actor=agency_staff, intervention=intervention, reason="")
    intervention.refresh_from_db()
    assert intervention.state == M


def test_a_decision_needs_a_reason_and_conditions_need_text(steering_member):
    from django.core.exceptions import ValidationError

    intervention = InterventionFactory(state=S)
    review = ready_review(intervention, status=ReviewStatus.SUBMITTED)
    with pytest.raises(ValidationError) as raised:
        services.decide_gate_review(
            actor=steering_member, review=review, decision="approve", reason="", expected_version=1
        )
    assert "reason" in raised.value.error_dict
    with pytest.raises(ValidationError) as raised:
        services.decide_gate_review(
            actor=steering_member,
            review=review,
            decision="approve_with_conditions",
            reason="OK",
            expected_version=1,
        )
    assert "conditions" in raised.value.error_dict


@pytest.mark.parametrize("who", ["agency_staff", "aarhus_caseworker", "evaluator"])
def test_only_the_steering_group_decides(who, request):
    actor = request.getfixturevalue(who)
    intervention = InterventionFactory(state=S)
    review = ready_review(intervention, status=ReviewStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.decide_gate_review(
            actor=actor, review=review, decision="approve", reason="OK", expected_version=1
        )
    intervention.refresh_from_db()
    assert intervention.state == S and not GateDecision.objects.exists()


@pytest.mark.parametrize("who", ["steering_member", "aarhus_caseworker"])
def test_only_the_agency_submits_returns_and_stops(who, request):
    actor = request.getfixturevalue(who)
    intervention = InterventionFactory(state=M)
    review = ready_review(intervention)
    complete_checklist(intervention)
    with pytest.raises(PermissionDenied):
        services.submit_gate_review(actor=actor, review=review)
    with pytest.raises(PermissionDenied):
        services.return_to_phase(actor=actor, intervention=intervention, phase=S, reason="x")
    with pytest.raises(PermissionDenied):
        services.stop_intervention(actor=actor, intervention=intervention, reason="x")
    intervention.refresh_from_db()
    assert intervention.state == M


def test_the_workflow_actions_have_danish_labels():
    assert WorkflowAction.RETURN_TO_PHASE.label == "Vend tilbage til en tidligere fase"
    assert TransitionNotAllowed(state=X, action="approve").text.startswith("Handlingen “Godkend”")
