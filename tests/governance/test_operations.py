"""Realistisk drift: the yearly follow-up after the funding ended (idempotent, with reminders), the
municipality's answer, and the evidence provider's shares checked against a hand count."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from indsats.accounts.models import Role
from indsats.errors import DomainError
from indsats.governance import services
from indsats.governance.evidence import (
    follow_up_shares,
    operating_cost_per_participant,
    realistic_operation_facts,
)
from indsats.governance.services.operations import add_months
from indsats.interventions.models import OperationReport, Partnership
from tests.factories import MunicipalityFactory, person_with_role
from tests.interventions.factories import InterventionFactory

FUNDING_ENDED = datetime.date(2024, 1, 31)


def _partner(intervention, municipality, funding_ended=FUNDING_ENDED):
    return Partnership.objects.create(
        intervention=intervention,
        municipality=municipality,
        role="pilot",
        joined_on=datetime.date(2021, 8, 1),
        ended_on=funding_ended,
        funding_ended_on=funding_ended,
    )


def _answer(report, status, children=None, cost=None, financing="own_budget"):
    OperationReport.objects.filter(pk=report.pk).update(
        status=status,
        financing=financing,
        children_served=children,
        annual_cost=cost,
        answered_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC),
    )


def test_add_months_keeps_the_day_or_ends_the_month():
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2024, 1, 31), 12) == datetime.date(2025, 1, 31)
    assert add_months(datetime.date(2023, 11, 15), 3) == datetime.date(2024, 2, 15)


@pytest.mark.django_db
class TestFollowUp:
    def test_each_partner_is_asked_once_per_follow_up_and_a_second_run_does_nothing(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        intervention = InterventionFactory()
        municipality = MunicipalityFactory()
        manager = person_with_role(Role.MUNICIPALITY_MANAGER, municipality, email="leder@kommune.dk")
        _partner(intervention, municipality)
        _partner(
            InterventionFactory(), MunicipalityFactory(), funding_ended=None
        )  # still funded: never asked

        assert services.follow_up_operations(today=datetime.date(2025, 1, 30)).reports_requested == []
        with django_capture_on_commit_callbacks(execute=True):
            run = services.follow_up_operations(today=datetime.date(2025, 1, 31))
        assert [r.months_after_funding for r in run.reports_requested] == [12]
        assert run.reports_requested[0].due_on == datetime.date(2025, 3, 2)
        again = services.follow_up_operations(today=datetime.date(2025, 1, 31))
        assert again.reports_requested == [] and again.report_reminders == []
        assert OperationReport.objects.count() == 1
        assert manager.email in {address for m in mail.outbox for address in m.to}

        # two years on, both follow-ups exist (the 24-month one new), nothing twice
        run = services.follow_up_operations(today=datetime.date(2026, 2, 1))
        assert [r.months_after_funding for r in run.reports_requested] == [24]
        assert OperationReport.objects.count() == 2

    def test_an_unanswered_follow_up_is_reminded_at_most_once_a_week(self, settings):
        settings.GOVERNANCE_REMINDER_DAYS = 14
        settings.GOVERNANCE_REMINDER_INTERVAL_DAYS = 7
        _partner(InterventionFactory(), MunicipalityFactory())
        services.follow_up_operations(today=datetime.date(2025, 1, 31))  # due 2 March
        assert services.follow_up_operations(today=datetime.date(2025, 2, 15)).report_reminders == []
        assert len(services.follow_up_operations(today=datetime.date(2025, 2, 16)).report_reminders) == 1
        assert services.follow_up_operations(today=datetime.date(2025, 2, 16)).report_reminders == []
        assert services.follow_up_operations(today=datetime.date(2025, 2, 22)).report_reminders == []
        assert len(services.follow_up_operations(today=datetime.date(2025, 2, 23)).report_reminders) == 1
        assert OperationReport.objects.get().reminders_sent == 2


@pytest.mark.django_db
class TestAnswer:
    def test_the_municipality_answers_its_own_follow_up_only(self):
        municipality, other = MunicipalityFactory(), MunicipalityFactory()
        manager = person_with_role(Role.MUNICIPALITY_MANAGER, municipality)
        stranger = person_with_role(Role.MUNICIPALITY_MANAGER, other)
        _partner(InterventionFactory(), municipality)
        services.follow_up_operations(today=datetime.date(2025, 2, 1))
        report = OperationReport.objects.get()
        with pytest.raises(PermissionDenied):
            services.answer_operation_report(
                actor=stranger,
                report=report,
                status="as_designed",
                financing="own_budget",
                children_served=10,
                annual_cost=Decimal("100000"),
            )
        with pytest.raises(DomainError) as raised:
            services.answer_operation_report(
                actor=manager,
                report=report,
                status="as_designed",
                financing="own_budget",
                children_served=10,
                annual_cost=Decimal("-1"),
            )
        assert "annual_cost" in raised.value.message_dict
        with pytest.raises(DomainError) as raised:
            services.answer_operation_report(
                actor=manager,
                report=report,
                status="stopped",
                financing="none",
                children_served=None,
                annual_cost=None,
            )
        assert "reason" in raised.value.message_dict
        services.answer_operation_report(
            actor=manager,
            report=report,
            status="adapted",
            financing="other_grant",
            children_served=12,
            annual_cost=Decimal("240000.50"),
            reason="Færre sessioner",
        )
        report.refresh_from_db()
        assert report.is_answered and report.annual_cost == Decimal("240000.50")


@pytest.mark.django_db
def test_the_providers_shares_match_a_hand_count():
    """Six partner municipalities, funding ended 31 Jan 2024.

    12 months: five answered (A as designed, B adapted, C stopped, D as designed, E stopped), F silent
               -> 3 of 5 in operation = 60 %, 1 missing.
    24 months: four answered (A as designed, B stopped, C stopped, D adapted), E and F silent
               -> 2 of 4 = 50 %, 2 missing. Trend: falling (60 % -> 50 %).
    Cost per participant in operation, from each partner's newest answer in operation:
               A (24 mdr.): 300 000 kr. / 20 children; D (24 mdr.): 100 000 kr. / 5 children;
               B's newest answer is "stopped" (24 mdr.), so B is out.
               (300 000 + 100 000) / (20 + 5) = 16 000 kr.
    """
    intervention = InterventionFactory()
    names = "ABCDEF"
    partners = {n: _partner(intervention, MunicipalityFactory(name=f"Kommune {n}")) for n in names}
    services.follow_up_operations(today=datetime.date(2026, 2, 1))
    reports = {
        (p, r.months_after_funding): r
        for p, partnership in partners.items()
        for r in partnership.operation_reports.all()
    }
    assert len(reports) == 12
    _answer(reports["A", 12], "as_designed", 18, Decimal("250000"))
    _answer(reports["B", 12], "adapted", 10, Decimal("90000"))
    _answer(reports["C", 12], "stopped", financing="none")
    _answer(reports["D", 12], "as_designed", 6, Decimal("70000"))
    _answer(reports["E", 12], "stopped", financing="none")
    _answer(reports["A", 24], "as_designed", 20, Decimal("300000"))
    _answer(reports["B", 24], "stopped", financing="none")
    _answer(reports["C", 24], "stopped", financing="none")
    _answer(reports["D", 24], "adapted", 5, Decimal("100000"))

    shares = {s.months: s for s in follow_up_shares(intervention)}
    assert (shares[12].asked, shares[12].answered, shares[12].operating) == (6, 5, 3)
    assert shares[12].share == pytest.approx(0.6)
    assert (shares[24].asked, shares[24].answered, shares[24].operating) == (6, 4, 2)
    assert shares[24].share == pytest.approx(0.5)
    assert operating_cost_per_participant(intervention) == Decimal("16000")

    facts = {f.label: f.value.replace("\xa0", " ") for f in realistic_operation_facts(intervention)}
    assert facts["I drift 12 mdr. efter finansieringen"].startswith("3 af 5 kommuner (60 %)")
    assert "1 mangler at svare" in facts["I drift 12 mdr. efter finansieringen"]
    assert facts["I drift 24 mdr. efter finansieringen"].startswith("2 af 4 kommuner (50 %)")
    assert facts["Udvikling"].startswith("faldende")
    assert facts["Udgift pr. deltager i drift (år)"] == "16.000 kr."


@pytest.mark.django_db
def test_an_intervention_without_follow_ups_has_no_realistic_operation_facts():
    assert realistic_operation_facts(InterventionFactory()) == []


@pytest.mark.django_db
def test_the_daily_command_runs_the_follow_up_once(capsys):
    from django.core.management import call_command

    _partner(InterventionFactory(), MunicipalityFactory())
    call_command("governance_daily", "--today", "2025-02-01")
    call_command("governance_daily", "--today", "2025-02-01")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1 follow-ups requested") and out[1].startswith("0 follow-ups requested")


@pytest.mark.django_db
def test_a_conditions_owner_is_reminded_before_the_deadline_at_most_weekly(
    agency_staff, steering_member, settings
):
    from indsats.interventions import services as intervention_services
    from indsats.interventions.services import NewCondition
    from tests.interventions.factories import complete_checklist, ready_review

    settings.GOVERNANCE_REMINDER_DAYS = 14
    settings.GOVERNANCE_REMINDER_INTERVAL_DAYS = 7
    intervention = InterventionFactory()
    review = ready_review(intervention)
    complete_checklist(intervention)
    intervention_services.submit_gate_review(actor=agency_staff, review=review)
    intervention_services.decide_gate_review(
        actor=steering_member,
        review=review,
        decision="approve_with_conditions",
        reason="Ja.",
        expected_version=review.version + 1,
        condition_items=[NewCondition("Manual", agency_staff, datetime.date(2027, 3, 31))],
    )
    assert services.follow_up_operations(today=datetime.date(2027, 3, 16)).condition_reminders == []
    assert len(services.follow_up_operations(today=datetime.date(2027, 3, 17)).condition_reminders) == 1
    assert services.follow_up_operations(today=datetime.date(2027, 3, 20)).condition_reminders == []
    run = services.follow_up_operations(today=datetime.date(2027, 4, 1))
    assert len(run.conditions_overdue) == 1 and len(run.condition_reminders) == 1
