"""Log in as each role, look at the front page, administer organisations and people, read history."""

import pytest

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.accounts.models import Organisation
from indsats.dashboard.demo import load_demo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    load_demo(scale=1, log=lambda _message: None)


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("admin", "Administration"),
        ("sagsbehandler-aarhus", "Din kommune"),
        ("evaluator", "Evaluator"),
        ("styregruppe", "Medlem af styregruppen"),
        ("okonom", "Økonom"),
        ("fond", "Fondsmedarbejder"),
    ],
)
def test_each_role_logs_in_sees_its_front_page_and_logs_out(page, demo, username, expected):
    page.login(username, DEMO_PASSWORD)
    assert page.page.locator("h1").inner_text().startswith("Velkommen")
    assert expected in page.page.content()
    page.check(f"front-page-{username}")
    page.page.click("button.log-off")
    page.page.wait_for_url("**/konto/log-ind/**")
    assert "Log ind på Indsats" in page.page.content()


def test_login_page_and_a_wrong_password(page, demo):
    page.goto("/konto/log-ind/")
    page.check("login")
    page.page.fill("#id_username", "admin")
    page.page.fill("#id_password", "forkert")
    page.page.click("main button[type=submit]")
    assert "Log ind mislykkedes" in page.page.content()
    page.check("login-failed")


def test_admin_manages_an_organisation_and_reads_its_history(page, demo):
    page.login("admin", DEMO_PASSWORD)
    page.goto("/konto/organisationer/?region=1081")
    assert "Aalborg Kommune" in page.page.content()
    page.check("organisations")
    page.page.click("text=Aalborg Kommune")
    page.check("organisation-detail")
    page.page.click("text=Redigér")
    page.page.fill("#id_email", "born-unge@aalborg.dk")
    page.check("organisation-form")
    page.page.click("main button[type=submit]")
    assert "Ændringerne er gemt" in page.page.content()
    page.page.click("text=Historik >> nth=-1")
    body = page.page.content()
    assert "born-unge@aalborg.dk" in body and "Anne Administrator" in body
    page.check("organisation-history")
    assert Organisation.objects.get(municipality_code="851").email == "born-unge@aalborg.dk"


def test_admin_creates_a_person_with_a_role(page, demo):
    page.login("admin", DEMO_PASSWORD)
    page.goto("/konto/personer/ny/")
    page.page.fill("#id_username", "ny-sagsbehandler")
    page.page.fill("#id_first_name", "Nanna")
    page.page.fill("#id_last_name", "Nielsen")
    page.page.fill("#id_password1", "kort")
    page.page.fill("#id_password2", "kort")
    page.page.click("main button[type=submit]")
    assert "Der er fejl i formularen" in page.page.content()
    assert page.page.input_value("#id_username") == "ny-sagsbehandler"  # the input is kept
    page.check("person-form-errors")
    page.page.fill("#id_password1", "en-lang-og-god-adgangskode")
    page.page.fill("#id_password2", "en-lang-og-god-adgangskode")
    page.page.click("main button[type=submit]")
    page.page.select_option("#id_organisation", label="Vejle Kommune")
    page.page.select_option("#id_role", value="caseworker")
    page.page.click("main button[type=submit] >> text=Giv rolle")
    assert "Rollen er givet" in page.page.content()
    page.check("person-detail")


def test_a_caseworker_meets_a_danish_403(page, demo):
    page.login("sagsbehandler-aarhus", DEMO_PASSWORD)
    page.goto("/konto/organisationer/")
    assert "Du har ikke adgang til denne side" in page.page.content()
    page.check("forbidden")


def test_the_audit_trail_page(page, demo):
    page.login("admin", DEMO_PASSWORD)
    page.goto("/historik/")
    page.check("audit-trail")


def test_english_can_be_chosen_in_the_header(page, demo):
    page.login("admin", DEMO_PASSWORD)
    with page.page.expect_navigation():
        page.page.click("button[name=language][value=en]")
    assert page.page.get_attribute("html", "lang") == "en"
    assert "Welcome" in page.page.content()
    page.check("front-page-english")
