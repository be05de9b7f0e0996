"""Factories for the grants app."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from indsats.grants.models import Initiative, Pool, PoolStatus, Programme, ProgrammeYear
from indsats.grants.scoring import DEFAULT_WEIGHTS


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Program {n}")


class ProgrammeYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeYear

    programme = factory.SubFactory(ProgrammeFactory)
    year = 2026
    frame = Decimal("90000000.00")


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    programme_year = factory.SubFactory(ProgrammeYearFactory)
    name = factory.Sequence(lambda n: f"Initiativ {n}")
    budget = Decimal("18000000.00")


class PoolFactory(factory.django.DjangoModelFactory):
    """A published pool, open now, with the four weighted criteria."""

    class Meta:
        model = Pool
        skip_postgeneration_save = True

    initiative = factory.SubFactory(InitiativeFactory)
    title = factory.Sequence(lambda n: f"Pulje {n}")
    purpose = "At dokumentere lovende kommunal praksis."
    target_group = "Børn og unge 0-18 år i udsatte positioner."
    eligible_applicants = factory.LazyFunction(lambda: ["municipality"])
    budget = Decimal("12000000.00")
    max_per_grant = Decimal("2000000.00")
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))
    deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=20))
    required_attachments = "Budget"
    status = PoolStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def criteria(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            for criterion, weight in DEFAULT_WEIGHTS.items():
                self.criteria.create(criterion=criterion, weight=weight)
