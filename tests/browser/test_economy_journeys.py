"""An economist opens an intervention's business case, edits a cost and an outcome, computes, reads the
charts, compares with another case and downloads the Excel workbook; a large case computes in the
background while the page shows its progress."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from indsats.accounts.models import Role
from indsats.economy import services
from indsats.economy.computation import run_computation
from indsats.economy.models import BusinessCaseResult, ResultStatus
from tests.economy.factories import (
    InterventionFactory,
    PriceCatalogueFactory,
    UnitPriceFactory,
    worked_example_case,
)
from tests.factories import PASSWORD, person_with_role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def economy_setup(transactional_db):
    economist = person_with_role(Role.ECONOMIST, username="okonom-browser", first_name="Øjvind")
    catalogue = PriceCatalogueFactory(version=1, title="Priskatalog 2024 (test)", is_published=True)
    UnitPriceFactory(catalogue=catalogue, name="Anbringelse i plejefamilie", amount=Decimal("420000"))
    intervention = InterventionFactory(name="Familiebehandling i hjemmet")
    case = worked_example_case(
        intervention=intervention, name="Familiebehandling, 10 familier", catalogue=catalogue, draws=2000
    )
    other = worked_example_case(name="Alternativ: gruppeforløb", catalogue=catalogue, draws=2000)
    services.request_computation(actor=economist, case=other)
    return {"economist": economist, "case": case, "other": other}


def test_economist_edits_computes_compares_and_downloads_excel(page, economy_setup):
    case = economy_setup["case"]
    page.login("okonom-browser", PASSWORD)
    page.goto(f"/oekonomi/?indsats={case.intervention_id}")
    page.check("economy-index")
    page.page.click(f"text={case.name}")
    assert "Casen er ikke beregnet endnu" in page.page.content()
    page.check("economy-case")

    page.page.click("main a:has-text('Redigér')")
    page.page.fill("#id_outcomes-0-share_stat", "0.3")  # shares now sum to 0.9
    page.page.click("button:has-text('Gem og beregn')")
    assert "Der er fejl i business casen" in page.page.content()
    assert "Effekt 1 (”placements”), andel kommune" in page.page.content()
    page.check("economy-case-edit-error")

    page.page.fill("#id_outcomes-0-share_stat", "0.4")
    page.page.fill("#id_costs-0-value", "1200")
    page.page.fill("#id_outcomes-0-effect_estimate", "-0.25")
    page.check("economy-case-edit")
    page.page.click("button:has-text('Gem og beregn')")
    page.page.wait_for_url("**/oekonomi/beregninger/**")
    body = page.page.content()
    assert "Business casen er gemt" in body
    assert page.page.locator("figure svg[role=img]").count() == 3
    # NPV by hand: gains 1.25 x 1750 = 2187.5, costs 2200 -> -12.5 (shown as -12 kr.: half to even)
    assert "\u221212\u00a0kr." in page.page.locator(".economy-figures").inner_text()
    page.check("economy-result")

    page.page.select_option("#compare-b", label=page.page.locator("#compare-b option").first.inner_text())
    page.page.click("button:has-text('Sammenlign')")
    assert page.page.locator(".economy-compare section").count() == 2
    assert "Alternativ: gruppeforløb" in page.page.content()
    page.check("economy-compare")

    page.page.go_back()
    with page.page.expect_download() as download_info:
        page.page.click("text=Hent Excel")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    figures = {row[0]: row[1] for row in workbook["Nøgletal"].iter_rows(values_only=True)}
    assert figures["Nettonutidsværdi (kr.)"] == pytest.approx(-12.5)


def test_a_large_case_shows_progress_and_the_result_when_the_worker_is_done(page, economy_setup):
    case = economy_setup["case"]
    case.draws = services.INLINE_DRAWS + 10_000
    case.save()
    page.login("okonom-browser", PASSWORD)
    page.goto(f"/oekonomi/business-cases/{case.pk}/")
    page.page.click("main button:has-text('Beregn')")
    page.page.wait_for_url("**/oekonomi/beregninger/**")
    assert "Beregner i baggrunden" in page.page.content()
    page.check("economy-progress")
    result = BusinessCaseResult.objects.get(case=case)
    run_computation(result_id=result.pk)  # what the worker does
    page.page.wait_for_selector("figure svg[role=img]", timeout=15000)
    assert BusinessCaseResult.objects.get(pk=result.pk).status == ResultStatus.DONE
    assert "Fordelingen af nettonutidsværdien" in page.page.content()


def test_agency_staff_makes_a_new_catalogue_edition_and_changes_a_price(page, economy_setup):
    person_with_role(Role.AGENCY_STAFF, username="styrelse-browser")
    page.login("styrelse-browser", PASSWORD)
    page.goto("/oekonomi/priskatalog/")
    page.check("economy-catalogue-list")
    page.page.click("button:has-text('Opret ny version')")
    assert "Den nye version er oprettet som kladde" in page.page.content()
    assert "Anbringelse i plejefamilie" in page.page.content()  # copied from version 1
    page.check("economy-catalogue-draft")
    page.page.click("main a:has-text('Redigér')")
    page.page.fill("#id_amount", "430000")
    page.page.fill("#id_share_kommune", "0.5")
    page.page.click("main button[type=submit]")
    assert "summerer til 0,5" in page.page.content()
    page.check("economy-unit-price-error")
    page.page.fill("#id_share_stat", "0.5")
    page.page.click("main button[type=submit]")
    assert "430.000\u00a0kr." in page.page.locator("main").inner_text()
    page.page.click("button:has-text('Offentliggør')")
    assert "kan ikke længere ændres" in page.page.content()
    page.goto("/oekonomi/prisindeks/")
    page.check("economy-price-index")
