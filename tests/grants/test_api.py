"""The grants API: scoped exactly like the pages (404 for what the caller may not see), with a constant
number of queries per list."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from indsats.grants import services
from indsats.grants.models import PoolStatus
from tests.conftest import logged_in
from tests.grants.conftest import complete_application
from tests.grants.factories import PoolFactory


def _grant(grantee, staff, pool, amount="400000"):
    application = complete_application(grantee, pool, amount=amount)
    services.submit_application(actor=grantee, application=application)
    return services.award_application(
        actor=staff,
        application=application,
        amount=Decimal(amount),
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2026, 12, 31),
    )


def test_the_api_shows_each_organisation_only_its_own_grants(
    pool, aarhus_caseworker, odense_caseworker, agency_staff
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    draft = complete_application(odense_caseworker, pool)
    hidden_pool = PoolFactory(status=PoolStatus.DRAFT)
    aarhus, odense, staff = (logged_in(u) for u in (aarhus_caseworker, odense_caseworker, agency_staff))

    own = aarhus.get("/api/grants/grants").json()
    assert [g["id"] for g in own] == [grant.pk]
    assert [i["amount"] for i in own[0]["instalments"]] == ["100000.00"] * 4
    assert {d["kind"] for d in own[0]["reporting_duties"]} == {
        "status_report",
        "project_statement",
        "accounts",
        "results",
    }
    assert odense.get("/api/grants/grants").json() == []
    assert odense.get(f"/api/grants/grants/{grant.pk}").status_code == 404
    assert odense.get(f"/api/grants/applications/{grant.application_id}").status_code == 404
    assert aarhus.get(f"/api/grants/applications/{draft.pk}").status_code == 404
    assert staff.get(f"/api/grants/applications/{draft.pk}").status_code == 404  # a draft is not theirs
    assert [a["id"] for a in staff.get("/api/grants/applications").json()] == [grant.application_id]
    assert aarhus.get(f"/api/grants/pools/{hidden_pool.pk}").status_code == 404
    assert staff.get(f"/api/grants/pools/{hidden_pool.pk}").json()["status"] == "draft"
    assert hidden_pool.pk not in {p["id"] for p in aarhus.get("/api/grants/pools").json()}
    assert logged_in(aarhus_caseworker).get(f"/api/grants/grants/{grant.pk}").json()["status"] == "awarded"


def test_every_list_takes_the_same_number_of_queries_for_more_records(pool, aarhus_caseworker, agency_staff):
    _grant(aarhus_caseworker, agency_staff, pool)
    client = logged_in(agency_staff)
    client.get("/api/grants/pools")  # warm the session (the first request of a session writes it)
    counts = {}
    for size in ("few", "many"):
        if size == "many":
            for _ in range(4):
                _grant(aarhus_caseworker, agency_staff, PoolFactory())
        counts[size] = {}
        for url in ("/api/grants/pools", "/api/grants/applications", "/api/grants/grants"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[size][url] = len(queries)
    assert counts["few"] == counts["many"]


def test_the_grants_api_is_in_the_openapi(agency_staff):
    paths = logged_in(agency_staff).get("/api/openapi.json").json()["paths"]
    assert {"/api/grants/pools", "/api/grants/applications", "/api/grants/grants/{grant_id}"} <= set(paths)
