"""Factories and helpers for the interventions app's tests."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from indsats.interventions import portfolio_totals
from indsats.interventions.models import (
    ChecklistItem,
    Criterion,
    CriterionAssessment,
    GateReview,
    Intervention,
    Origin,
    PartnerRole,
    Partnership,
    PhaseRecord,
    ProblemArea,
    Rating,
    ReviewStatus,
)
from indsats.interventions.workflow import InterventionState, is_phase
from tests.factories import AgencyFactory


class InterventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervention
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Indsats {n:04d}")
    short_description = "En indsats for børn og unge."
    origin = Origin.MUNICIPAL_PRACTICE
    owner = factory.SubFactory(AgencyFactory)
    state = InterventionState.SCREENING
    state_entered_at = factory.LazyFunction(timezone.now)
    programme = "BUIP 2020: Bekymrende skolefravær"

    @factory.post_generation
    def phase_record(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and is_phase(self.state):
            PhaseRecord.objects.open_for(self, self.state)
        if create:
            portfolio_totals.recount()  # as create_intervention does


def complete_checklist(intervention: Intervention) -> None:
    ChecklistItem.objects.filter(phase_record__intervention=intervention).update(
        is_done=True, done_on=datetime.date.today()
    )


def ready_review(
    intervention: Intervention, *, status: str = ReviewStatus.DRAFT, phase: str | None = None
) -> GateReview:
    """A review with all five criteria assessed and a rationale (the checklist is not touched)."""
    review = GateReview.objects.create(
        intervention=intervention,
        phase=phase or (intervention.state if is_phase(intervention.state) else InterventionState.SCREENING),
        status=status,
        submitted_at=timezone.now() if status == ReviewStatus.SUBMITTED else None,
    )
    CriterionAssessment.objects.bulk_create(
        CriterionAssessment(review=review, criterion=c, rating=Rating.MET, rationale="Begrundet.")
        for c in Criterion.values
    )
    portfolio_totals.recount()  # as the review services do
    return review


def partner(intervention: Intervention, municipality: Any) -> Partnership:
    return Partnership.objects.create(
        intervention=intervention,
        municipality=municipality,
        role=PartnerRole.PILOT,
        joined_on=datetime.date.today(),
    )


def problem_area(name: str = "Bekymrende skolefravær") -> ProblemArea:
    return ProblemArea.objects.get(name=name)


def current_record(intervention: Intervention) -> PhaseRecord:
    return PhaseRecord.objects.get(intervention=intervention, phase=intervention.state)
