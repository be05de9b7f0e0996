"""Permission before state (issue 11, point 7): a person who may not see an intervention or its gate
review learns nothing of its state. Every service and page that acts on one answers 403/404 first; none
answers with a state message such as "Stoppet" or "allerede afgjort"."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from indsats.errors import DomainError
from indsats.interventions import services
from indsats.interventions.models import PracticeElement, ReviewStatus
from indsats.interventions.workflow import InterventionState, WorkflowAction
from tests.conftest import logged_in
from tests.interventions.factories import InterventionFactory, partner, ready_review

pytestmark = pytest.mark.django_db

STATE_WORDS = ("Stoppet", "stoppet", "afgjort", "kladde", "ikke tilladt", "Screening", "Modning")


@pytest.fixture
def hidden(aarhus):
    """Aarhus' stopped intervention (not open to join) with a draft and a decided review."""
    intervention = InterventionFactory(name="Aarhus' lukkede indsats", state=InterventionState.STOPPED)
    partner(intervention, aarhus)
    draft = ready_review(intervention, phase=InterventionState.MATURATION)
    decided = ready_review(intervention, status=ReviewStatus.DECIDED, phase=InterventionState.SCREENING)
    return {"intervention": intervention, "draft": draft, "decided": decided}


def _refused_without_state(call) -> None:
    """The call is refused with PermissionDenied or Http404, never a domain error naming the state."""
    try:
        call()
    except (PermissionDenied, Http404):
        return
    except DomainError as error:  # pragma: no cover - the failure this test is for
        pytest.fail(f"a state message reached a person who may not see the object: {error}")
    pytest.fail("the call was not refused")


def test_every_gate_review_and_phase_service_refuses_an_outsider_before_the_state(
    odense_manager, odense, hidden
):
    intervention, draft, decided = hidden["intervention"], hidden["draft"], hidden["decided"]
    calls = [
        lambda: services.start_gate_review(actor=odense_manager, intervention=intervention),
        lambda: services.submit_gate_review(actor=odense_manager, review=draft),
        lambda: services.update_gate_review(
            actor=odense_manager, review=decided, assessments={}, summary="x"
        ),
        lambda: services.decide_gate_review(
            actor=odense_manager,
            review=decided,
            decision=WorkflowAction.APPROVE,
            reason="x",
            expected_version=0,
        ),
        lambda: services.stop_intervention(actor=odense_manager, intervention=intervention, reason="x"),
        lambda: services.return_to_phase(
            actor=odense_manager, intervention=intervention, phase=InterventionState.SCREENING, reason="x"
        ),
        lambda: services.request_to_join(
            actor=odense_manager, intervention=intervention, municipality=odense
        ),
        lambda: services.record_practice_assessment(
            actor=odense_manager,
            intervention=intervention,
            municipality=odense,
            scores=dict.fromkeys(PracticeElement.values, 1),
            assessed_on=datetime.date(2025, 1, 1),
        ),
    ]
    for call in calls:
        _refused_without_state(call)


def test_an_unknown_decision_is_refused_for_permission_before_it_is_validated(odense_manager, hidden):
    with pytest.raises(PermissionDenied):
        services.decide_gate_review(
            actor=odense_manager, review=hidden["decided"], decision="nonsense", reason="", expected_version=0
        )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("interventions:start_review", "intervention"),
        ("interventions:stop", "intervention"),
        ("interventions:return_to_phase", "intervention"),
        ("interventions:join", "intervention"),
        ("interventions:practice_new", "intervention"),
        ("interventions:review_submit", "draft"),
        ("interventions:review_edit", "draft"),
        ("interventions:review_detail", "decided"),
    ],
)
def test_every_page_answers_an_outsider_with_403_or_404_and_no_state(odense_manager, hidden, name, key):
    client = logged_in(odense_manager)
    url = reverse(name, args=[hidden[key].pk])
    for response in (client.get(url), client.post(url, {"reason": "x", "phase": "screening"})):
        assert response.status_code in (403, 404, 405)
        body = response.content.decode()
        assert not any(word in body for word in STATE_WORDS)


def test_the_decision_api_answers_an_outsider_with_403_and_no_state(odense_manager, hidden):
    response = logged_in(odense_manager).post(
        f"/api/interventions/gate-reviews/{hidden['decided'].pk}/decision",
        {"decision": "approve", "reason": "x", "version": 0},
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    assert not any(word in response.content.decode() for word in STATE_WORDS)
