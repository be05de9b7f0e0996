"""Pools in Chromium: the public opens a pool, a municipality applies, the agency assesses and awards,
the municipality reports. axe-core and a screenshot on every page."""

from __future__ import annotations

import pytest
from django.core import mail

from indsats.accounts.models import Role
from indsats.grants.models import Application, ApplicationStatus, ReportingDuty
from tests.factories import PASSWORD, AgencyFactory, MunicipalityFactory, person_with_role
from tests.grants.factories import PoolFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _logout(page):
    page.page.click("button.log-off")
    page.page.wait_for_url("**/konto/log-ind/**")


def test_open_a_pool_apply_assess_award_and_report(page, media, tmp_path):
    municipality = MunicipalityFactory(name="Aarhus Kommune", municipality_code="751", region="1082")
    person_with_role(Role.CASEWORKER, municipality, username="sara")
    person_with_role(Role.AGENCY_STAFF, AgencyFactory(name="Social- og Boligstyrelsen"), username="soren")
    pool = PoolFactory(title="Dokumentation af lovende praksis", required_attachments="Budget")

    # The public sees the pool and the calendar without logging in.
    page.goto("/puljer/")
    page.check("grants-public-pools")
    page.page.click(f"a[href='/puljer/{pool.pk}/']")
    assert "Tildelingskriterier" in page.page.content()
    page.check("grants-pool-detail")
    page.goto("/puljer/kalender/")
    page.check("grants-calendar")

    # A caseworker applies, uploads the budget and submits before the deadline.
    page.login("sara", PASSWORD)
    page.goto(f"/puljer/{pool.pk}/")
    page.page.click("text=Søg puljen")
    page.check("grants-application-form")
    for field, value in {
        "title": "Tidlig opsporing i dagtilbud",
        "purpose": "At dokumentere vores praksis.",
        "target_group": "Børn 0-6 år",
        "activities": "Kortlægning og måling",
        "timeline": "2026-2027",
        "organisation_text": "Familieafdelingen",
        "amount_requested": "1500000",
    }.items():
        page.page.fill(f"#id_{field}", value)
    with page.page.expect_navigation():
        page.page.click("main button[type=submit]")
    budget = tmp_path / "budget.pdf"
    budget.write_bytes(b"%PDF-1.4 budget")
    page.page.fill("#id_name", "Budget")
    page.page.set_input_files("#id_file", str(budget))
    with page.page.expect_navigation():
        page.page.click("main button:has-text('Upload')")
    page.check("grants-application-draft")
    with page.page.expect_navigation():
        page.page.click("text=Indsend ansøgningen")
    assert "Kvitteringsnummer" in page.page.content()
    page.check("grants-application-submitted")
    application = Application.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    assert any("Kvittering" in message.subject for message in mail.outbox)
    _logout(page)

    # The agency assesses and awards.
    page.login("soren", PASSWORD)
    page.goto(f"/puljer/ansoegninger/{application.pk}/")
    for criterion in pool.criteria.all():
        page.page.check(f"#id_score_{criterion.pk}_4")
    page.check("grants-assessment-form")
    with page.page.expect_navigation():
        page.page.click("main button:has-text('Gem vurdering')")
    assert "Bedømmernes vurderinger" in page.page.content()
    page.goto(f"/puljer/{pool.pk}/rangering/")
    page.check("grants-ranking")
    page.goto(f"/puljer/ansoegninger/{application.pk}/")
    page.page.fill("#id_amount", "1400000")
    page.page.fill("#id_project_start", "2026-02-01")
    page.page.fill("#id_project_end", "2027-01-31")
    with page.page.expect_navigation():
        page.page.click("main button:has-text('Bevilg')")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWARDED
    page.page.click("text=Se brevet")
    assert "Tilsagn om tilskud" in page.page.content()
    page.check("grants-award-letter")
    _logout(page)

    # The municipality reports the start and a status report.
    page.login("sara", PASSWORD)
    page.goto(f"/puljer/tilskud/{application.grant.pk}/")
    page.page.fill("#id_started_on", "2026-02-01")
    with page.page.expect_navigation():
        page.page.click("main button:has-text('Meld startet')")
    assert "Projektet er meldt startet" in page.page.content(), page.page.content()
    duty = ReportingDuty.objects.filter(grant=application.grant).order_by("due_on").first()
    report = tmp_path / "status.pdf"
    report.write_bytes(b"%PDF-1.4 status")
    page.page.click(f"form[action='/puljer/rapporter/{duty.pk}/indsend/'] >> xpath=ancestor::details/summary")
    page.page.set_input_files(f"#id_report-{duty.pk}-file", str(report))
    with page.page.expect_navigation():
        page.page.click(f"form[action='/puljer/rapporter/{duty.pk}/indsend/'] button")
    duty.refresh_from_db()
    assert duty.submitted_at is not None
    page.check("grants-grant-detail")
