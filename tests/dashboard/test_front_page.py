import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_the_agency_administrator_sees_administration_and_history(agency_admin):
    body = logged_in(agency_admin).get(reverse("dashboard:home")).content.decode()
    assert "Administration" in body and "Historik" in body
    assert reverse("accounts:organisation_list") in body


def test_a_caseworker_sees_the_own_municipality_and_no_administration(aarhus_caseworker):
    body = logged_in(aarhus_caseworker).get(reverse("dashboard:home")).content.decode()
    assert "Din kommune" in body and "Aarhus Kommune" in body
    assert "Administration" not in body
    assert reverse("accounts:organisation_list") not in body


def test_a_steering_group_member_sees_neither_administration_nor_municipality(steering_member):
    body = logged_in(steering_member).get(reverse("dashboard:home")).content.decode()
    assert "Medlem af styregruppen" in body
    assert "Administration" not in body and "Din kommune" not in body


def test_the_ui_is_danish_even_when_the_browser_asks_for_english(agency_admin):
    response = logged_in(agency_admin).get(reverse("dashboard:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="da">' in body
    assert "Velkommen" in body


def test_english_can_be_chosen(agency_admin):
    client = logged_in(agency_admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("dashboard:home")).content.decode()
    assert '<html lang="en">' in body
    assert "Welcome" in body
    assert "Log out" in body


def test_security_headers_are_sent(agency_admin):
    response = logged_in(agency_admin).get(reverse("dashboard:home"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_api_health_endpoint_answers(db):
    assert Client().get("/api/health").json() == {"status": "ok"}


def test_an_unknown_address_shows_our_404_page_even_with_debug_on(settings, client):
    """`make run` runs with DEBUG on: no technical page listing every URL pattern."""
    settings.DEBUG = True
    response = client.get("/findes-ikke/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "URLconf" not in body and 'class="indsats-main"' in body
    assert client.get("/api/findes-ikke").status_code == 404
