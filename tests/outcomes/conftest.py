"""Fixtures of the outcomes tests: an intervention with rounds, instruments, managers, an evaluator."""

from __future__ import annotations

import datetime

import pytest

from indsats.accounts.models import OrganisationKind, Role
from indsats.outcomes.models import EvaluatorAssignment, Instrument, RoundKind
from indsats.outcomes.registry import ensure_builtin_instruments
from tests.factories import OrganisationFactory, person_with_role
from tests.outcomes.factories import InterventionFactory, RoundFactory


@pytest.fixture
def instruments(db):
    ensure_builtin_instruments()
    return Instrument.objects.all()


@pytest.fixture
def sdq(instruments) -> Instrument:
    return instruments.get(key="sdq-parent-4-17")


@pytest.fixture
def who5(instruments) -> Instrument:
    return instruments.get(key="who-5")


@pytest.fixture
def intervention(db, agency):
    return InterventionFactory(name="Skolefravær", owner=agency)


@pytest.fixture
def baseline(intervention):
    return RoundFactory(intervention=intervention, kind=RoundKind.BASELINE, order=0)


@pytest.fixture
def month6(intervention):
    return RoundFactory(
        intervention=intervention,
        kind=RoundKind.MONTH_6,
        order=2,
        opens_on=datetime.date(2025, 6, 1),
        closes_on=datetime.date(2025, 9, 30),
    )


@pytest.fixture
def three_rounds(intervention, baseline, month6):
    """Baseline, 6 and 12 months: the rounds of the insight tests."""
    month12 = RoundFactory(
        intervention=intervention,
        kind=RoundKind.MONTH_12,
        order=3,
        opens_on=datetime.date(2025, 12, 1),
        closes_on=datetime.date(2026, 3, 31),
    )
    return [baseline, month6, month12]


@pytest.fixture
def aarhus_manager(aarhus):
    return person_with_role(Role.MUNICIPALITY_MANAGER, aarhus, username="leder-aarhus")


@pytest.fixture
def odense_manager(odense):
    return person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="leder-odense")


@pytest.fixture
def assigned_evaluator(intervention):
    organisation = OrganisationFactory(kind=OrganisationKind.EVALUATOR, name="Evalueringshuset")
    EvaluatorAssignment.objects.create(evaluator=organisation, intervention=intervention)
    return person_with_role(Role.EVALUATOR, organisation, username="eva-assigned")


@pytest.fixture
def tasks_immediate(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings
