"""A grant's whole life in Chromium: award, an extension shown old beside new and approved, payments
under four eyes, two reports (one returned), the project finished, final reports with the accounts,
close-out with a repayment, to "Afsluttet"; a region and a social service provider apply and are
awarded. axe-core and a screenshot on every new page, the grant's page in English too."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from indsats.accounts.models import OrganisationKind, Role
from indsats.grants import services
from indsats.grants.models import (
    Application,
    ApplicationStatus,
    Grant,
    GrantStatus,
    RepaymentStatus,
    ReportKind,
)
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    MunicipalityFactory,
    OrganisationFactory,
    person_with_role,
)
from tests.grants.conftest import complete_application
from tests.grants.factories import PoolFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _logout(page):
    page.page.click("button.log-off")
    page.page.wait_for_url("**/konto/log-ind/**")


def _as(page, username):
    if "log-off" in page.page.content():
        _logout(page)
    page.login(username, PASSWORD)


def _click(page, selector):
    with page.page.expect_navigation():
        page.page.click(selector)


def _open_details(page, form_action):
    page.page.click(f"form[action='{form_action}'] >> xpath=ancestor::details/summary")


def _submit_report(page, duty, tmp_path, note="", spending=None):
    action = f"/puljer/rapporter/{duty.pk}/indsend/"
    _open_details(page, action)
    upload = tmp_path / f"rapport-{duty.pk}.pdf"
    upload.write_bytes(b"%PDF-1.4 report")
    page.page.set_input_files(f"#id_report-{duty.pk}-file", str(upload))
    if note:
        page.page.fill(f"#id_report-{duty.pk}-note", note)
    for category, amount in (spending or {}).items():
        page.page.fill(f"#id_report-{duty.pk}-spent_{category}", amount)
    _click(page, f"form[action='{action}'] button[type=submit]")


def test_a_grant_from_award_through_extension_reports_and_repayment_to_closed(page, media, tmp_path):
    agency = AgencyFactory(name="Social- og Boligstyrelsen")
    aarhus = MunicipalityFactory(name="Aarhus Kommune", municipality_code="751", region="1082")
    sara = person_with_role(Role.CASEWORKER, aarhus, username="sara")
    soren = person_with_role(Role.AGENCY_STAFF, agency, username="soren")
    person_with_role(Role.AGENCY_ADMIN, agency, username="anne")
    pool = PoolFactory(title="Dokumentation af lovende praksis")
    application = complete_application(sara, pool, amount="800000")
    services.set_budget_lines(
        actor=sara,
        application=application,
        lines={
            "staff": (Decimal("600000"), Decimal("100000"), "Aarhus Kommune"),
            "evaluation": (Decimal("200000"), Decimal("0"), ""),
        },
    )
    services.submit_application(actor=sara, application=application)
    today = datetime.date.today()
    grant = services.award_application(
        actor=soren,
        application=application,
        amount=Decimal("800000"),
        project_start=today - datetime.timedelta(days=30),
        project_end=today + datetime.timedelta(days=300),
    )
    url = f"/puljer/tilskud/{grant.pk}/"

    # The grantee reports the start and asks for an extension.
    _as(page, "sara")
    page.goto(url)
    page.page.fill("#id_started_on", (today - datetime.timedelta(days=20)).isoformat())
    _click(page, "main button:has-text('Meld startet')")
    page.page.select_option("#id_kind", "extension")
    page.page.fill("#id_description", "Rekrutteringen tog længere tid end ventet.")
    page.page.fill("#id_new_end", (today + datetime.timedelta(days=480)).isoformat())
    _click(page, "main button:has-text('Send anmodning')")
    change = grant.change_requests.get()

    # The agency sees the plan before and after side by side, and approves.
    _as(page, "soren")
    page.goto(url)
    assert "Planen før og efter forlængelsen" in page.page.content()
    page.check("grants-life-extension-plan")
    page.page.check(f"#id_change-{change.pk}-approve_0")
    page.page.fill(f"#id_change-{change.pk}-note", "Forlængelsen er godkendt.")
    _click(page, f"form[action='/puljer/aendringer/{change.pk}/afgor/'] button[type=submit]")
    grant.refresh_from_db()
    assert grant.project_end == today + datetime.timedelta(days=480)

    # The first instalment: prepared by the agency's staff, approved by an administrator.
    first = grant.instalments.order_by("due_on").first()
    _click(page, f"form[action='/puljer/rater/{first.pk}/forbered/'] button")
    assert page.page.locator(f"form[action='/puljer/rater/{first.pk}/godkend/']").count() == 0
    _as(page, "anne")
    page.goto(url)
    _click(page, f"form[action='/puljer/rater/{first.pk}/godkend/'] button")
    first.refresh_from_db()
    assert first.paid_on is not None
    page.check("grants-life-paid")

    # The first status report is returned with a reason, then submitted again and approved.
    duties = list(grant.reporting_duties.order_by("due_on"))
    status_report = duties[0]
    _as(page, "sara")
    page.goto(url)
    _submit_report(
        page, status_report, tmp_path, note="Status efter første halvår.", spending={"staff": "150000"}
    )
    _as(page, "soren")
    page.goto(url)
    _open_details(page, f"/puljer/rapporter/{status_report.pk}/retur/")
    page.page.fill(f"#id_return-{status_report.pk}-reason", "Beskriv rekrutteringen af familierne.")
    page.check("grants-life-report-review")
    _click(page, f"form[action='/puljer/rapporter/{status_report.pk}/retur/'] button[type=submit]")
    _as(page, "sara")
    page.goto(url)
    assert "Beskriv rekrutteringen af familierne." in page.page.content()
    page.check("grants-life-report-returned")
    _submit_report(
        page, status_report, tmp_path, note="Rekrutteringen er beskrevet.", spending={"staff": "150000"}
    )

    # The project is finished; the grantee submits the final reports with the accounts.
    _click(page, f"form[action='/puljer/tilskud/{grant.pk}/gennemfoert/'] button")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REPORTING
    for duty in grant.reporting_duties.filter(submitted_at__isnull=True).order_by("due_on"):
        spending = {"staff": "60000", "evaluation": "40000"} if duty.kind == ReportKind.ACCOUNTS else None
        _submit_report(page, duty, tmp_path, note="Slutrapport.", spending=spending)

    # The agency approves every report; the final report is approved; the accounts are settled.
    _as(page, "soren")
    page.goto(url)
    for duty in grant.reporting_duties.order_by("due_on"):
        _click(page, f"form[action='/puljer/rapporter/{duty.pk}/godkend/'] button")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.FINAL_APPROVED
    page.check("grants-life-final-approved")
    _click(page, f"form[action='/puljer/tilskud/{grant.pk}/opgoer/'] button")
    claim = grant.repayment_claims.get()
    paid = sum(i.amount for i in grant.instalments.filter(paid_on__isnull=False))
    assert claim.amount == paid - Decimal("100000")  # paid, less the 100,000 spent

    # An administrator approves the claim; the agency registers the repayment and closes the grant.
    _as(page, "anne")
    page.goto(url)
    _click(page, f"form[action='/puljer/tilbagebetalinger/{claim.pk}/godkend/'] button")
    _as(page, "soren")
    page.goto(url)
    _click(page, f"form[action='/puljer/tilbagebetalinger/{claim.pk}/betalt/'] button")
    _click(page, f"form[action='/puljer/tilskud/{grant.pk}/afslut/'] button")
    grant.refresh_from_db()
    claim.refresh_from_db()
    assert grant.status == GrantStatus.COMPLETED and claim.status == RepaymentStatus.PAID
    assert "Afsluttet" in page.page.content()
    page.check("grants-life-closed")
    with page.page.expect_navigation():
        page.page.click("button[name=language][value=en]")
    assert page.page.get_attribute("html", "lang") == "en"
    page.check("grants-life-closed-english")


@pytest.mark.parametrize(
    ("kind", "role", "name"),
    [
        (OrganisationKind.REGION, Role.REGION_MANAGER, "Region Midtjylland"),
        (OrganisationKind.SERVICE_PROVIDER, Role.PROVIDER_MANAGER, "Opholdsstedet Solsikken"),
    ],
)
def test_a_region_and_a_service_provider_apply_and_are_awarded(page, media, tmp_path, kind, role, name):
    agency = AgencyFactory(name="Social- og Boligstyrelsen")
    soren = person_with_role(Role.AGENCY_STAFF, agency, username="soren")
    person_with_role(role, OrganisationFactory(kind=kind, name=name), username="ansoger")
    pool = PoolFactory(
        title="Tidlig indsats", eligible_applicants=["municipality", "region", "service_provider"]
    )

    _as(page, "ansoger")
    page.goto(f"/puljer/{pool.pk}/")
    assert "Sociale tilbud" in page.page.content() and "Regioner" in page.page.content()
    page.page.click("text=Søg puljen")
    for field, value in {
        "title": f"Tidlig indsats hos {name}",
        "purpose": "At afprøve tidlig indsats.",
        "target_group": "Familier med børn 0-6 år",
        "activities": "Uddannelse og forløb",
        "timeline": "2026-2027",
        "organisation_text": "Projektleder",
        "amount_requested": "500000",
    }.items():
        page.page.fill(f"#id_{field}", value)
    _click(page, "main button[type=submit]")
    application = Application.objects.get()
    _open_details(page, f"/puljer/ansoegninger/{application.pk}/budget/")
    page.page.fill("#id_amount_staff", "400000")
    page.page.fill("#id_amount_training", "100000")
    page.page.fill("#id_co_amount_staff", "50000")
    page.page.fill("#id_co_source_staff", name)
    _click(page, f"form[action='/puljer/ansoegninger/{application.pk}/budget/'] button[type=submit]")
    assert application.budget_lines.count() == 2
    budget = tmp_path / "budget.pdf"
    budget.write_bytes(b"%PDF-1.4 budget")
    page.page.fill("#id_name", "Budget")
    page.page.set_input_files("#id_file", str(budget))
    _click(page, "main button:has-text('Upload')")
    page.check(f"grants-{kind}-application")
    _click(page, "text=Indsend ansøgningen")

    _as(page, "soren")
    page.goto(f"/puljer/ansoegninger/{application.pk}/")
    page.page.select_option("#id_assessor", str(soren.pk))
    _click(page, f"form[action='/puljer/ansoegninger/{application.pk}/bedoemmer/'] button[type=submit]")
    assert application.assignments.get().assessor == soren
    page.check(f"grants-{kind}-assessor-assigned")
    page.page.fill("#id_amount", "500000")
    page.page.fill("#id_project_start", "2026-02-01")
    page.page.fill("#id_project_end", "2027-01-31")
    _click(page, "main button:has-text('Bevilg')")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWARDED
    assert Grant.objects.get().application.applicant.kind == kind
    page.goto("/puljer/oversigt/")
    assert "Tidlig indsats" in page.page.content()
    page.check(f"grants-overview-{kind}")
