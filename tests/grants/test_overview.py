"""The overview across the programme: money per pool against hand-summed figures, a constant number of
queries, an Excel workbook with the same numbers, only for the agency and the steering group."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from indsats.grants import selectors, services
from tests.conftest import logged_in
from tests.grants.conftest import complete_application, pdf
from tests.grants.factories import PoolFactory

D = Decimal
d = datetime.date


def _award(grantee, staff, pool, amount):
    application = complete_application(grantee, pool, amount=amount)
    services.submit_application(actor=grantee, application=application)
    return services.award_application(
        actor=staff,
        application=application,
        amount=D(amount),
        project_start=d(2026, 1, 1),
        project_end=d(2027, 12, 31),
    )


def test_the_overview_sums_each_pools_money_and_what_needs_attention(
    pool, aarhus_caseworker, agency_staff, agency_admin
):
    closed = _award(aarhus_caseworker, agency_staff, pool, "800000")
    services.start_grant(actor=aarhus_caseworker, grant=closed, started_on=d(2026, 1, 2))
    first = closed.instalments.first()  # 8 quarters: 100,000
    services.prepare_instalment(actor=agency_staff, instalment=first)
    services.approve_instalment(actor=agency_admin, instalment=first)
    services.finish_grant(actor=aarhus_caseworker, grant=closed, finished_on=d(2026, 3, 31))
    for duty in closed.reporting_duties.all():
        spending = {"staff": D("60000")} if duty.kind == "accounts" else None
        services.submit_report(actor=aarhus_caseworker, duty=duty, upload=pdf(), spending=spending)
        services.approve_report(actor=agency_staff, duty=duty)
    services.settle_accounts(actor=agency_staff, grant=closed)
    claim = closed.repayment_claims.get()
    services.approve_repayment(actor=agency_admin, claim=claim)
    services.register_repayment(actor=agency_staff, claim=claim)
    waiting = _award(aarhus_caseworker, agency_staff, pool, "500000")  # not started
    waiting.start_deadline = d(2026, 1, 20)
    waiting.save(update_fields=["start_deadline"])
    other_pool = PoolFactory()

    rows = {row.pool.pk: row for row in selectors.programme_overview(today=d(2026, 1, 10))}
    row = rows[pool.pk]
    # Committed: 60,000 spent of the closed grant + 500,000 awarded; paid 100,000, repaid 40,000.
    assert (row.committed, row.paid, row.repaid) == (D("560000"), D("100000"), D("40000"))
    assert row.outstanding == D("500000")
    assert row.at_risk_of_lapsing == 1 and row.overdue_reports == 0
    assert rows[other_pool.pk].committed == D("0")
    later = {r.pool.pk: r for r in selectors.programme_overview(today=d(2026, 8, 1))}[pool.pk]
    assert later.overdue_reports == 1  # the waiting grant's status report of 1 July 2026


def test_the_overview_takes_the_same_number_of_queries_for_more_pools(pool, aarhus_caseworker, agency_staff):
    _award(aarhus_caseworker, agency_staff, pool, "100000")
    with CaptureQueriesContext(connection) as few:
        selectors.programme_overview()
    for _ in range(4):
        _award(aarhus_caseworker, agency_staff, PoolFactory(), "100000")
    with CaptureQueriesContext(connection) as many:
        selectors.programme_overview()
    assert len(many) == len(few) == 5


def test_the_overview_page_and_its_excel_are_for_the_agency_only(pool, aarhus_caseworker, agency_staff):
    _award(aarhus_caseworker, agency_staff, pool, "250000")
    assert logged_in(aarhus_caseworker).get(reverse("grants:overview")).status_code == 403
    client = logged_in(agency_staff)
    assert pool.title in client.get(reverse("grants:overview")).content.decode()
    response = client.get(reverse("grants:overview") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert values["Pulje"] == pool.title and values["Bevilget (kr.)"] == 250000
