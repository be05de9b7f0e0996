"""Factories for the outcomes tests (interventions are built directly: their app's factories may change)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from indsats.interventions.models import Intervention
from indsats.outcomes.models import MeasurementRound, RoundKind
from tests.factories import AgencyFactory


class InterventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervention

    name = factory.Sequence(lambda n: f"Indsats {n}")
    short_description = "En indsats til test"
    origin = "agency"
    owner = factory.SubFactory(AgencyFactory)
    state_entered_at = factory.LazyFunction(timezone.now)


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeasurementRound

    intervention = factory.SubFactory(InterventionFactory)
    kind = RoundKind.BASELINE
    opens_on = datetime.date(2025, 1, 1)
    closes_on = datetime.date(2025, 3, 31)
    order = 0
