"""The pages: public pools and calendar, the application journey, assessment, grants, and isolation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from indsats.accounts.models import Role
from indsats.grants import services
from indsats.grants.models import Application, ApplicationStatus, PoolStatus
from tests.conftest import logged_in
from tests.factories import person_with_role
from tests.grants.conftest import complete_application
from tests.grants.factories import PoolFactory, ProgrammeYearFactory


def test_the_public_sees_published_pools_and_the_calendar_but_not_drafts(db):
    published = PoolFactory(title="Åben pulje")
    draft = PoolFactory(title="Hemmelig kladde", status=PoolStatus.DRAFT)
    anonymous = Client()
    page = anonymous.get(reverse("grants:index")).content.decode()
    assert "Åben pulje" in page and "Hemmelig kladde" not in page
    assert anonymous.get(reverse("grants:pool_detail", args=[published.pk])).status_code == 200
    assert anonymous.get(reverse("grants:pool_detail", args=[draft.pk])).status_code == 404
    assert "Åben pulje" in anonymous.get(reverse("grants:calendar")).content.decode()


def test_anyone_can_subscribe_to_the_newsletter(db):
    response = Client().post(reverse("grants:newsletter"), {"email": "borger@example.org"}, follow=True)
    assert response.status_code == 200
    assert mail.outbox[0].to == ["borger@example.org"]


def test_a_caseworker_applies_uploads_and_submits_through_the_pages(pool, aarhus_caseworker, aarhus):
    client = logged_in(aarhus_caseworker)
    response = client.post(
        reverse("grants:application_create", args=[pool.pk]),
        {
            "applicant": aarhus.pk,
            "title": "Tidlig indsats",
            "purpose": "Formål",
            "target_group": "Børn",
            "activities": "Aktiviteter",
            "timeline": "2026",
            "organisation_text": "Team",
            "amount_requested": "500000",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302
    wrong = SimpleUploadedFile("budget.exe", b"MZ")
    response = client.post(
        reverse("grants:attachment_add", args=[application.pk]),
        {"name": "Budget", "file": wrong},
        follow=True,
    )
    assert "Brug en af" in response.content.decode()
    good = SimpleUploadedFile("budget.pdf", b"%PDF-1.4 budget")
    client.post(reverse("grants:attachment_add", args=[application.pk]), {"name": "Budget", "file": good})
    response = client.post(reverse("grants:application_submit", args=[application.pk]), follow=True)
    assert "indsendt" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    attachment = application.attachments.get()
    assert client.get(reverse("grants:attachment_download", args=[attachment.pk])).status_code == 200


def test_another_municipality_gets_404_on_every_application_and_grant_page(
    pool, aarhus_caseworker, odense_caseworker, agency_staff
):
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    grant = services.award_application(
        actor=agency_staff,
        application=application,
        amount=Decimal("1000000"),
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2026, 12, 31),
    )
    odense = logged_in(odense_caseworker)
    attachment = application.attachments.first()
    for name, pk in [
        ("application_detail", application.pk),
        ("application_edit", application.pk),
        ("application_letter", application.pk),
        ("application_letter_pdf", application.pk),
        ("attachment_download", attachment.pk),
        ("grant_detail", grant.pk),
    ]:
        assert odense.get(reverse(f"grants:{name}", args=[pk])).status_code == 404, name
    for name, pk in [
        ("application_submit", application.pk),
        ("grant_start", grant.pk),
        ("change_request", grant.pk),
        ("report_submit", grant.reporting_duties.first().pk),
        ("instalment_prepare", grant.instalments.first().pk),
        ("instalment_approve", grant.instalments.first().pk),
        ("report_approve", grant.reporting_duties.first().pk),
        ("report_return", grant.reporting_duties.first().pk),
        ("grant_finish", grant.pk),
        ("grant_settle", grant.pk),
        ("grant_close", grant.pk),
        ("grant_withdraw", grant.pk),
    ]:
        assert odense.post(reverse(f"grants:{name}", args=[pk])).status_code == 404, name
    assert "Tidlig opsporing" not in odense.get(reverse("grants:application_list")).content.decode()
    assert "Tidlig opsporing" not in odense.get(reverse("grants:grant_list")).content.decode()
    own = logged_in(aarhus_caseworker)
    assert own.get(reverse("grants:grant_detail", args=[grant.pk])).status_code == 200
    assert (
        "Tilsagn om tilskud"
        in own.get(reverse("grants:application_letter", args=[application.pk])).content.decode()
    )


def test_agency_pages_are_forbidden_to_applicants(pool, aarhus_caseworker):
    client = logged_in(aarhus_caseworker)
    year = ProgrammeYearFactory()
    for url in [
        reverse("grants:programmes"),
        reverse("grants:programme_year_create"),
        reverse("grants:initiative_create", args=[year.pk]),
        reverse("grants:pool_create", args=[pool.initiative_id]),
        reverse("grants:pool_edit", args=[pool.pk]),
        reverse("grants:pool_ranking", args=[pool.pk]),
        reverse("grants:implementation"),
    ]:
        assert client.get(url).status_code == 403, url


def test_the_agency_assesses_and_awards_through_the_pages(pool, aarhus_caseworker, agency_staff):
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    client = logged_in(agency_staff)
    scores = {f"score_{c.pk}": "4" for c in pool.criteria.all()}
    client.post(reverse("grants:application_assess", args=[application.pk]), {**scores, "comment": "God"})
    ranking = client.get(reverse("grants:pool_ranking", args=[pool.pk])).content.decode()
    assert "4.00" in ranking or "4,00" in ranking
    client.post(
        reverse("grants:application_award", args=[application.pk]),
        {"amount": "900000", "project_start": "2026-02-01", "project_end": "2027-01-31"},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWARDED
    assert client.get(reverse("grants:programmes")).status_code == 200
    assert client.get(reverse("grants:grant_detail", args=[application.grant.pk])).status_code == 200


def test_the_programme_overview_takes_a_fixed_number_of_queries(agency_staff, django_assert_max_num_queries):
    for index in range(3):
        PoolFactory(initiative__programme_year__year=2020 + index)
    client = logged_in(agency_staff)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("grants:programmes")).status_code == 200


def test_the_award_letter_downloads_as_an_a4_pdf_with_the_amount(pool, aarhus_caseworker, agency_staff):
    from weasyprint import HTML

    from indsats.grants.letters import letter_for

    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    services.award_application(
        actor=agency_staff,
        application=application,
        amount=Decimal("950000"),
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2026, 12, 31),
    )
    response = logged_in(aarhus_caseworker).get(
        reverse("grants:application_letter_pdf", args=[application.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response.content.rstrip().endswith(b"%%EOF")
    assert f"tilskudsbrev-{application.pk}.pdf" in response["Content-Disposition"]
    # The same letter laid out: A4 pages whose text holds the heading and the amount in Danish format.
    application.refresh_from_db()
    from django.template.loader import render_to_string

    html = render_to_string(
        "grants/letter_pdf.html", {"application": application, "letter": letter_for(application)}
    )
    document = HTML(string=html).render()
    text = " ".join(
        box.text for page in document.pages for box in page._page_box.descendants() if hasattr(box, "text")
    )
    assert all(round(page.width) == 794 and round(page.height) == 1123 for page in document.pages)
    assert "Tilsagn om tilskud" in text and "950.000" in text


def test_no_letter_pdf_before_a_decision(pool, aarhus_caseworker):
    application = complete_application(aarhus_caseworker, pool)
    response = logged_in(aarhus_caseworker).get(
        reverse("grants:application_letter_pdf", args=[application.pk])
    )
    assert response.status_code == 404


def test_a_refused_award_shows_the_page_again_with_the_error_on_the_amount(
    pool, aarhus_caseworker, agency_staff
):
    application = complete_application(aarhus_caseworker, pool, amount="500000")
    services.submit_application(actor=aarhus_caseworker, application=application)
    response = logged_in(agency_staff).post(
        reverse("grants:application_award", args=[application.pk]),
        {"amount": "600000", "project_start": "2026-02-01", "project_end": "2027-01-31"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_amount-error"' in page and "500.000\u00a0kr." in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_the_grantee_sees_a_report_error_on_the_reports_row(pool, aarhus_caseworker, agency_staff):
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    grant = services.award_application(
        actor=agency_staff,
        application=application,
        amount=Decimal("1000000"),
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2026, 12, 31),
    )
    duty = grant.reporting_duties.first()
    response = logged_in(aarhus_caseworker).post(
        reverse("grants:report_submit", args=[duty.pk]), {f"report-{duty.pk}-note": ""}
    )
    assert response.status_code == 200
    assert f'id="id_report-{duty.pk}-file-error"' in response.content.decode()
    assert logged_in(agency_staff).post(reverse("grants:report_submit", args=[duty.pk])).status_code == 403


def test_a_foundation_is_offered_only_the_pools_it_may_apply_to(db):
    foundation = person_with_role(Role.FOUNDATION, username="fond-test")
    municipal_only = PoolFactory(title="Kun kommuner")
    open_to_foundations = PoolFactory(title="Fonde og foreninger", eligible_applicants=["foundation"])
    client = logged_in(foundation)
    page = client.get(reverse("grants:pool_detail", args=[municipal_only.pk])).content.decode()
    assert "Søg puljen" not in page
    assert client.get(reverse("grants:application_create", args=[municipal_only.pk])).status_code == 403
    page = client.get(reverse("grants:pool_detail", args=[open_to_foundations.pk])).content.decode()
    assert "Søg puljen" in page
    form = client.get(reverse("grants:application_create", args=[open_to_foundations.pk])).content.decode()
    assert foundation.memberships.get().organisation.name in form


def test_a_negative_award_is_refused_on_the_amount_and_keeps_the_dates(pool, aarhus_caseworker, agency_staff):
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    response = logged_in(agency_staff).post(
        reverse("grants:application_award", args=[application.pk]),
        {"amount": "-5", "project_start": "2026-02-01", "project_end": "2027-01-31"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_amount-error"' in page
    assert 'value="2026-02-01"' in page and 'value="2027-01-31"' in page
    assert 'value="-5"' in page


@pytest.mark.parametrize("reader", [None, "aarhus_caseworker", "agency_staff"])
def test_the_pool_list_uses_the_same_number_of_queries_for_3_and_15_pools(reader, request, db):
    client = logged_in(request.getfixturevalue(reader)) if reader else Client()
    counts: list[int] = []
    for count in (3, 12):  # 3, then 15 in all: open, closed and (for the agency) draft pools
        for index in range(count):
            if index % 3 == 0:
                PoolFactory(
                    title=f"Lukket {len(counts)}-{index}",
                    deadline=timezone.now() - datetime.timedelta(days=1),
                )
            elif index % 3 == 1:
                PoolFactory(title=f"Kladde {len(counts)}-{index}", status=PoolStatus.DRAFT, published_at=None)
            else:
                PoolFactory(title=f"Åben {len(counts)}-{index}")
        client.get(reverse("grants:index"))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("grants:index"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    page = response.content.decode()
    assert page.count("Åben 1-") == 4 and page.count("Lukket 1-") == 4
    assert page.count("Kladde 1-") == (4 if reader == "agency_staff" else 0)
