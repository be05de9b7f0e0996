"""The HTTP API under schemathesis (issue 11, point 5): for every operation of the OpenAPI schema,
generated requests (at most 30 an operation, derandomised so that a run is repeatable) as a logged-in
agency employee and a municipal caseworker in turn; no response is a server error and every status code
is documented in the schema."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth

from tests.conftest import logged_in
from tests.interventions.factories import InterventionFactory

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
# The session cookie is ours (below), so schemathesis does not vary it: the log-in is tested on its own.
schema.config.generation.update(with_security_parameters=False)


@pytest.fixture
def sessions(db, agency_staff, aarhus_caseworker, agency) -> Iterator[Iterator[dict[str, str]]]:
    """The two people's session cookies in turn, one a request. The WSGI handler would close the database
    connection after each request (and with it the test's transaction), so, as Django's test client does,
    the connection is kept open while the test runs."""
    InterventionFactory(name="Alfa", owner=agency)
    people = (agency_staff, aarhus_caseworker)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield itertools.cycle(
            [{"sessionid": logged_in(person).cookies["sessionid"].value} for person in people]
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_status_documented(case, sessions) -> None:
    case.call_and_validate(cookies=next(sessions), excluded_checks=[ignored_auth])


def test_every_operation_but_the_health_check_answers_401_without_a_log_in(db) -> None:
    client = Client()
    for path, item in schema.raw_schema["paths"].items():
        for method, operation in item.items():
            url = re.sub(r"\{[^}]+\}", "1", path) + "?intervention=1&instrument=1"
            status = client.generic(method.upper(), url).status_code
            if operation.get("security"):
                assert status == 401, (method, path)
            else:  # public: served, or 404 for a record that does not exist (never 401)
                assert status in (200, 404), (method, path)
