"""The public catalogue in the browser, as an anonymous visitor, in Danish and in English: search, filter
(htmx and without), open, compare, download a PDF, subscribe, read the feed; and the agency publishes."""

from __future__ import annotations

from pathlib import Path

import pytest

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.catalogue.models import Publication
from indsats.dashboard.demo import load_demo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path
    load_demo(scale=1, log=lambda _message: None)


def test_an_anonymous_visitor_searches_filters_opens_compares_downloads_subscribes_and_follows(page, demo):
    listed = list(Publication.objects.filter(withdrawn_at__isnull=True).order_by("name"))
    page.goto("/katalog/")
    content = page.page.content()
    assert f"{len(listed)} indsatser" in content
    page.check("catalogue-index")

    # a filter with htmx: the results change and the address can be bookmarked
    grade = listed[0].evidence_grade or "A"
    page.page.select_option("#catalogue-grade", grade)
    page.page.wait_for_url(f"**grade={grade}**")
    expected = sum(1 for p in listed if p.evidence_grade == grade)
    page.page.wait_for_selector(f"text={expected} indsats")
    page.check("catalogue-filtered")

    # a search by word
    word = listed[0].name.split()[0]
    page.goto(f"/katalog/?q={word}")
    assert listed[0].name in page.page.content()
    assert page.page.locator("mark").count() >= 1
    page.check("catalogue-search")

    # open an intervention with a document
    with_document = next(p for p in listed if p.versions.get(number=p.current_version).snapshot["documents"])
    page.goto(with_document.get_absolute_url())
    assert with_document.name in page.page.content()
    page.check("catalogue-detail")
    with page.page.expect_download() as download_info:
        page.page.click("#dokumenter + ul a")
    path = download_info.value.path()
    assert Path(path).read_bytes()[:5] == b"%PDF-"

    # compare two
    page.goto("/katalog/")
    page.page.check(f"#compare-{listed[0].slug}")
    page.page.check(f"#compare-{listed[1].slug}")
    with page.page.expect_navigation():
        page.page.click("text=Sammenlign de valgte")
    assert listed[0].name in page.page.content() and listed[1].name in page.page.content()
    page.check("catalogue-compare")

    # the two-version and the withdrawn description
    two = Publication.objects.get(current_version=2)
    page.goto(f"/katalog/{two.slug}/version/1/")
    assert "Den er ikke den nyeste" in page.page.content()
    page.check("catalogue-old-version")
    withdrawn = Publication.objects.get(withdrawn_at__isnull=False)
    page.goto(withdrawn.get_absolute_url())
    assert withdrawn.withdrawal_reason in page.page.content()
    page.check("catalogue-withdrawn")

    # subscribe to the newsletter from the catalogue
    page.goto("/katalog/")
    with page.page.expect_navigation():
        page.page.click("text=Abonnér på nyhedsbrevet")
    page.page.fill("#id_email", "laeser@example.dk")
    with page.page.expect_navigation():
        page.page.click("main button[type=submit]")
    page.check("catalogue-subscribed")
    from indsats.grants.models import Subscription

    subscription = Subscription.objects.get(email="laeser@example.dk")
    assert subscription.confirmed_at is None  # double opt-in: nothing is sent before the link is opened
    page.goto(f"/puljer/nyhedsbrev/bekraeft/{subscription.token}/")
    assert "Dit abonnement er bekræftet" in page.page.content()
    page.check("newsletter-confirmed")

    # the feed
    response = page.page.request.get(page.base_url + "/katalog/feed/")
    assert response.ok and "<feed" in response.text() and two.name in response.text()

    # the legal pages from the footer
    page.goto("/katalog/")
    with page.page.expect_navigation():
        page.page.click("footer >> text=Tilgængelighedserklæring")
    page.check("accessibility-statement")
    page.goto("/katalog/privatliv/")
    page.check("privacy-notice")


def test_the_catalogue_in_english(page, demo):
    listed = Publication.objects.filter(withdrawn_at__isnull=True).order_by("name")
    page.goto("/katalog/")
    with page.page.expect_navigation():
        page.page.click("button[name=language][value=en]")
    assert page.page.get_attribute("html", "lang") == "en"
    assert "Intervention catalogue" in page.page.content()
    page.check("catalogue-index-english")
    page.goto(listed[0].get_absolute_url())
    assert "Evidence" in page.page.content()
    page.check("catalogue-detail-english")
    page.goto(f"/katalog/sammenlign/?i={listed[0].slug}&i={listed[1].slug}")
    page.check("catalogue-compare-english")


def test_the_agency_publishes_a_new_version(page, demo):
    publication = Publication.objects.filter(withdrawn_at__isnull=True).order_by("name").first()
    page.login("styrelse", DEMO_PASSWORD)
    page.goto("/katalog/redaktion/")
    page.check("catalogue-editorial")
    page.goto(f"/katalog/redaktion/{publication.intervention_id}/offentliggoer/")
    page.check("catalogue-publish-form")
    page.page.fill("#id_change_note", "Nye tal fra slutevalueringen.")
    with page.page.expect_navigation():
        page.page.click("main button[type=submit]")
    assert "Nye tal fra slutevalueringen." in page.page.content()
    publication.refresh_from_db()
    assert publication.current_version == 2


def test_the_api_docs_render_from_our_own_origin(page, db):
    page.goto("/api/docs")
    page.page.wait_for_selector(".opblock-summary-path", timeout=20000)
    paths = page.page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/public/interventions" in p.replace("\u200b", "") for p in paths), paths[:5]
    page.page.screenshot(path="test-artifacts/screenshots/api-docs.png", full_page=True)
    assert page.csp_violations == []
