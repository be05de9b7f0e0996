"""The pages of the grants app the national-scale issue names take a number of queries that does not grow
with the rows behind them: a grant with 2 or 20 instalments, reports and change requests, and the pool
list for an anonymous visitor, a caseworker and the agency with 2 or 20 pools."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from indsats.grants import selectors, services
from indsats.grants.models import (
    BudgetCategory,
    BudgetLine,
    ChangeKind,
    ChangeRequest,
    Instalment,
    RepaymentClaim,
    ReportedSpending,
    ReportingDuty,
    ReportKind,
)
from indsats.ui.formatting import kroner
from tests.conftest import logged_in
from tests.grants.conftest import complete_application
from tests.grants.factories import PoolFactory


def _grant(grantee, staff, pool):
    application = complete_application(grantee, pool, amount="400000")
    services.submit_application(actor=grantee, application=application)
    return services.award_application(
        actor=staff,
        application=application,
        amount=Decimal("400000"),
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2026, 12, 31),
    )


def _add_rows(grant, requester, start: int, count: int) -> None:
    for i in range(start, start + count):
        due = datetime.date(2026, 1, 1) + datetime.timedelta(days=i)
        Instalment.objects.create(grant=grant, amount=Decimal("1000"), due_on=due)
        ReportingDuty.objects.create(grant=grant, kind=ReportKind.STATUS_REPORT, due_on=due)
        ChangeRequest.objects.create(
            grant=grant,
            kind=ChangeKind.EXTENSION,
            description=f"Forlængelse {i}",
            new_end=datetime.date(2027, 6, 30),
            requested_by=requester,
        )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("viewer", ["grantee", "staff"])
def test_a_grants_page_takes_as_many_queries_with_20_instalments_reports_and_changes_as_with_2(
    viewer, pool, aarhus_caseworker, agency_staff
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    # the award made 4 instalments and 4 duties; start from 2 of each and no change requests
    grant.instalments.filter(pk__in=list(grant.instalments.values_list("pk", flat=True)[2:])).delete()
    grant.reporting_duties.filter(
        pk__in=list(grant.reporting_duties.values_list("pk", flat=True)[2:])
    ).delete()
    _add_rows(grant, aarhus_caseworker, 0, 2)
    client = logged_in(aarhus_caseworker if viewer == "grantee" else agency_staff)
    url = f"/puljer/tilskud/{grant.pk}/"
    client.get(url)  # caches warmed
    few = _queries(client, url)
    _add_rows(grant, aarhus_caseworker, 2, 18)
    assert (grant.instalments.count(), grant.change_requests.count()) == (22, 20)
    many = _queries(client, url)
    print(f"grant page ({viewer}): {few} queries with 2 rows each, {many} with 20")
    assert many == few


def test_a_grant_without_change_requests_or_repayments_is_not_asked_for_them(
    pool, aarhus_caseworker, agency_staff
):
    """Change requests and repayment claims are read only when the grant has some: two queries fewer
    without; with one of each as many queries as with twenty, and every one shown."""
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    client = logged_in(agency_staff)
    url = f"/puljer/tilskud/{grant.pk}/"
    client.get(url)  # caches warmed
    none = _queries(client, url)

    def claims(start: int, count: int) -> None:
        for i in range(start, start + count):
            RepaymentClaim.objects.create(grant=grant, amount=Decimal(1000 + i))

    _add_rows(grant, aarhus_caseworker, 0, 1)
    claims(0, 1)
    some = _queries(client, url)
    _add_rows(grant, aarhus_caseworker, 1, 19)
    claims(1, 19)
    many = _queries(client, url)
    assert (none + 2, many) == (some, some)
    page = client.get(url).content.decode()
    assert all(f"Forlængelse {i}" in page for i in range(20))
    with translation.override("da"):
        assert all(kroner(claim.amount) in page for claim in grant.repayment_claims.all())


@pytest.mark.parametrize("viewer", ["anonymous", "caseworker", "agency"])
def test_the_pool_list_takes_as_many_queries_for_20_pools_as_for_2(viewer, aarhus_caseworker, agency_staff):
    client = {
        "anonymous": Client(),
        "caseworker": logged_in(aarhus_caseworker),
        "agency": logged_in(agency_staff),
    }[viewer]
    past = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)

    def pools(count: int) -> None:
        for _ in range(count):
            PoolFactory()  # open now
            PoolFactory(opens_at=past, deadline=past + datetime.timedelta(days=30))

    pools(1)
    client.get("/puljer/")
    few = _queries(client, "/puljer/")
    pools(9)
    many = _queries(client, "/puljer/")
    print(f"pool list ({viewer}): {few} queries with 2 pools, {many} with 20")
    assert many == few


def test_the_grant_pages_lists_are_the_orms_in_its_order_each_knowing_its_parent(
    pool, aarhus_caseworker, agency_staff, django_assert_num_queries
):
    """grant_detail reads each list by a query compiled once per process and stores it as the grant's
    prefetched relation (nested_rows.set_prefetched): `grant.instalments.all()` and the others give
    what the ORM gives, in its order, and ask the database nothing more."""
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    _add_rows(grant, aarhus_caseworker, 10, 3)
    categories = list(BudgetCategory.values)
    for category in reversed(categories[:3]):
        BudgetLine.objects.create(application=grant.application, category=category, amount=Decimal(5000))
    for number, duty in enumerate(grant.reporting_duties.all()):
        for category in reversed(categories[: 1 + number % 3]):
            ReportedSpending.objects.create(duty=duty, category=category, amount=Decimal(100 + number))
    for i in range(3):
        RepaymentClaim.objects.create(
            grant=grant,
            amount=Decimal(1000 + i),
            prepared_at=datetime.datetime(2026, 3, 3 - i, tzinfo=datetime.UTC),
        )

    def pks(rows) -> list[int]:
        return [row.pk for row in rows]

    expected = {
        "instalments": pks(Instalment.objects.filter(grant=grant).order_by("due_on")),
        "duties": pks(ReportingDuty.objects.filter(grant=grant)),
        "spending": [pks(duty.spending.all()) for duty in ReportingDuty.objects.filter(grant=grant)],
        "changes": pks(ChangeRequest.objects.filter(grant=grant)),
        "repayments": pks(RepaymentClaim.objects.filter(grant=grant).order_by("prepared_at")),
        "budget lines": pks(BudgetLine.objects.filter(application=grant.application).order_by("category")),
    }
    assert all(expected.values()) and any(len(spent) > 1 for spent in expected["spending"])
    read = selectors.grant_detail(user=agency_staff, pk=grant.pk)
    with django_assert_num_queries(0):
        duties = list(read.reporting_duties.all())
        found = {
            "instalments": pks(read.instalments.all()),
            "duties": pks(duties),
            "spending": [pks(duty.spending.all()) for duty in duties],
            "changes": pks(read.change_requests.all()),
            "repayments": pks(read.repayment_claims.all()),
            "budget lines": pks(read.application.budget_lines.all()),
        }
        assert all(instalment.grant is read for instalment in read.instalments.all())
        assert all(line.duty is duty for duty in duties for line in duty.spending.all())
        assert all(line.application is read.application for line in read.application.budget_lines.all())
    assert found == expected


def test_a_grant_whose_application_has_no_budget_lines_is_not_asked_for_them(
    pool, aarhus_caseworker, agency_staff
):
    """The application's budget lines are read only when the grant's own query found some: one query fewer
    without; with one line as many queries as with three, and every line shown."""
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    BudgetLine.objects.filter(application=grant.application).delete()
    client = logged_in(agency_staff)
    url = f"/puljer/tilskud/{grant.pk}/"
    client.get(url)  # caches warmed
    none = _queries(client, url)
    assert "Ansøgningen har ingen budgetlinjer." in client.get(url).content.decode()
    categories = list(BudgetCategory.values)
    BudgetLine.objects.create(application=grant.application, category=categories[0], amount=Decimal(5000))
    one = _queries(client, url)
    for category in categories[1:3]:
        BudgetLine.objects.create(application=grant.application, category=category, amount=Decimal(7000))
    three = _queries(client, url)
    assert (none + 1, three) == (one, one)
    page = client.get(url).content.decode()
    with translation.override("da"):
        assert "Ansøgningen har ingen budgetlinjer." not in page and kroner(Decimal("5000.00")) in page
    assert read_budget_line_pks(agency_staff, grant) == list(
        BudgetLine.objects.filter(application=grant.application)
        .order_by("category")
        .values_list("pk", flat=True)
    )


def read_budget_line_pks(person, grant) -> list[int]:
    return [
        line.pk for line in selectors.grant_detail(user=person, pk=grant.pk).application.budget_lines.all()
    ]
