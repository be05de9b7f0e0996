"""Fixtures shared by the whole suite: people in each role, logged-in clients."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from indsats.accounts.models import Role, User
from indsats.accounts.two_factor import requires_two_factor
from tests.factories import AgencyFactory, MunicipalityFactory, person_with_role


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language (Danish): a request through the test client in English
    leaves its thread's language English (LocaleMiddleware activates it; nothing deactivates it), so a test
    that writes text without a request would otherwise read the language of the test before it."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: a test's rows are rolled back and their ids used again by the
    next test (SQLite), so a page kept under a key of ids could otherwise be another test's."""
    cache.clear()


@pytest.fixture
def agency(db):
    return AgencyFactory(name="Social- og Boligstyrelsen")


@pytest.fixture
def aarhus(db):
    return MunicipalityFactory(name="Aarhus Kommune", municipality_code="751", region="1082")


@pytest.fixture
def odense(db):
    return MunicipalityFactory(name="Odense Kommune", municipality_code="461", region="1083")


@pytest.fixture
def agency_admin(agency) -> User:
    return person_with_role(Role.AGENCY_ADMIN, agency, username="admin-test")


@pytest.fixture
def agency_staff(agency) -> User:
    return person_with_role(Role.AGENCY_STAFF, agency, username="staff-test")


@pytest.fixture
def aarhus_caseworker(aarhus) -> User:
    return person_with_role(Role.CASEWORKER, aarhus, username="cw-aarhus")


@pytest.fixture
def odense_caseworker(odense) -> User:
    return person_with_role(Role.CASEWORKER, odense, username="cw-odense")


@pytest.fixture
def evaluator(db) -> User:
    return person_with_role(Role.EVALUATOR, username="evaluator-test")


@pytest.fixture
def steering_member(db) -> User:
    return person_with_role(Role.STEERING_GROUP, username="steering-test")


def logged_in(user: User) -> Client:
    """A client logged in as `user`; an agency administrator has also given a two-factor code (a
    confirmed TOTP device, verified in the session), as the log-in page would require."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if requires_two_factor(user):
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def queries_of(client: Client, url: str) -> int:
    """The queries of one request for `url`, built afresh (nothing cached): the page-query tests take it
    with N rows behind the page and again with 5N, and pin that it is the same."""
    client.get(url)  # the session and anything lazily set up once per process
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.fixture
def admin_client_(agency_admin) -> Client:
    return logged_in(agency_admin)
