"""Result documentation in the browser: a questionnaire by keyboard, an import with errors then a good one,
completeness, insight with its chart, the agency's instrument lists and an evaluator's export page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.dashboard.demo import load_demo
from indsats.outcomes.models import Measurement, MeasurementRound
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows

# The demo restores the agency's playbook and vocabulary itself (interventions.playbook.ensure_playbook),
# so no serialized rollback is needed after other transactional tests have flushed the database.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    load_demo(scale=1, log=lambda _message: None)


def test_a_caseworker_registers_a_child_and_enters_a_questionnaire_by_keyboard(page, demo):
    page.login("sagsbehandler-aarhus", DEMO_PASSWORD)
    page.goto("/resultater/")
    page.check("outcomes-index-caseworker")
    page.page.click("text=Børn og spørgeskemaer")
    page.page.fill("#id_cpr", "010115-4003")
    page.page.select_option("#id_intervention", index=1)
    page.page.fill("#id_local_reference", "SAG-2026-4711")
    page.check("outcomes-participants")
    page.page.click("main button[type=submit]")
    assert "Barnet er registreret" in page.page.content()
    assert "010115" not in page.page.content() and "SAG-2026-4711" in page.page.content()
    page.check("outcomes-participant-detail")
    # the list finds the child by the beginning of its local reference (a GET search box)
    detail_url = page.page.url
    page.goto("/resultater/deltagere/")
    page.page.fill("#filter-reference", "sag-2026-47")
    page.page.press("#filter-reference", "Enter")
    page.page.wait_for_url("**reference=sag-2026-47*")
    assert "1 barn har en lokal reference" in page.page.content()
    assert page.page.locator("main table tbody tr").count() == 1
    assert page.page.locator("main table tbody td", has_text="SAG-2026-4711").count() == 1
    page.check("outcomes-participants-by-reference")
    page.page.goto(detail_url)
    page.page.click("text=SDQ, forældreversion")
    # answered today, in the round open today: both are preselected, so a questionnaire dated today saves
    assert page.page.input_value("#id_measured_on") == timezone.localdate().isoformat()
    assert page.page.locator("#id_round option:checked").get_attribute("value") != ""
    # keyboard only: focus the first answer of item 1, then Space selects, Tab moves to the next item
    page.page.focus("#id_sdq1_0")
    for _item in range(25):
        page.page.keyboard.press("ArrowRight")  # "Passer delvist"
        page.page.keyboard.press("Tab")
    page.check("outcomes-questionnaire")
    page.page.click("main button[type=submit]")
    assert "Spørgeskemaet er gemt og scoret" in page.page.content()
    assert "total_difficulties: 20" in page.page.content()
    page.check("outcomes-participant-measured")


def test_a_caseworker_imports_a_broken_file_then_a_good_one(page, demo):
    baseline = MeasurementRound.objects.filter(kind="baseline").order_by("pk").first()
    before = Measurement.objects.count()
    page.login("sagsbehandler-aarhus", DEMO_PASSWORD)
    page.goto("/resultater/import/")
    page.page.select_option("#id_round", str(baseline.pk))
    in_round = (baseline.opens_on + datetime.timedelta(days=10)).isoformat()
    rows = sdq_rows(40, measured_on=in_round, start=500)
    rows[3][4] = "5"
    rows[7][0] = "123"
    page.page.set_input_files(
        "#id_file", {"name": "fejl.csv", "mimeType": "text/csv", "buffer": csv_bytes(HEADER, rows)}
    )
    page.check("outcomes-import-form")
    page.page.click("main button[type=submit]")
    content = page.page.content()
    assert "Filen har 2 fejl" in content and "uden for skalaen" in content
    page.check("outcomes-import-errors")
    assert Measurement.objects.count() == before

    page.goto("/resultater/import/")
    page.page.select_option("#id_round", str(baseline.pk))
    good = sdq_rows(40, measured_on=in_round, start=500)
    page.page.set_input_files(
        "#id_file", {"name": "god.csv", "mimeType": "text/csv", "buffer": csv_bytes(HEADER, good)}
    )
    page.page.click("main button[type=submit]")
    assert "Alle rækker er gyldige" in page.page.content()
    page.check("outcomes-import-preview")
    page.page.click("text=Gem 40 målinger")
    page.page.wait_for_selector("text=40 målinger importeret.")
    page.check("outcomes-import-done")
    assert Measurement.objects.count() == before + 40


def test_completeness_and_insight_for_a_municipality(page, demo):
    page.login("sagsbehandler-odense", DEMO_PASSWORD)
    page.goto("/resultater/fuldstaendighed/")
    assert "Odense Kommune" in page.page.content() and "Aarhus Kommune" not in page.page.content()
    page.check("outcomes-completeness")
    page.goto("/resultater/indsigt/")
    assert page.page.locator("svg[role=img]").count() == 1
    page.check("outcomes-insight")


def test_the_agency_sees_lists_reasons_and_aggregates(page, demo):
    page.login("styrelse", DEMO_PASSWORD)
    page.goto("/resultater/maaleredskaber/")
    page.check("outcomes-instruments")
    page.goto("/resultater/begrundelser/")
    assert "WHO-5" in page.page.content()
    page.check("outcomes-explanations")
    page.goto("/resultater/fuldstaendighed/")
    assert "Aarhus Kommune" in page.page.content() and "Odense Kommune" in page.page.content()
    page.check("outcomes-completeness-agency")


def test_an_evaluator_sees_the_export_page(page, demo):
    page.login("evaluator", DEMO_PASSWORD)
    page.goto("/resultater/eksport/")
    page.check("outcomes-export")
