"""The unfiltered board's figures kept by the writes (interventions.portfolio_totals) equal a count of the
interventions one by one after every kind of write that changes them, through the real services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from indsats.audit.models import AuditEntry
from indsats.interventions import portfolio_totals, selectors, services
from indsats.interventions.models import (
    CriterionAssessment,
    Intervention,
    PhaseRecord,
    PortfolioTotals,
    Rating,
    ReviewStatus,
)
from indsats.interventions.workflow import PHASES, WorkflowAction
from indsats.operations import schedule
from indsats.operations.models import RunStatus
from tests.interventions.factories import complete_checklist, current_record

pytestmark = pytest.mark.django_db

DAYS = [
    datetime.date(2020, 1, 1),
    datetime.date(2026, 6, 30),
    datetime.date(2026, 7, 1),
    datetime.date(2999, 1, 1),
]


def counted_one_by_one(today: datetime.date) -> tuple[dict, dict]:
    counts: dict[str, dict[str, int]] = {}
    for intervention in Intervention.objects.all():
        row = counts.setdefault(intervention.state, {"n": 0, "waiting": 0, "due": 0})
        waiting = intervention.gate_reviews.filter(status=ReviewStatus.SUBMITTED).exists()
        current = intervention.phase_records.filter(phase=intervention.state).first()
        row["n"] += 1
        row["waiting"] += waiting
        row["due"] += bool(current and current.planned_end and current.planned_end < today and not waiting)
    committed: dict[str, Decimal] = {}
    for record in PhaseRecord.objects.all():
        committed[record.phase] = committed.get(record.phase, Decimal(0)) + record.committed_amount
    return counts, {phase: money for phase, money in committed.items() if money}


def assert_kept():
    for day in DAYS:
        assert portfolio_totals.stored(day) == counted_one_by_one(day), day


def test_every_service_that_changes_the_boards_figures_keeps_them(agency_staff, steering_member, agency):
    assert_kept()
    first = services.create_intervention(
        actor=agency_staff, name="Første", short_description="x", origin="research", owner=agency
    )
    second = services.create_intervention(
        actor=agency_staff, name="Anden", short_description="x", origin="research", owner=agency
    )
    assert_kept()
    for intervention, end, money in ((first, datetime.date(2026, 6, 30), 250_000), (second, None, 0)):
        services.update_phase_record(
            actor=agency_staff,
            phase_record=current_record(intervention),
            done_item_ids=[],
            planned_start=None,
            planned_end=end,
            committed_amount=Decimal(money),
        )
        assert_kept()
    assert portfolio_totals.stored(datetime.date(2026, 7, 1))[0]["screening"]["due"] == 1
    review = services.start_gate_review(actor=agency_staff, intervention=first)
    assert_kept()
    CriterionAssessment.objects.filter(review=review).update(rating=Rating.MET, rationale="Begrundet.")
    complete_checklist(first)
    PortfolioTotals.objects.update(waiting=0)  # the submission must count again, not rely on an earlier count
    review = services.submit_gate_review(actor=agency_staff, review=review)
    assert_kept()
    services.decide_gate_review(
        actor=steering_member,
        review=review,
        decision=WorkflowAction.APPROVE,
        reason="Godkendt.",
        expected_version=review.version,
    )
    assert_kept()
    first.refresh_from_db()
    assert first.state == PHASES[1]
    services.update_phase_record(
        actor=agency_staff,
        phase_record=current_record(first),
        done_item_ids=[],
        planned_start=None,
        planned_end=datetime.date(2020, 1, 1),
        committed_amount=Decimal(1_000_000),
    )
    assert_kept()
    services.return_to_phase(actor=agency_staff, intervention=first, phase=PHASES[0], reason="Tilbage.")
    assert_kept()
    services.stop_intervention(actor=agency_staff, intervention=second, reason="Ingen virkning.")
    assert_kept()
    counts, committed = portfolio_totals.stored(timezone.localdate())
    assert counts["screening"]["n"] == counts["stopped"]["n"] == 1
    assert committed == {"screening": Decimal(250_000), "maturation": Decimal(1_000_000)}


def test_the_demos_bulk_loader_keeps_them(grow_portfolio):
    grow_portfolio(12)
    assert Intervention.objects.count() == 12
    assert_kept()


def test_the_command_repairs_figures_written_outside_the_services(agency_staff, steering_member, agency):
    intervention = services.create_intervention(
        actor=agency_staff, name="Rå", short_description="x", origin="research", owner=agency
    )
    PhaseRecord.objects.filter(intervention=intervention).update(
        committed_amount=10, planned_end=datetime.date(2020, 1, 1)
    )
    assert portfolio_totals.stored(DAYS[-1]) != counted_one_by_one(DAYS[-1])
    call_command("recount_portfolio")
    assert_kept()


def test_without_its_rows_the_board_counts_live(agency_staff, steering_member, agency):
    services.create_intervention(
        actor=agency_staff, name="Levende", short_description="x", origin="research", owner=agency
    )
    PortfolioTotals.objects.filter(state="stopped").delete()
    assert portfolio_totals.stored(DAYS[0]) is None
    board = selectors.portfolio_board(
        user=steering_member, filters=selectors.PortfolioFilters(), per_column=0
    )
    assert board.total == 1 and [c.count for c in board.columns] == [1, 0, 0, 0]


def test_the_daily_check_fails_naming_the_state_written_outside_the_services(
    agency_staff, steering_member, agency
):
    intervention = services.create_intervention(
        actor=agency_staff, name="Tjek", short_description="x", origin="research", owner=agency
    )
    assert portfolio_totals.differences() == []
    assert schedule.run_now("check-portfolio-totals", day=DAYS[0]).status == RunStatus.DONE

    PhaseRecord.objects.filter(intervention=intervention).update(committed_amount=10)
    Intervention.objects.filter(pk=intervention.pk).update(state="maturation")
    found = portfolio_totals.differences()
    assert [text.split(":")[0] for text in found] == ["maturation", "screening"]
    assert "interventions 0 gemt, 1 talt" in found[0]
    assert found[1].startswith("screening: interventions 1 gemt, 0 talt, committed 0")
    assert found[1].endswith(" talt") and "gemt, 10" in found[1]
    assert schedule.run_now("check-portfolio-totals", day=DAYS[1]).status == RunStatus.FAILED

    call_command("recount_portfolio")
    assert portfolio_totals.differences() == []
    assert schedule.run_now("check-portfolio-totals", day=DAYS[2]).status == RunStatus.DONE
    repaired = AuditEntry.objects.filter(
        actor_name="system", message__startswith="Porteføljetavlens tal talt"
    )
    assert sorted(entry.object_repr for entry in repaired) == ["maturation", "screening"]
    screening = next(entry for entry in repaired if entry.object_repr == "screening")
    assert screening.changes["interventions"] == [1, 0]


def test_the_daily_check_names_a_missing_row(agency_staff, agency):
    services.create_intervention(
        actor=agency_staff, name="Uden række", short_description="x", origin="research", owner=agency
    )
    PortfolioTotals.objects.filter(state="operation").delete()
    assert portfolio_totals.differences() == ["operation: ingen række"]
