"""PortfolioTotals under two writes on two connections at once (PostgreSQL only): both commit, neither
waits for the other in a cycle, and the board's figures equal a count one by one afterwards.

The order is forced as in tests/outcomes/test_totals_under_concurrent_writes.py: this test's own
connection holds the totals' rows, the first write runs until it waits for them (every lock it takes
before its recount held), the second until it waits for the first; then the rows are let go."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from indsats.interventions import portfolio_totals, services
from indsats.interventions.models import CriterionAssessment, GateReview, Rating
from tests.interventions.factories import complete_checklist, current_record
from tests.interventions.test_portfolio_totals import counted_one_by_one
from tests.outcomes.test_totals_under_concurrent_writes import _backend_pid, _wait_until_blocked_by, _Write

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction, so there is no concurrency to test.")


def _assessed_review(actor, agency, name: str) -> GateReview:
    intervention = services.create_intervention(
        actor=actor, name=name, short_description="x", origin="research", owner=agency
    )
    review = services.start_gate_review(actor=actor, intervention=intervention)
    CriterionAssessment.objects.filter(review=review).update(rating=Rating.MET, rationale="Begrundet.")
    complete_checklist(intervention)
    return review


def _run_in_order(first: _Write, second: _Write) -> None:
    holder = _backend_pid()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM interventions_portfoliototals ORDER BY state FOR UPDATE")
            first.start()
            _wait_until_blocked_by(first, holder)
            second.start()
            _wait_until_blocked_by(second, first.pid)
    finally:
        for write in (first, second):
            if write.ident is not None:
                write.join(timeout=60)
    for write in (first, second):
        assert not write.is_alive(), f"{write.name} still waits"
        assert write.error is None, f"{write.name}: {write.error!r}"


@pytest.mark.parametrize("first", ["submission", "phase record"])
def test_a_review_submitted_and_a_phase_record_changed_at_the_same_time_are_both_counted(
    first, agency_staff, agency
):
    review = _assessed_review(agency_staff, agency, "Sendes")
    other = _assessed_review(agency_staff, agency, "Planlægges")
    submitting = _Write("submission", lambda: services.submit_gate_review(actor=agency_staff, review=review))
    planning = _Write(
        "phase record",
        lambda: services.update_phase_record(
            actor=agency_staff,
            phase_record=current_record(other.intervention),
            done_item_ids=[],
            planned_start=None,
            planned_end=datetime.date(2020, 1, 1),
            committed_amount=Decimal(300_000),
        ),
    )
    if first == "submission":
        _run_in_order(submitting, planning)
    else:
        _run_in_order(planning, submitting)

    today = timezone.localdate()
    counts, committed = portfolio_totals.stored(today)
    assert (counts, committed) == counted_one_by_one(today)
    assert counts["screening"] == {"n": 2, "waiting": 1, "due": 1}
    assert committed == {"screening": Decimal(300_000)}
