"""Factories of the economy app."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from indsats.economy.models import (
    BusinessCase,
    CostLine,
    OutcomeLine,
    PriceCatalogue,
    PriceIndex,
    UnitPrice,
)


class PriceCatalogueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceCatalogue

    version = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"Priskatalog version {o.version}")
    is_published = False


class UnitPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitPrice

    catalogue = factory.SubFactory(PriceCatalogueFactory)
    name = factory.Sequence(lambda n: f"Enhedspris {n}")
    unit = "pr. år"
    amount = Decimal("400000")
    price_year = 2023
    share_kommune = Decimal(1)
    share_region = Decimal(0)
    share_stat = Decimal(0)
    source = "Illustrativ testpris"
    valid_from = datetime.date(2024, 1, 1)


class PriceIndexFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceIndex
        django_get_or_create = ("year",)

    year = 2023
    index = Decimal("100")
    source = "Testindeks"


class InterventionFactory(factory.django.DjangoModelFactory):
    """A minimal intervention (the interventions app's own factories may replace this one)."""

    class Meta:
        model = "interventions.Intervention"

    name = factory.Sequence(lambda n: f"Familiebehandling {n}")
    short_description = "Familiebehandling for børn i risiko for anbringelse"
    activities = "Familiesamtaler\nUddannelse af familiebehandlere\nOpfølgende besøg"
    origin = "municipal_practice"
    owner = factory.SubFactory("tests.factories.AgencyFactory")
    state_entered_at = factory.LazyFunction(lambda: datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))


class BusinessCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessCase

    intervention = factory.SubFactory(InterventionFactory)
    name = factory.Sequence(lambda n: f"Business case {n}")
    participants = 10
    price_year = 2024
    horizon_years = 3
    discount = "flat-0"
    draws = 0
    seed = 1


class CostLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostLine

    case = factory.SubFactory(BusinessCaseFactory)
    name = "Opstart"
    payer = "kommune"
    basis = "amount"
    value = Decimal("1000")
    years = "0"


class OutcomeLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeLine

    case = factory.SubFactory(BusinessCaseFactory)
    name = factory.Sequence(lambda n: f"Anbringelser {n}")
    baseline = Decimal("0.5")
    effect_type = "relative"
    effect_estimate = Decimal("-0.2")
    effect_se = Decimal("0.05")
    effect_source = "Testkilde"
    full_years = 1
    decay = Decimal("0.5")
    unit_price_amount = Decimal("1000")
    unit_price_source = "Testpris"
    share_kommune = Decimal("0.6")
    share_region = Decimal("0")
    share_stat = Decimal("0.4")


def worked_example_case(**fields: object) -> BusinessCase:
    """The minimal case worked by hand in docs/business-case.md (flat 10 % in the document; here the
    closest stored choice is used by the caller when it matters)."""
    case = BusinessCaseFactory(**fields)
    CostLineFactory(case=case, name="start-up", value=Decimal("1000"), years="0")
    CostLineFactory(case=case, name="sessions", basis="per_participant", value=Decimal("50"), years="0, 1")
    OutcomeLineFactory(case=case, name="placements")
    return case
