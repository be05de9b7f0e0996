import pytest
from django.test import Client
from django.urls import reverse

from indsats.accounts.models import Organisation
from tests.conftest import logged_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_the_right_password_reaches_the_front_page(agency_staff):
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "staff-test", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard:home")
    assert "Velkommen" in response.content.decode()


def test_a_wrong_password_gives_a_clear_danish_message(agency_admin):
    response = Client().post(reverse("accounts:login"), {"username": "admin-test", "password": "forkert"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Log ind mislykkedes" in body
    assert "brugernavn og adgangskode" in body  # Django's Danish message names both fields
    assert 'value="admin-test"' in body  # the input is kept


def test_repeated_failures_lock_the_login(agency_admin, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "admin-test", "password": "forkert"})
    response = client.post(reverse("accounts:login"), {"username": "admin-test", "password": PASSWORD})
    assert response.status_code == 429
    assert "For mange forkerte forsøg" in response.content.decode()


def test_logout_needs_a_post_and_ends_the_session(agency_admin):
    client = logged_in(agency_admin)
    client.post(reverse("accounts:logout"))
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_admin_can_list_filter_and_create_organisations(agency_admin, aarhus, odense):
    client = logged_in(agency_admin)
    body = client.get(reverse("accounts:organisation_list"), {"region": "1083"}).content.decode()
    assert "Odense Kommune" in body and "Aarhus Kommune" not in body
    response = client.post(
        reverse("accounts:organisation_create"),
        {"name": "Rambøll Evaluering", "kind": "evaluator", "is_active": "on"},
    )
    assert response.status_code == 302
    assert Organisation.objects.filter(name="Rambøll Evaluering").exists()


def test_an_invalid_organisation_form_names_the_field_and_keeps_the_input(agency_admin):
    client = logged_in(agency_admin)
    response = client.post(
        reverse("accounts:organisation_create"),
        {"name": "Nyby Kommune", "kind": "municipality", "municipality_code": "12"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Kommunekoden skal være tre cifre" in body
    assert 'value="Nyby Kommune"' in body
    assert 'aria-invalid="true"' in body
    assert not Organisation.objects.filter(name="Nyby Kommune").exists()


def test_admin_creates_a_person_and_gives_a_role(agency_admin, aarhus):
    client = logged_in(agency_admin)
    response = client.post(
        reverse("accounts:person_create"),
        {
            "username": "mette",
            "first_name": "Mette",
            "last_name": "Madsen",
            "email": "mette@aarhus.dk",
            "is_active": "on",
            "password1": "en-god-lang-adgangskode",
            "password2": "en-god-lang-adgangskode",
        },
    )
    assert response.status_code == 302
    person_url = response.url
    response = client.post(person_url, {"organisation": aarhus.pk, "role": "caseworker"}, follow=True)
    assert "Sagsbehandler" in response.content.decode()


def test_mismatched_passwords_are_named(agency_admin):
    response = logged_in(agency_admin).post(
        reverse("accounts:person_create"),
        {"username": "x", "password1": "en-god-lang-adgangskode", "password2": "en-anden-lang-kode"},
    )
    assert "De to adgangskoder er ikke ens." in response.content.decode()


def test_a_caseworker_gets_a_danish_403_page_for_administration(aarhus_caseworker, aarhus):
    client = logged_in(aarhus_caseworker)
    for url in (
        reverse("accounts:organisation_list"),
        reverse("accounts:organisation_detail", args=[aarhus.pk]),
        reverse("accounts:person_list"),
        reverse("accounts:person_create"),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Du har ikke adgang til denne side" in response.content.decode()


def test_an_unknown_page_gives_a_danish_404(agency_admin):
    response = logged_in(agency_admin).get("/findes-ikke/")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_pages_need_login(db):
    response = Client().get(reverse("accounts:organisation_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
