"""The public side: anonymous visitors see only published versions; unpublished data and small cells never
reach a page, a feed, the open data or the API."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from indsats.catalogue.services import publish_intervention, withdraw_publication
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db

SECRET = "UPUBLICERET-KLADDE"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def published(studied, agency_staff, agency):
    """One published intervention (then changed in the register, unpublished), one never published."""
    publish_intervention(actor=agency_staff, intervention_id=studied.pk, change_note="Første version")
    studied.description = f"{SECRET} i beskrivelsen"
    studied.save()
    InterventionFactory(name=f"{SECRET} indsats", short_description=SECRET, owner=agency)
    return studied


def _public_responses(client: Client) -> dict[str, str]:
    paths = [
        "/katalog/",
        "/katalog/?q=skolefravær",
        "/katalog/?q=upubliceret",
        "/katalog/skolefravaer-sammen/",
        "/katalog/skolefravaer-sammen/version/1/",
        "/katalog/sammenlign/?i=skolefravaer-sammen&i=x",
        "/katalog/feed/",
        "/katalog/data.csv",
        "/katalog/data.json",
        "/sitemap.xml",
        "/api/public/interventions",
        "/api/public/interventions/skolefravaer-sammen",
        "/api/public/interventions/skolefravaer-sammen/versions/1",
    ]
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        found[path] = response.content.decode()
    return found


def test_no_public_page_feed_or_api_shows_unpublished_data_or_a_small_study(published):
    for path, body in _public_responses(Client()).items():
        assert SECRET not in body, path
        assert "Lille studie" not in body, path


def test_the_intervention_page_shows_the_published_snapshot(published):
    body = Client().get("/katalog/skolefravaer-sammen/").content.decode()
    assert "Skolefravær sammen" in body
    assert "Studie A" in body and "Studie B" in body
    assert "0,40" in body  # the pooled estimate (see test_publishing for the reference)
    assert "færre end 5 børn" in body
    assert 'rel="canonical"' in body and 'property="og:title"' in body
    assert "Realistisk drift" in body


def test_danish_stemming_finds_an_inflected_word(published):
    body = Client().get("/katalog/?q=skolefravær").content.decode()
    assert "skolefraværet" in body.lower() or "Skolefravær sammen" in body
    assert "1 indsats" in body
    assert "<mark>" in body


def test_filters_count_their_values_and_narrow_the_results(published, agency_staff, agency):
    other = InterventionFactory(name="Tidlig opsporing", owner=agency, age_from=0, age_to=5)
    publish_intervention(actor=agency_staff, intervention_id=other.pk, change_note="Første")
    body = Client().get("/katalog/").content.decode()
    assert "2 indsatser" in body
    assert "0-5 år (1)" in body and "6-12 år (1)" in body
    narrowed = Client().get("/katalog/?grade=B").content.decode()
    assert "1 indsats" in narrowed and "Tidlig opsporing" not in narrowed


def test_htmx_gets_only_the_results(published):
    response = Client().get("/katalog/?q=skole", HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode() and "Skolefravær sammen" in response.content.decode()


def test_a_withdrawn_description_says_so_and_leaves_lists(published, agency_staff):
    withdraw_publication(
        actor=agency_staff, publication_id=published.publication.pk, reason="Stoppet efter afprøvning"
    )
    client = Client()
    page = client.get("/katalog/skolefravaer-sammen/").content.decode()
    assert "trukket tilbage" in page and "Stoppet efter afprøvning" in page and "Studie A" not in page
    assert "Studie A" in client.get("/katalog/skolefravaer-sammen/version/1/").content.decode()
    assert "skolefravaer-sammen" not in client.get("/katalog/").content.decode()
    assert "skolefravaer-sammen" not in client.get("/katalog/feed/").content.decode()
    assert json.loads(client.get("/api/public/interventions").content)["count"] == 0
    detail = json.loads(client.get("/api/public/interventions/skolefravaer-sammen").content)
    assert detail["withdrawn"] is True and detail["published"] is None


def test_the_api_is_cacheable_and_open_to_other_origins(published):
    client = Client()
    response = client.get("/api/public/interventions")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.has_header("ETag") and response.has_header("Last-Modified")
    again = client.get("/api/public/interventions", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    data = json.loads(response.content)
    assert data["count"] == 1
    row = data["results"][0]
    assert row["effect_estimate"] == pytest.approx(0.4, abs=1e-6) and row["effect_studies"] == 2


def test_a_published_document_is_downloaded_from_its_version(studied, agency_staff):
    from django.core.files.base import ContentFile

    from indsats.catalogue.demo import minimal_pdf
    from indsats.interventions.models import Material, MaterialKind

    material = Material(intervention=studied, title="Manual", kind=MaterialKind.MANUAL)
    material.file.save("manual.pdf", ContentFile(minimal_pdf("Manual")), save=False)
    material.save()
    version = publish_intervention(
        actor=agency_staff, intervention_id=studied.pk, change_note="Med manual", material_ids=[material.pk]
    )
    document = version.snapshot["documents"][0]
    response = Client().get(f"/katalog/skolefravaer-sammen/version/1/dokument/{document['id']}/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert (
        Client().get(f"/katalog/skolefravaer-sammen/version/2/dokument/{document['id']}/").status_code == 404
    )


def test_only_the_agency_reaches_the_editorial_pages(published, aarhus_caseworker, agency_staff):
    from tests.conftest import logged_in

    assert logged_in(aarhus_caseworker).get("/katalog/redaktion/").status_code == 403
    staff = logged_in(agency_staff)
    assert staff.get("/katalog/redaktion/").status_code == 200
    response = staff.post(
        f"/katalog/redaktion/{published.pk}/offentliggoer/", {"change_note": "Anden version"}
    )
    assert response.status_code == 302
    assert SECRET in Client().get("/katalog/skolefravaer-sammen/").content.decode()  # now published


def test_a_search_word_finds_its_inflected_form_and_back(agency_staff, agency):
    only_inflected = InterventionFactory(
        name="Tidlig hjælp",
        short_description="Et kort forløb.",
        description="Mindsker skolefraværet.",
        owner=agency,
    )
    only_plain = InterventionFactory(
        name="Mødested",
        short_description="Et sted at mødes.",
        description="Om skolefravær blandt unge.",
        owner=agency,
    )
    for intervention in (only_inflected, only_plain):
        publish_intervention(actor=agency_staff, intervention_id=intervention.pk, change_note="Første")
    plain = Client().get("/katalog/?q=skolefravær").content.decode()
    assert "Tidlig hjælp" in plain and "Mødested" in plain
    inflected = Client().get("/katalog/?q=skolefraværet").content.decode()
    assert "Tidlig hjælp" in inflected and "Mødested" in inflected
    assert "Et kort forløb" not in Client().get("/katalog/?q=anbringelse").content.decode()


def test_a_caseworker_cannot_publish_or_withdraw(published, aarhus_caseworker):
    from tests.conftest import logged_in

    client = logged_in(aarhus_caseworker)
    assert client.get(f"/katalog/redaktion/{published.pk}/offentliggoer/").status_code == 403
    assert (
        client.post(f"/katalog/redaktion/{published.pk}/offentliggoer/", {"change_note": "x"}).status_code
        == 403
    )
    assert client.post("/katalog/skolefravaer-sammen/traek-tilbage/", {"reason": "x"}).status_code == 403
    assert published.publication.versions.count() == 1 and not published.publication.is_withdrawn
    assert Client().get(f"/katalog/redaktion/{published.pk}/offentliggoer/").status_code == 302


def test_a_cached_page_gives_each_visitor_a_working_token_and_publishing_refreshes_it(
    published, agency_staff, agency, django_capture_on_commit_callbacks
):
    import re

    from indsats.catalogue.page_cache import TOKEN_PLACEHOLDER

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [first.get("/katalog/").content.decode(), second.get("/katalog/").content.decode()]
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1) for page in pages]
    assert TOKEN_PLACEHOLDER not in pages[0] + pages[1]
    response = second.post(
        "/i18n/setlang/", {"language": "en", "next": "/katalog/", "csrfmiddlewaretoken": tokens[1]}
    )
    assert response.status_code == 302
    assert "Intervention catalogue" in second.get("/katalog/").content.decode()
    assert "Indsatskataloget" in first.get("/katalog/").content.decode()

    newcomer = InterventionFactory(name="Ny i kataloget", owner=agency)
    assert "Ny i kataloget" not in first.get("/katalog/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        publish_intervention(actor=agency_staff, intervention_id=newcomer.pk, change_note="Første")
    assert "Ny i kataloget" in first.get("/katalog/").content.decode()


def test_anonymous_visitors_get_only_the_necessary_csrf_cookie(published):
    response = Client().get("/katalog/skolefravaer-sammen/")
    assert set(response.cookies) <= {"csrftoken"}
    assert "cookie" not in response.content.decode().lower().split("<footer")[0].split("</header>")[1]
