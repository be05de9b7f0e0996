"""Every URL is classified by who may reach it, and the classification is checked.

A new URL that is not listed here fails `test_every_url_is_classified`: decide who may use it and add it
to ACCESS. Then, for every URL without parameters, an anonymous visitor is sent to the log-in page (or
served, if public), and a caseworker gets 403 from agency-only pages. URLs with parameters (a record's
page) are tested for municipality isolation by their own app's tests, which ISOLATION_TESTED names.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import logged_in

PUBLIC = "public"  # anyone, no log-in
LOGIN = "login"  # any logged-in person; content is scoped to them
AGENCY = "agency"  # agency staff only: others get 403
OBJECT = "object"  # a record's page: access decided per record (see ISOLATION_TESTED)
POST_ONLY = "post"  # an action that takes POST only

ACCESS: dict[str, str] = {
    "dashboard:home": LOGIN,
    "accounts:login": PUBLIC,
    "accounts:logout": POST_ONLY,
    "accounts:organisation_list": AGENCY,
    "accounts:organisation_create": AGENCY,
    "accounts:organisation_detail": OBJECT,
    "accounts:organisation_edit": OBJECT,
    "accounts:person_list": AGENCY,
    "accounts:person_create": AGENCY,
    "accounts:person_detail": OBJECT,
    "accounts:person_edit": OBJECT,
    "accounts:role_revoke": POST_ONLY,
    "audit:trail": AGENCY,
    "audit:object_history": OBJECT,
    "set_language": POST_ONLY,
}

# URLs with parameters and the test that proves a municipality cannot reach another's records through it.
ISOLATION_TESTED: dict[str, str] = {
    "accounts:organisation_detail": "tests/accounts/test_views.py::test_a_caseworker_gets_a_danish_403_page_for_administration",
    "accounts:organisation_edit": "tests/accounts/test_views.py (agency administrators only)",
    "accounts:person_detail": "tests/accounts/test_views.py (agency directory only)",
    "accounts:person_edit": "tests/accounts/test_views.py (agency administrators only)",
    "audit:object_history": "tests/audit/test_audit.py::test_a_caseworker_cannot_read_the_history_of_an_organisation",
}


def _named_urls(resolver: URLResolver | None = None, namespace: str = "") -> list[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_named_urls(entry, inner))
        elif entry.name:
            found.append((f"{namespace}{entry.name}", entry))
    return found


def _is_api(name: str) -> bool:
    return name.startswith("api:")


def test_every_url_is_classified():
    unclassified = sorted(name for name, _p in _named_urls() if not _is_api(name) and name not in ACCESS)
    assert unclassified == [], "Classify these URLs in tests/test_url_access.py: " + ", ".join(unclassified)


def test_every_record_url_names_its_isolation_test():
    missing = sorted(name for name, kind in ACCESS.items() if kind == OBJECT and name not in ISOLATION_TESTED)
    assert missing == []


def _parameterless(kind: str) -> list[str]:
    names = dict(_named_urls())
    return sorted(
        name
        for name, access in ACCESS.items()
        if access == kind and name in names and not names[name].pattern.regex.groupindex
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(AGENCY) + _parameterless(LOGIN))
def test_anonymous_visitors_are_sent_to_the_login_page(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(PUBLIC))
def test_public_pages_are_served_without_login(name):
    assert Client().get(reverse(name)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(AGENCY))
def test_agency_pages_are_forbidden_to_a_caseworker(name, aarhus_caseworker):
    response = logged_in(aarhus_caseworker).get(reverse(name))
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(LOGIN))
def test_login_pages_serve_every_role(name, aarhus_caseworker, agency_staff, evaluator, steering_member):
    for person in (aarhus_caseworker, agency_staff, evaluator, steering_member):
        assert logged_in(person).get(reverse(name)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(POST_ONLY))
def test_actions_refuse_get(name, agency_admin):
    assert logged_in(agency_admin).get(reverse(name)).status_code in {302, 405}
