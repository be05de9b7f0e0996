"""Fixtures of the evaluation tests: two interventions with rounds and SDQ scores, an assigned evaluator."""

from __future__ import annotations

import datetime

import pytest

from indsats.accounts.models import OrganisationKind, Role
from indsats.outcomes.models import EvaluatorAssignment, Instrument, RoundKind
from indsats.outcomes.registry import ensure_builtin_instruments
from tests.evaluation.factories import add_scores
from tests.factories import OrganisationFactory, person_with_role
from tests.outcomes.factories import InterventionFactory, RoundFactory

# total difficulties (lower is better) before and after for 24 treated and 24 comparison children
TREATED = [(20 + (i % 7), 20 + (i % 7) - 3 - (i % 4)) for i in range(24)]
CONTROL = [(19 + (i % 6), 19 + (i % 6) - (i % 3)) for i in range(24)]


@pytest.fixture
def sdq(db) -> Instrument:
    ensure_builtin_instruments()
    return Instrument.objects.get(key="sdq-parent-4-17", version=1)


def _rounds(intervention):
    return (
        RoundFactory(intervention=intervention, kind=RoundKind.BASELINE, order=0),
        RoundFactory(
            intervention=intervention,
            kind=RoundKind.MONTH_12,
            order=2,
            opens_on=datetime.date(2026, 1, 1),
            closes_on=datetime.date(2026, 3, 31),
        ),
    )


@pytest.fixture
def intervention(db, agency):
    return InterventionFactory(name="Skolefravær", owner=agency)


@pytest.fixture
def comparison(db, agency):
    return InterventionFactory(name="Sædvanlig praksis", owner=agency)


@pytest.fixture
def rounds(intervention, comparison, sdq, aarhus, odense):
    own = _rounds(intervention)
    other = _rounds(comparison)
    add_scores(rounds=own, instrument=sdq, municipalities=[aarhus, odense], pairs=TREATED, prefix="t")
    add_scores(rounds=other, instrument=sdq, municipalities=[aarhus, odense], pairs=CONTROL, prefix="c")
    return own


@pytest.fixture
def assigned_evaluator(intervention):
    organisation = OrganisationFactory(kind=OrganisationKind.EVALUATOR, name="Evalueringshuset")
    EvaluatorAssignment.objects.create(evaluator=organisation, intervention=intervention)
    return person_with_role(Role.EVALUATOR, organisation, username="eva-assigned")
