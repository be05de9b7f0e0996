"""A grant's life past the first payment: four eyes on money, extensions that move the plan, reports
approved or returned, settling the final accounts and closing; regions and service providers apply."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from indsats.accounts.models import Membership, OrganisationKind, Role
from indsats.errors import DomainError
from indsats.grants import selectors, services
from indsats.grants.errors import FourEyesRequired, GrantsError, NotSettled, WrongState
from indsats.grants.models import (
    Application,
    GrantStatus,
    Initiative,
    Pool,
    RepaymentStatus,
    ReportKind,
)
from indsats.interventions import services as intervention_services
from tests.conftest import logged_in
from tests.factories import OrganisationFactory, person_with_role
from tests.grants.conftest import complete_application, pdf
from tests.grants.factories import PoolFactory
from tests.interventions.factories import InterventionFactory

D = Decimal
d = datetime.date


def _grant(grantee, staff, pool, amount="1000000"):
    application = complete_application(grantee, pool, amount=amount)
    services.submit_application(actor=grantee, application=application)
    grant = services.award_application(
        actor=staff,
        application=application,
        amount=D(amount),
        project_start=d(2026, 1, 1),
        project_end=d(2027, 12, 31),
    )
    services.start_grant(actor=grantee, grant=grant, started_on=d(2026, 1, 2))
    grant.refresh_from_db()
    return grant


def _pay(instalment, preparer, *approvers):
    services.prepare_instalment(actor=preparer, instalment=instalment)
    for approver in approvers:
        services.approve_instalment(actor=approver, instalment=instalment)
    instalment.refresh_from_db()
    return instalment


# --- four eyes --------------------------------------------------------------------------------------


def test_the_person_who_prepares_a_payment_cannot_approve_it(
    pool, aarhus_caseworker, agency_staff, agency_admin
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    instalment = grant.instalments.first()
    services.prepare_instalment(actor=agency_admin, instalment=instalment)
    with pytest.raises(FourEyesRequired):
        services.approve_instalment(actor=agency_admin, instalment=instalment)
    with pytest.raises(PermissionDenied):  # staff may prepare but not approve
        services.approve_instalment(actor=agency_staff, instalment=instalment)
    instalment.refresh_from_db()
    assert instalment.paid_on is None


def test_an_amount_above_the_limit_needs_a_second_approver(
    pool, aarhus_caseworker, agency_staff, agency_admin, second_admin, settings
):
    settings.GRANTS_SECOND_APPROVAL_ABOVE = 125_000
    grant = _grant(aarhus_caseworker, agency_staff, pool, amount="1200000")  # 8 instalments of 150,000
    first, second = list(grant.instalments.all())[:2]
    assert first.amount == D("150000.00")
    _pay(first, agency_staff, agency_admin)
    assert first.paid_on is None and first.approved_by == agency_admin
    with pytest.raises(FourEyesRequired):  # the first approver cannot be the second
        services.approve_instalment(actor=agency_admin, instalment=first)
    _pay_second = services.approve_instalment(actor=second_admin, instalment=first)
    assert _pay_second.paid_on is not None and _pay_second.second_approved_by == second_admin
    settings.GRANTS_SECOND_APPROVAL_ABOVE = 150_000  # at the limit, one approver is enough
    assert _pay(second, agency_staff, agency_admin).paid_on is not None


def test_a_withdrawn_grant_keeps_what_was_paid_and_releases_the_rest(
    pool, aarhus_caseworker, agency_staff, agency_admin
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    prepared = list(grant.instalments.all())[1]
    _pay(grant.instalments.first(), agency_staff, agency_admin)  # 125,000 paid
    services.prepare_instalment(actor=agency_staff, instalment=prepared)
    with pytest.raises(PermissionDenied):
        services.withdraw_grant(actor=aarhus_caseworker, grant=grant, reason="Vi stopper.")
    services.withdraw_grant(actor=agency_staff, grant=grant, reason="Projektet er opgivet.")
    assert list(grant.instalments.values_list("amount", flat=True)) == [D("125000")]
    assert Pool.objects.get(pk=pool.pk).committed_amount == D("125000")
    with pytest.raises(WrongState):
        services.finish_grant(actor=aarhus_caseworker, grant=grant)


# --- extensions move the plan -----------------------------------------------------------------------


def test_an_approved_extension_moves_open_duties_and_unpaid_instalments(
    pool, aarhus_caseworker, agency_staff, agency_admin
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    # 1,000,000 over 8 quarters from 1 Jan 2026: 125,000 each; pay the first two.
    for instalment in list(grant.instalments.all())[:2]:
        _pay(instalment, agency_staff, agency_admin)
    change = services.request_change(
        actor=aarhus_caseworker,
        grant=grant,
        kind="extension",
        description="Forsinket rekruttering.",
        new_end=d(2028, 6, 30),
    )
    plan = selectors.extension_plan(grant=grant, new_end=d(2028, 6, 30))
    assert [i.due_on for i in plan.old_instalments] == [
        d(2026, 7, 1),
        d(2026, 10, 1),
        d(2027, 1, 1),
        d(2027, 4, 1),
        d(2027, 7, 1),
        d(2027, 10, 1),
    ]
    services.decide_change(actor=agency_staff, change=change, approve=True, note="Godkendt.")
    grant.refresh_from_db()
    assert grant.project_end == d(2028, 6, 30)
    # 750,000 unpaid, now over the 8 quarters 1 Jul 2026 .. 1 Apr 2028: 93,750 each.
    unpaid = [(i.due_on, i.amount) for i in grant.instalments.filter(paid_on__isnull=True)]
    expected_dates = [
        d(2026, 7, 1),
        d(2026, 10, 1),
        d(2027, 1, 1),
        d(2027, 4, 1),
        d(2027, 7, 1),
        d(2027, 10, 1),
        d(2028, 1, 1),
        d(2028, 4, 1),
    ]
    assert unpaid == [(due, D("93750.00")) for due in expected_dates]
    assert sum(i.amount for i in grant.instalments.all()) == D("1000000.00")
    duties = [(duty.kind, duty.due_on) for duty in grant.reporting_duties.all()]
    assert (ReportKind.STATUS_REPORT, d(2028, 1, 1)) in duties  # a new status report, 24 months in
    finals = {due for kind, due in duties if kind != ReportKind.STATUS_REPORT}
    assert finals == {d(2028, 9, 30)}  # 3 months after the new end (was 31 Mar 2028)


def test_a_rejected_extension_moves_nothing(pool, aarhus_caseworker, agency_staff):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    before = [(i.due_on, i.amount) for i in grant.instalments.all()]
    change = services.request_change(
        actor=aarhus_caseworker,
        grant=grant,
        kind="extension",
        description="Mere tid.",
        new_end=d(2028, 6, 30),
    )
    services.decide_change(actor=agency_staff, change=change, approve=False, note="Afvist.")
    assert [(i.due_on, i.amount) for i in grant.instalments.all()] == before


# --- reports ----------------------------------------------------------------------------------------


def test_a_returned_report_reopens_the_duty_with_the_reason(
    pool, aarhus_caseworker, odense_caseworker, agency_staff
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    duty = grant.reporting_duties.first()
    services.submit_report(actor=aarhus_caseworker, duty=duty, note="Status: alt går efter planen.")
    with pytest.raises(PermissionDenied):  # the grantee does not review their own report
        services.approve_report(actor=aarhus_caseworker, duty=duty)
    with pytest.raises(GrantsError):
        services.return_report(actor=agency_staff, duty=duty, reason=" ")
    services.return_report(actor=agency_staff, duty=duty, reason="Beskriv rekrutteringen.")
    duty.refresh_from_db()
    assert duty.submitted_at is None and duty.return_reason == "Beskriv rekrutteringen."
    with pytest.raises(WrongState):  # open again: nothing to approve
        services.approve_report(actor=agency_staff, duty=duty)
    services.submit_report(actor=aarhus_caseworker, duty=duty, note="Rekrutteringen er beskrevet.")
    services.approve_report(actor=agency_staff, duty=duty)
    duty.refresh_from_db()
    assert duty.approved_at is not None
    with pytest.raises(PermissionDenied):
        services.submit_report(actor=odense_caseworker, duty=duty, note="x")


def test_the_accounts_need_a_file_and_spending_per_budget_line(pool, aarhus_caseworker, agency_staff):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    accounts = grant.reporting_duties.get(kind=ReportKind.ACCOUNTS)
    with pytest.raises(GrantsError, match="fil"):
        services.submit_report(
            actor=aarhus_caseworker, duty=accounts, note="Regnskab.", spending={"staff": D("1")}
        )
    with pytest.raises(GrantsError, match="forbruget"):
        services.submit_report(actor=aarhus_caseworker, duty=accounts, upload=pdf("regnskab.pdf"))


# --- settling and closing ---------------------------------------------------------------------------


def _to_final_approved(grant, grantee, staff, spending):
    services.finish_grant(actor=grantee, grant=grant, finished_on=d(2027, 12, 31))
    for duty in grant.reporting_duties.all():
        services.submit_report(
            actor=grantee,
            duty=duty,
            upload=pdf("rapport.pdf"),
            spending=spending if duty.kind == ReportKind.ACCOUNTS else None,
        )
        services.approve_report(actor=staff, duty=duty)
    grant.refresh_from_db()
    return grant


def test_unspent_money_becomes_a_repayment_claim_and_the_grant_closes_when_it_is_paid(
    pool, aarhus_caseworker, agency_staff, agency_admin, second_admin
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    for instalment in list(grant.instalments.all())[:2]:
        _pay(instalment, agency_staff, agency_admin)  # 2 x 125,000 = 250,000 paid
    grant = _to_final_approved(
        grant, aarhus_caseworker, agency_staff, {"staff": D("150000"), "materials": D("50000")}
    )
    assert grant.status == GrantStatus.FINAL_APPROVED and grant.final_spent == D("200000")
    with pytest.raises(NotSettled):
        services.close_grant(actor=agency_staff, grant=grant)
    services.settle_accounts(actor=agency_admin, grant=grant)
    with pytest.raises(WrongState):
        services.settle_accounts(actor=agency_staff, grant=grant)
    claim = grant.repayment_claims.get()
    assert claim.amount == D("50000") and claim.status == RepaymentStatus.PREPARED  # 250,000 - 200,000
    assert not grant.instalments.filter(paid_on__isnull=True).exists()
    with pytest.raises(FourEyesRequired):  # the admin who settled prepared the claim
        services.approve_repayment(actor=agency_admin, claim=claim)
    services.approve_repayment(actor=second_admin, claim=claim)
    with pytest.raises(NotSettled):
        services.close_grant(actor=agency_staff, grant=grant)
    services.register_repayment(actor=agency_staff, claim=claim)
    services.close_grant(actor=agency_staff, grant=grant)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.COMPLETED
    # What stays committed is what was spent: 1,000,000 awarded - 750,000 unpaid - 50,000 repaid.
    assert Pool.objects.get(pk=pool.pk).committed_amount == D("200000")
    assert Initiative.objects.get(pk=pool.initiative_id).committed_amount == D("200000")


def test_money_still_owed_after_the_accounts_is_a_last_instalment(
    pool, aarhus_caseworker, agency_staff, agency_admin
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    for instalment in list(grant.instalments.all())[:2]:
        _pay(instalment, agency_staff, agency_admin)  # 250,000 paid
    grant = _to_final_approved(grant, aarhus_caseworker, agency_staff, {"staff": D("400000")})
    services.settle_accounts(actor=agency_staff, grant=grant)
    last = grant.instalments.get(paid_on__isnull=True)
    assert last.amount == D("150000") and not grant.repayment_claims.exists()
    with pytest.raises(NotSettled):
        services.close_grant(actor=agency_staff, grant=grant)
    _pay(last, agency_staff, agency_admin)
    services.close_grant(actor=agency_staff, grant=grant)
    assert Pool.objects.get(pk=pool.pk).committed_amount == D("400000")


def test_spending_above_the_grant_is_paid_only_up_to_the_grant(pool, aarhus_caseworker, agency_staff):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    grant = _to_final_approved(grant, aarhus_caseworker, agency_staff, {"staff": D("1400000")})
    services.settle_accounts(actor=agency_staff, grant=grant)
    assert grant.instalments.get().amount == D("1000000")


def test_the_final_report_is_approved_only_when_every_report_is(pool, aarhus_caseworker, agency_staff):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    services.finish_grant(actor=aarhus_caseworker, grant=grant, finished_on=d(2026, 9, 30))
    grant.refresh_from_db()
    # Status reports after the finish are no longer asked for: only 1 Jul 2026 and the three final ones.
    assert [duty.due_on for duty in grant.reporting_duties.all()] == [d(2026, 7, 1)] + [d(2028, 3, 31)] * 3
    first, *rest = grant.reporting_duties.all()
    for duty in rest:
        spending = {"staff": D("1")} if duty.kind == ReportKind.ACCOUNTS else None
        services.submit_report(actor=aarhus_caseworker, duty=duty, upload=pdf("r.pdf"), spending=spending)
        services.approve_report(actor=agency_staff, duty=duty)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REPORTING
    services.submit_report(actor=aarhus_caseworker, duty=first, note="Status.")
    services.approve_report(actor=agency_staff, duty=first)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.FINAL_APPROVED


# --- budget lines -----------------------------------------------------------------------------------


def test_budget_lines_add_up_to_the_amount_and_are_compared_with_spending(
    pool, aarhus_caseworker, agency_staff
):
    application = complete_application(aarhus_caseworker, pool, amount="500000")
    with pytest.raises(GrantsError, match="Budgetlinjerne"):
        services.set_budget_lines(
            actor=aarhus_caseworker, application=application, lines={"staff": (D("400000"), D("0"), "")}
        )
    with pytest.raises(GrantsError, match="medfinansierer"):
        services.set_budget_lines(
            actor=aarhus_caseworker, application=application, lines={"staff": (D("500000"), D("100000"), "")}
        )
    services.set_budget_lines(
        actor=aarhus_caseworker,
        application=application,
        lines={
            "staff": (D("400000"), D("100000"), "Aarhus Kommune"),
            "evaluation": (D("100000"), D("0"), ""),
        },
    )
    services.submit_application(actor=aarhus_caseworker, application=application)
    grant = services.award_application(
        actor=agency_staff,
        application=application,
        amount=D("500000"),
        project_start=d(2026, 1, 1),
        project_end=d(2027, 12, 31),
    )
    services.start_grant(actor=aarhus_caseworker, grant=grant, started_on=d(2026, 1, 2))
    duty = grant.reporting_duties.first()
    services.submit_report(
        actor=aarhus_caseworker, duty=duty, note="Status.", spending={"staff": D("120000")}
    )
    rows = {
        row.category: row
        for row in selectors.budget_comparison(grant=selectors.grant_detail(user=agency_staff, pk=grant.pk))
    }
    assert (rows["staff"].budget, rows["staff"].spent, rows["staff"].left) == (
        D("400000"),
        D("120000"),
        D("280000"),
    )
    assert rows["staff"].co_funding == D("100000")
    assert rows["evaluation"].spent is None


# --- regions and social service providers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrganisationKind.REGION, Role.REGION_MANAGER),
        (OrganisationKind.SERVICE_PROVIDER, Role.PROVIDER_MANAGER),
    ],
)
def test_regions_and_service_providers_apply_to_pools_that_admit_them(kind, role, agency_staff):
    organisation = OrganisationFactory(kind=kind)
    person = person_with_role(role, organisation)
    closed_to_them = PoolFactory(eligible_applicants=["municipality"])
    with pytest.raises(
        PermissionDenied
    ):  # not offered the pool at all (grants.access.applicant_organisations)
        complete_application(person, closed_to_them)
    pool = PoolFactory(eligible_applicants=["municipality", str(kind)])
    grant = _grant(person, agency_staff, pool, amount="300000")
    assert grant.application.applicant == organisation and grant.status == GrantStatus.ACTIVE


def test_regions_and_service_providers_can_be_partners_of_an_intervention(agency_admin):
    intervention = InterventionFactory()
    region = OrganisationFactory(kind=OrganisationKind.REGION, name="Region Midtjylland")
    provider = OrganisationFactory(kind=OrganisationKind.SERVICE_PROVIDER, name="Opholdsstedet Solsikken")
    for partner in (region, provider):
        intervention_services.add_partner(
            actor=agency_admin,
            intervention=intervention,
            municipality=partner,
            role="pilot",
            joined_on=d(2026, 1, 1),
        )
    assert set(intervention.partnerships.values_list("municipality__kind", flat=True)) == {
        "region",
        "service_provider",
    }
    with pytest.raises(DomainError, match="Vælg en kommune"):
        intervention_services.add_partner(
            actor=agency_admin,
            intervention=intervention,
            municipality=OrganisationFactory(kind=OrganisationKind.FOUNDATION),
            role="pilot",
            joined_on=d(2026, 1, 1),
        )


# --- assessors assigned per application -------------------------------------------------------------


def test_once_assessors_are_assigned_only_they_assess(
    pool, aarhus_caseworker, aarhus_manager, agency_staff, second_staff, agency_admin
):
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    with pytest.raises(GrantsError, match="ikke bedømmer"):
        services.assign_assessor(actor=agency_staff, application=application, assessor=aarhus_manager)
    services.record_assessment(
        actor=agency_admin, application=application, has_conflict=True, conflict_note="Min søster."
    )
    with pytest.raises(GrantsError, match="inhabil"):
        services.assign_assessor(actor=agency_staff, application=application, assessor=agency_admin)
    with pytest.raises(PermissionDenied):
        services.assign_assessor(actor=aarhus_caseworker, application=application, assessor=second_staff)
    services.assign_assessor(actor=agency_staff, application=application, assessor=second_staff)
    with pytest.raises(WrongState):
        services.assign_assessor(actor=agency_staff, application=application, assessor=second_staff)
    scores = {criterion.pk: 4 for criterion in pool.criteria.all()}
    with pytest.raises(PermissionDenied):  # not assigned
        services.record_assessment(actor=agency_staff, application=application, scores=scores)
    services.record_assessment(actor=second_staff, application=application, scores=scores)


def test_an_assessor_from_the_applicants_organisation_cannot_be_assigned(
    pool, aarhus, aarhus_caseworker, agency_staff, agency_admin
):
    """A person who is also employed by the applicant (here also a caseworker in Aarhus) is inhabil."""
    Membership.objects.create(user=agency_admin, organisation=aarhus, role=Role.CASEWORKER)
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    with pytest.raises(GrantsError, match="ansat hos ansøgeren"):
        services.assign_assessor(actor=agency_staff, application=application, assessor=agency_admin)


# --- a pool's own questions -------------------------------------------------------------------------


def test_a_pool_asks_its_own_questions_and_an_application_answers_them_before_submission(
    aarhus_caseworker, agency_staff
):
    pool = PoolFactory(questions="Hvordan inddrages familierne?\nHvem driver indsatsen bagefter?")
    application = complete_application(aarhus_caseworker, pool)
    with pytest.raises(GrantsError, match="Hvem driver indsatsen bagefter"):
        services.submit_application(actor=aarhus_caseworker, application=application)
    with pytest.raises(GrantsError, match="hører ikke til"):
        services.update_application(
            actor=aarhus_caseworker, application=application, answers={"Et andet spørgsmål": "Svar"}
        )
    services.update_application(
        actor=aarhus_caseworker,
        application=application,
        answers={
            "Hvordan inddrages familierne?": "Ved hjemmebesøg.",
            "Hvem driver indsatsen bagefter?": "Familieafdelingen.",
        },
    )
    services.submit_application(actor=aarhus_caseworker, application=application)
    application.refresh_from_db()
    assert application.answers["Hvem driver indsatsen bagefter?"] == "Familieafdelingen."


def test_the_application_form_has_a_field_per_question(pool, aarhus_caseworker):
    pool.questions = "Hvordan inddrages familierne?"
    pool.save(update_fields=["questions"])
    client = logged_in(aarhus_caseworker)
    page = client.get(reverse("grants:application_create", args=[pool.pk])).content.decode()
    assert "Hvordan inddrages familierne?" in page and 'name="answer_0"' in page
    client.post(
        reverse("grants:application_create", args=[pool.pk]),
        {
            "applicant": aarhus_caseworker.memberships.first().organisation_id,
            "title": "Tidlig opsporing",
            "purpose": "At dokumentere.",
            "amount_requested": "100000",
            "answer_0": "Ved hjemmebesøg.",
        },
    )
    assert Application.objects.get().answers == {"Hvordan inddrages familierne?": "Ved hjemmebesøg."}
