import pytest

from indsats.dashboard.demo import load_demo
from indsats.interventions.access import gate_readiness
from indsats.interventions.models import (
    ChecklistItem,
    GateReview,
    Intervention,
    KnowledgeDeclaration,
    PracticeAssessment,
    ReviewStatus,
)
from indsats.interventions.workflow import InterventionState

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(Intervention.objects.values_list("name", "state", "owner__name", "programme"))


def test_demo_shows_every_phase_and_end_state_with_the_phase_model_filled_in():
    load_demo(scale=1, log=lambda _message: None)
    states = set(Intervention.objects.values_list("state", flat=True))
    assert states == set(InterventionState.values)
    assert GateReview.objects.filter(status=ReviewStatus.SUBMITTED).count() >= 2
    assert GateReview.objects.filter(status=ReviewStatus.DRAFT).exists()
    assert GateReview.objects.filter(status=ReviewStatus.DECIDED, decision="reject").exists()
    assert (
        ChecklistItem.objects.filter(is_done=True).exists()
        and ChecklistItem.objects.filter(is_done=False).exists()
    )
    assert PracticeAssessment.objects.filter(municipality__municipality_code="751").exists()
    assert PracticeAssessment.objects.filter(municipality__municipality_code="461").exists()
    assert KnowledgeDeclaration.objects.exists()
    # every intervention's history starts with its registration
    assert all(i.events.filter(kind="created").exists() for i in Intervention.objects.all())


def test_a_submitted_demo_review_is_ready_for_the_gate():
    load_demo(scale=1, log=lambda _message: None)
    for review in GateReview.objects.filter(status=ReviewStatus.SUBMITTED):
        assert gate_readiness(review) is None, review


def test_demo_interventions_are_deterministic_and_grow_with_scale():
    from indsats.accounts import demo as accounts_demo
    from indsats.accounts.demo import DemoContext
    from indsats.interventions import demo

    base = DemoContext(scale=1, seed=1, log=lambda _message: None)
    accounts_demo.load(base)

    def run(scale, seed):
        Intervention.objects.all().delete()
        context = DemoContext(scale=scale, seed=seed, log=lambda _message: None)
        context.objects.update(base.objects)
        demo.load(context)
        return _snapshot()

    first = run(1, 11)
    assert run(1, 11) == first
    assert len(run(2, 11)) > len(first)
