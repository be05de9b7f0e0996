"""Journeys a newcomer walks end to end (issue #12): no dead end after everything is filled in, defaults
that work, and numbers typed the Danish way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indsats.accounts.models import Role
from indsats.economy.models import BusinessCase
from tests.economy.factories import (
    InterventionFactory,
    PriceCatalogueFactory,
    PriceIndexFactory,
    UnitPriceFactory,
)
from tests.factories import PASSWORD, person_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_economist_makes_a_case_with_a_catalogue_price_and_a_danish_decimal_comma(page, transactional_db):
    person_with_role(Role.ECONOMIST, username="okonom-rejse")
    for year, index in ((2022, "97.2"), (2023, "100"), (2024, "102.6")):
        PriceIndexFactory(year=year, index=Decimal(index))
    catalogue = PriceCatalogueFactory(version=1, title="Priskatalog (test)", is_published=True)
    UnitPriceFactory(catalogue=catalogue, name="Anbringelse i plejefamilie", price_year=2023)
    InterventionFactory(name="Familiebehandling i hjemmet")

    page.login("okonom-rejse", PASSWORD)
    page.goto("/oekonomi/business-cases/ny/")
    # the newest year the index knows, not this calendar year (which has no index number yet)
    assert page.page.input_value("#id_price_year") == "2024"
    assert "Prisindekset har tal for 2022–2024" in page.page.content()
    page.check("journeys-case-create")
    page.page.select_option("#id_intervention", label="Familiebehandling i hjemmet")
    page.page.fill("#id_name", "Familiebehandling, 20 familier")
    page.page.fill("#id_participants", "20")
    page.page.click("main button[type=submit]")
    page.page.wait_for_url("**/rediger/")

    page.page.fill("#id_outcomes-0-name", "Anbringelser")
    page.page.select_option("#id_outcomes-0-effect_type", "relative")
    page.page.click("#id_outcomes-0-effect_estimate")
    page.page.keyboard.type("-0,2")  # typed as a Danish user types it
    page.page.fill("#id_outcomes-0-effect_se", "0,05")
    page.page.fill("#id_outcomes-0-baseline", "0,5")
    page.page.fill("#id_outcomes-0-effect_source", "RCT 2024")
    page.page.select_option("#id_outcomes-0-unit_price", index=1)  # the catalogue price
    page.page.click("button:has-text('Gem'):not(:has-text('beregn'))")
    body = page.page.content()
    assert "prisindekset har intet tal" not in body, body
    case = BusinessCase.objects.get(name="Familiebehandling, 20 familier")
    assert case.price_year == 2024
    assert case.outcomes.get().effect_estimate == Decimal("-0.2")
    page.check("journeys-case-saved")


def test_the_api_docs_render_from_our_own_origin_under_our_csp(page, transactional_db):
    person_with_role(Role.AGENCY_STAFF, username="styrelse-api")
    page.login("styrelse-api", PASSWORD)
    requests: list[str] = []
    page.page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs")
    page.page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Indsats API" in page.page.inner_text(".swagger-ui .info .title")
    assert all(url.startswith(page.base_url) or url.startswith("data:") for url in requests), requests
    assert page.csp_violations == []
    page.page.screenshot(path="test-artifacts/screenshots/journeys-api-docs.png", full_page=False)


def test_a_double_click_on_a_create_button_creates_one(page, transactional_db):
    person_with_role(Role.ECONOMIST, username="okonom-dobbelt")
    PriceIndexFactory(year=2024)
    InterventionFactory(name="Familiebehandling i hjemmet")
    page.login("okonom-dobbelt", PASSWORD)
    page.goto("/oekonomi/business-cases/ny/")
    page.page.select_option("#id_intervention", label="Familiebehandling i hjemmet")
    page.page.fill("#id_name", "Dobbeltklik")
    page.page.fill("#id_participants", "10")
    with page.page.expect_navigation():
        page.page.dblclick("main button[type=submit]")
    page.page.wait_for_load_state("networkidle")
    assert BusinessCase.objects.filter(name="Dobbeltklik").count() == 1


def test_an_economist_names_the_intervention_when_there_are_too_many_to_list(
    page, transactional_db, monkeypatch
):
    """Issue 16: with more interventions than a drop-down lists, the form asks for the name or the number;
    a name that fits several lists them, and the whole name picks one."""
    from indsats.interventions import fields

    monkeypatch.setattr(fields, "PICK_LIST_MAX", 2)  # the live server runs in this process
    person_with_role(Role.ECONOMIST, username="okonom-mange")
    PriceIndexFactory(year=2024, index=Decimal("102.6"))
    for name in ("Familiebehandling i hjemmet", "Familiebehandling i dagtilbud", "Mentorordning"):
        InterventionFactory(name=name)

    page.login("okonom-mange", PASSWORD)
    page.goto("/oekonomi/business-cases/ny/")
    assert page.page.locator("select#id_intervention").count() == 0
    page.page.fill("#id_intervention", "familiebehandling")
    page.page.fill("#id_name", "Familiebehandling, 10 familier")
    page.page.fill("#id_participants", "10")
    page.page.click("main button[type=submit]")
    page.page.wait_for_selector(".form-error-message")
    assert "Flere indsatser passer på »familiebehandling«" in page.page.content()
    page.check("journeys-case-intervention-search")
    page.page.fill("#id_intervention", "Familiebehandling i dagtilbud")
    page.page.click("main button[type=submit]")
    page.page.wait_for_url("**/rediger/")
    case = BusinessCase.objects.get(name="Familiebehandling, 10 familier")
    assert case.intervention.name == "Familiebehandling i dagtilbud"
