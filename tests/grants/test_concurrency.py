"""Money never goes over a budget when two people award at the same moment (PostgreSQL only)."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from indsats.grants import services
from indsats.grants.errors import BudgetExceeded
from indsats.grants.models import Application, ApplicationStatus, Grant
from tests.grants.conftest import complete_application
from tests.grants.factories import PoolFactory


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_awards_cannot_together_exceed_the_pools_budget(
    aarhus_caseworker, agency_staff, second_staff
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises every write transaction, so there is no concurrency to test; CI runs this on PostgreSQL."
        )
    pool = PoolFactory(budget=Decimal("3000000"), max_per_grant=Decimal("2000000"))
    applications = []
    for _ in range(2):
        draft = complete_application(aarhus_caseworker, pool, amount="2000000")
        applications.append(services.submit_application(actor=aarhus_caseworker, application=draft))

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def award(actor, application: Application) -> None:
        try:
            barrier.wait(timeout=10)
            services.award_application(
                actor=actor,
                application=application,
                amount=Decimal("2000000"),
                project_start=datetime.date(2026, 1, 1),
                project_end=datetime.date(2026, 12, 31),
            )
            outcomes.append("awarded")
        except BudgetExceeded:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=award, args=(actor, application))
        for actor, application in zip((agency_staff, second_staff), applications, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["awarded", "refused"]
    pool.refresh_from_db()
    pool.initiative.refresh_from_db()
    assert pool.committed_amount == Decimal("2000000")
    assert pool.initiative.committed_amount == Decimal("2000000")
    assert Grant.objects.count() == 1
    assert Application.objects.filter(status=ApplicationStatus.AWARDED).count() == 1
