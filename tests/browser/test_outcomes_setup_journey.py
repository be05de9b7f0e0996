"""Setting up result documentation in the browser: the agency adds rounds (one refused for overlapping),
sets the retention period and assigns an evaluator; a partner municipality's caseworker reads the set-up."""

from __future__ import annotations

import datetime

import pytest

from indsats.accounts.models import OrganisationKind, Role
from indsats.interventions.models import Partnership
from indsats.outcomes.models import EvaluatorAssignment, MeasurementRound, RetentionPolicy
from tests.factories import PASSWORD, OrganisationFactory, person_with_role
from tests.outcomes.factories import InterventionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(transactional_db, agency, aarhus):
    intervention = InterventionFactory(name="Skolefravær i udskolingen", owner=agency)
    Partnership.objects.create(
        intervention=intervention, municipality=aarhus, role="pilot", joined_on=datetime.date(2024, 8, 1)
    )
    OrganisationFactory(kind=OrganisationKind.EVALUATOR, name="Evalueringshuset")
    person_with_role(Role.AGENCY_STAFF, agency, username="styrelse-setup")
    person_with_role(Role.CASEWORKER, aarhus, username="cw-setup")
    return intervention


def add_round(page, kind: str, opens_on: str, closes_on: str) -> None:
    page.page.click("text=Tilføj målerunde")
    page.page.select_option("#id_kind", kind)
    page.page.fill("#id_opens_on", opens_on)
    page.page.fill("#id_closes_on", closes_on)
    page.page.click("main button[type=submit]")


def test_the_agency_sets_up_rounds_retention_and_an_evaluator(page, scene):
    page.login("styrelse-setup", PASSWORD)
    page.goto("/resultater/")
    page.page.click("text=Skolefravær i udskolingen")
    assert page.page.locator("h1").inner_text() == "Opsætning af resultatdokumentation"
    page.check("outcomes-setup-empty")

    add_round(page, "baseline", "2025-01-01", "2025-03-31")
    assert "Målerunden er tilføjet" in page.page.content()

    # the next round is suggested (3 months, number 1); dates overlapping the baseline are refused
    page.page.click("text=Tilføj målerunde")
    assert page.page.input_value("#id_kind") == "m3" and page.page.input_value("#id_order") == "1"
    page.page.fill("#id_opens_on", "2025-03-15")
    page.page.fill("#id_closes_on", "2025-05-31")
    page.page.click("main button[type=submit]")
    assert "Datoerne overlapper runden Før (baseline)" in page.page.content()
    page.check("outcomes-setup-round-overlap")
    page.page.fill("#id_opens_on", "2025-04-01")
    page.page.click("main button[type=submit]")
    assert "Målerunden er tilføjet" in page.page.content()

    page.page.fill("#id_retention_days", "730")
    page.page.click("text=Gem opbevaringstid")
    assert "Opbevaringstiden er gemt" in page.page.content()
    page.page.select_option("#id_evaluator", label="Evalueringshuset")
    page.page.click("text=Tilknyt evaluator")
    assert "Evalueringshuset er tilknyttet som evaluator" in page.page.content()
    page.check("outcomes-setup-done")

    rounds = MeasurementRound.objects.filter(intervention=scene).order_by("order")
    assert [(r.kind, r.order, r.opens_on.isoformat()) for r in rounds] == [
        ("baseline", 0, "2025-01-01"),
        ("m3", 1, "2025-04-01"),
    ]
    assert RetentionPolicy.objects.get(intervention=scene).retention_days == 730
    assert EvaluatorAssignment.objects.get(intervention=scene).evaluator.name == "Evalueringshuset"

    # the 3-month round has no measurements: it can be deleted from the table
    page.page.click("text=Slet 3 måneder")
    assert "Målerunden 3 måneder er slettet" in page.page.content()
    assert MeasurementRound.objects.filter(intervention=scene).count() == 1


def test_a_partner_caseworker_reads_the_set_up_without_forms(page, scene):
    MeasurementRound.objects.create(
        intervention=scene,
        kind="baseline",
        opens_on=datetime.date(2025, 1, 1),
        closes_on=datetime.date(2025, 3, 31),
    )
    page.login("cw-setup", PASSWORD)
    page.goto("/resultater/")
    page.page.click("text=Skolefravær i udskolingen")
    content = page.page.content()
    assert "Før (baseline)" in content and "Kun styrelsen kan ændre opsætningen" in content
    assert page.page.locator("#id_retention_days").count() == 0
    page.check("outcomes-setup-read-only")
