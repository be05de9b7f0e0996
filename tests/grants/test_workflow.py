"""The grants workflow tables: every status change a service makes has a row, and a move without a row
is refused with a Danish message."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from indsats.audit.models import AuditAction, AuditEntry
from indsats.grants import services
from indsats.grants.errors import PoolNotOpen, WrongState
from indsats.grants.models import (
    Application,
    ApplicationStatus,
    ChangeRequest,
    ChangeStatus,
    Grant,
    GrantStatus,
    Instalment,
    Pool,
    PoolStatus,
    RepaymentClaim,
    RepaymentStatus,
    ReportingDuty,
    ReportKind,
)
from indsats.grants.workflow import (
    APPLICATION_REFUSALS,
    APPLICATIONS,
    CHANGES,
    DUTIES,
    GRANT_REFUSALS,
    GRANTS,
    INSTALMENTS,
    POOL_REFUSALS,
    POOLS,
    REPAYMENTS,
    TABLES,
    ApplicationAction,
    ChangeAction,
    DutyAction,
    DutyState,
    GrantAction,
    InstalmentAction,
    InstalmentState,
    PoolAction,
    RepaymentAction,
    permission_for,
)
from indsats.state_machine import TransitionTable
from tests.grants.conftest import complete_application, pdf
from tests.grants.factories import PoolFactory

# Each table with its states, its actions and the Danish sentence a refused action gives.
WORKFLOWS = [
    (POOLS, PoolStatus, PoolAction, POOL_REFUSALS),
    (APPLICATIONS, ApplicationStatus, ApplicationAction, APPLICATION_REFUSALS),
    (GRANTS, GrantStatus, GrantAction, GRANT_REFUSALS),
    (INSTALMENTS, InstalmentState, InstalmentAction, {}),
    (DUTIES, DutyState, DutyAction, {}),
    (REPAYMENTS, RepaymentStatus, RepaymentAction, {}),
    (CHANGES, ChangeStatus, ChangeAction, {}),
]
MISSING_ROWS = [
    pytest.param(table, state, action, id=f"{actions.__name__}.{action}-from-{state}")
    for table, states, actions, _refusals in WORKFLOWS
    for state in states.values
    for action in actions.values
    if not table.allows(state, action)
]


def test_the_tables_name_only_their_own_states_and_actions():
    for table, states, actions, refusals in WORKFLOWS:
        for row in table:
            assert row.from_state in states.values and row.to_state in states.values, row
            assert row.action in actions.values, row
        assert set(refusals) <= set(actions.values)
    assert set(TABLES.values()) == {table for table, *_rest in WORKFLOWS}


def test_every_action_has_a_row_and_needs_exactly_one_permission():
    for table, _states, actions, _refusals in WORKFLOWS:
        for action in actions.values:
            assert permission_for(table, action), action


@pytest.mark.parametrize(("table", "state", "action"), MISSING_ROWS)
def test_a_move_without_a_row_is_refused_with_a_danish_sentence(table: TransitionTable, state, action):
    with translation.override("da"), pytest.raises(WrongState) as refused:
        table.find(state, action)
    text = refused.value.text
    assert text.endswith(".") and len(text) > 20
    assert action not in text.split()  # a sentence for a person, not the action's code


def test_applying_to_a_pool_that_is_not_open_says_so():
    with translation.override("da"), pytest.raises(PoolNotOpen, match="ikke åben for ansøgninger"):
        POOLS.find(PoolStatus.DRAFT, PoolAction.APPLY)


def test_an_action_with_no_sentence_of_its_own_names_the_action_and_the_state():
    with translation.override("da"), pytest.raises(WrongState) as refused:
        APPLICATIONS.find(ApplicationStatus.AWARDED, "withdraw")
    assert refused.value.text == "Handlingen “withdraw” er ikke mulig, når status er “Bevilget”."


def test_a_service_refuses_a_move_without_a_row(pool, aarhus_caseworker, agency_staff):
    with translation.override("da"):
        services.publish_pool(actor=agency_staff, pool=PoolFactory(status=PoolStatus.DRAFT))
        with pytest.raises(WrongState, match="Puljen er allerede offentliggjort."):
            services.publish_pool(actor=agency_staff, pool=pool)
        application = complete_application(aarhus_caseworker, pool)
        services.submit_application(actor=aarhus_caseworker, application=application)
        services.reject_application(actor=agency_staff, application=application, reason="Nej.")
        with pytest.raises(WrongState, match="allerede afgjort eller ikke indsendt"):
            services.award_application(
                actor=agency_staff,
                application=application,
                amount=Decimal("1000"),
                project_start=datetime.date(2026, 1, 1),
                project_end=datetime.date(2026, 12, 31),
            )
        application.refresh_from_db()
        assert application.status == ApplicationStatus.REJECTED


def _state_change(model: type, changes: dict) -> tuple[str, str] | None:
    """The move an audit entry records for a record of a workflow table, or None when it records none."""
    if model is Instalment:
        if "prepared_by" in changes:
            return InstalmentState.DUE, InstalmentState.PREPARED
        if "paid_on" in changes:
            first = (
                InstalmentState.APPROVED_ONCE if "second_approved_by" in changes else InstalmentState.PREPARED
            )
            return first, InstalmentState.PAID
        if "approved_by" in changes:
            return InstalmentState.PREPARED, InstalmentState.APPROVED_ONCE
        return None
    if model is ReportingDuty:
        if "approved_at" in changes:
            return DutyState.SUBMITTED, DutyState.APPROVED
        if "submitted_at" in changes:
            before, after = changes["submitted_at"]
            return (DutyState.OPEN, DutyState.SUBMITTED) if after else (DutyState.SUBMITTED, DutyState.OPEN)
        return None
    if "status" in changes:
        before, after = changes["status"]
        return before, after
    return None


def test_every_status_change_a_service_makes_has_a_row(
    aarhus_caseworker, agency_staff, agency_admin, second_admin, settings
):
    """Run every service that moves a record, then read the moves from the audit trail (independent of
    the services' own code) and find each in its table."""
    settings.GRANTS_SECOND_APPROVAL_ABOVE = 300_000
    d = datetime.date
    draft_pool = PoolFactory(status=PoolStatus.DRAFT, deadline=PoolFactory.deadline.function())
    services.publish_pool(actor=agency_staff, pool=draft_pool)
    pool = PoolFactory(budget=Decimal("5000000"))
    awarded, rejected, lapsing, *withdrawn = (complete_application(aarhus_caseworker, pool) for _ in range(6))
    for application in (awarded, rejected, lapsing, *withdrawn):
        services.submit_application(actor=aarhus_caseworker, application=application)
    services.reject_application(actor=agency_staff, application=rejected, reason="Målgruppen passer ikke.")
    period = {"project_start": d(2026, 1, 1), "project_end": d(2026, 12, 31)}
    grant = services.award_application(
        actor=agency_staff, application=awarded, amount=Decimal("1000000"), **period
    )
    services.award_application(
        actor=agency_staff,
        application=lapsing,
        amount=Decimal("1000000"),
        now=datetime.datetime(2020, 1, 1, 12, tzinfo=datetime.UTC),
        **period,
    )
    services.lapse_unstarted_grants()
    for steps, application in enumerate(withdrawn):  # withdrawn when awarded, started and reporting
        to_withdraw = services.award_application(
            actor=agency_staff, application=application, amount=Decimal("100000"), **period
        )
        if steps >= 1:
            services.start_grant(actor=aarhus_caseworker, grant=to_withdraw, started_on=d(2026, 1, 2))
        if steps >= 2:
            services.finish_grant(actor=aarhus_caseworker, grant=to_withdraw, finished_on=d(2026, 6, 1))
        services.withdraw_grant(actor=agency_staff, grant=to_withdraw, reason="Projektet gennemføres ikke.")
    services.start_grant(actor=aarhus_caseworker, grant=grant, started_on=d(2026, 1, 2))
    small, large = (
        grant.instalments.first(),
        Instalment.objects.create(grant=grant, due_on=d(2026, 2, 1), amount=Decimal("400000")),
    )
    for instalment in (small, large):
        services.prepare_instalment(actor=agency_staff, instalment=instalment)
        services.approve_instalment(actor=agency_admin, instalment=instalment)
    services.approve_instalment(actor=second_admin, instalment=large)  # above the limit: two approvers
    for approve in (True, False):
        change = services.request_change(
            actor=aarhus_caseworker, grant=grant, kind="budget", description="Flyt midler til uddannelse."
        )
        services.decide_change(actor=agency_staff, change=change, approve=approve, note="Svar.")
    services.finish_grant(actor=aarhus_caseworker, grant=grant, finished_on=d(2026, 12, 31))
    for duty in grant.reporting_duties.all():
        spending = {"staff": Decimal("450000")} if duty.kind == ReportKind.ACCOUNTS else None
        services.submit_report(
            actor=aarhus_caseworker, duty=duty, upload=pdf("rapport.pdf"), spending=spending
        )
    returned = grant.reporting_duties.first()
    services.return_report(actor=agency_staff, duty=returned, reason="Resultaterne mangler.")
    services.submit_report(actor=aarhus_caseworker, duty=returned, upload=pdf("rapport.pdf"))
    for duty in grant.reporting_duties.all():
        services.approve_report(actor=agency_staff, duty=duty)
    services.settle_accounts(actor=agency_staff, grant=grant)
    claim = grant.repayment_claims.get()
    services.approve_repayment(actor=agency_admin, claim=claim)
    big_claim = RepaymentClaim.objects.create(
        grant=grant, amount=Decimal("350000"), prepared_by=agency_staff, prepared_at=timezone.now()
    )
    services.approve_repayment(actor=agency_admin, claim=big_claim)
    services.approve_repayment(actor=second_admin, claim=big_claim)
    for each in (claim, big_claim):
        services.register_repayment(actor=agency_staff, claim=each)
    services.close_grant(actor=agency_staff, grant=grant)

    tables = {
        Pool: POOLS,
        Application: APPLICATIONS,
        Grant: GRANTS,
        Instalment: INSTALMENTS,
        ReportingDuty: DUTIES,
        RepaymentClaim: REPAYMENTS,
        ChangeRequest: CHANGES,
    }
    seen: set[tuple[TransitionTable, str, str]] = set()
    for model, table in tables.items():
        entries = AuditEntry.objects.filter(
            action=AuditAction.UPDATE, content_type=ContentType.objects.get_for_model(model)
        )
        for entry in entries:
            move = _state_change(model, entry.changes)
            if move is None:
                continue
            assert any((row.from_state, row.to_state) == move for row in table), (model.__name__, move)
            seen.add((table, *move))
    moving_rows = {(table, row.from_state, row.to_state) for table in tables.values() for row in table}
    moving_rows = {(table, before, after) for table, before, after in moving_rows if before != after}
    assert seen == moving_rows  # the journey made every move the tables allow
