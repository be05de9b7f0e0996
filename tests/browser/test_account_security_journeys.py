"""Log-in security in the browser: an administrator's two-factor code, changing and resetting one's
password, and confirming the password before granting a role."""

from __future__ import annotations

import time

import pytest

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.dashboard.demo import load_demo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    load_demo(scale=1, log=lambda _message: None)


def test_an_administrator_gives_a_two_factor_code_after_the_password(page, demo):
    page.goto("/konto/log-ind/")
    page.page.fill("#id_username", "admin")
    page.page.fill("#id_password", DEMO_PASSWORD)
    with page.page.expect_navigation():
        page.page.click("main button[type=submit]")
    assert "/konto/tofaktor/" in page.page.url
    page.page.fill("#id_token", "123")
    with page.page.expect_navigation():
        page.page.click("main button[type=submit]")
    assert "Skriv de seks cifre" in page.page.content()
    page.check("two-factor-code")


def test_a_caseworker_changes_the_password_and_finds_the_reset_page(page, demo):
    page.login("sagsbehandler-aarhus", DEMO_PASSWORD)
    page.page.click("text=Skift adgangskode")
    page.check("password-change")
    page.page.fill("#id_old_password", DEMO_PASSWORD)
    page.page.fill("#id_new_password1", "Skovmærke-Hestehave-42")
    page.page.fill("#id_new_password2", "Skovmærke-Hestehave-42")
    with page.page.expect_navigation():
        page.page.click("main button[type=submit]")
    assert "Adgangskoden er skiftet" in page.page.content()
    page.page.click("button.log-off")
    page.page.wait_for_url("**/konto/log-ind/**")
    page.page.click("text=Glemt adgangskode?")
    page.check("password-reset")


def test_granting_a_role_after_ten_minutes_asks_for_the_password(page, demo, settings):
    settings.REAUTHENTICATION_MAX_AGE = 1
    page.login("admin", DEMO_PASSWORD)
    page.goto("/konto/personer/")
    page.page.click("text=Sara Sagsbehandler")
    time.sleep(2)
    page.page.select_option("#id_organisation", label="Vejle Kommune")
    page.page.select_option("#id_role", value="caseworker")
    with page.page.expect_navigation():
        page.page.click("main button[type=submit] >> text=Giv rolle")
    assert "/konto/bekraeft-adgangskode/" in page.page.url
    page.check("confirm-password")
    page.page.fill("#id_password", DEMO_PASSWORD)
    with page.page.expect_navigation():
        page.page.click("main button[type=submit]")
    assert "/konto/personer/" in page.page.url
