"""The økonomi criterion of a gate review reads the money of the initiatives that fund the intervention:
budget, committed and paid, from the grants ledger."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from indsats.grants import services
from indsats.grants.evidence import funding_from_initiatives
from indsats.interventions.evidence import live_facts
from tests.grants.conftest import complete_application
from tests.grants.factories import InitiativeFactory, PoolFactory
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def test_the_gate_review_shows_budget_committed_and_paid_per_initiative(
    aarhus_caseworker, agency_staff, agency_admin
):
    intervention = InterventionFactory(name="Tidlig opsporing")
    initiative = InitiativeFactory(intervention=intervention, name="Skolefravær", budget=Decimal("18000000"))
    pool = PoolFactory(initiative=initiative)
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    grant = services.award_application(
        actor=agency_staff,
        application=application,
        amount=Decimal("800000"),
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2026, 12, 31),
    )
    services.start_grant(actor=aarhus_caseworker, grant=grant, started_on=datetime.date(2026, 1, 5))
    first = grant.instalments.order_by("due_on").first()
    services.prepare_instalment(actor=agency_staff, instalment=first)
    services.approve_instalment(actor=agency_admin, instalment=first)
    InitiativeFactory(name="Et andet initiativ")  # funds no intervention: not shown

    facts = funding_from_initiatives(intervention)
    assert len(facts) == 1
    fact = facts[0]
    assert "Skolefravær" in fact.label and "2026" in fact.label
    # 800,000 kr. over the four quarters of 2026: 200,000 kr. paid so far
    assert first.amount == Decimal("200000.00")
    assert fact.value == "budget 18.000.000\u00a0kr., bevilget 800.000\u00a0kr., udbetalt 200.000\u00a0kr."
    assert fact in live_facts(intervention)["economy"]


def test_an_intervention_without_initiatives_has_no_funding_facts():
    assert funding_from_initiatives(InterventionFactory()) == []
