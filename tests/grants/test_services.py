"""The rules of programmes, pools, applications, assessments and grants, through the services."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from indsats.accounts.models import OrganisationKind, Role
from indsats.audit.models import AuditEntry
from indsats.grants import schedules, selectors, services
from indsats.grants.errors import (
    BudgetExceeded,
    DeadlinePassed,
    GrantLapsed,
    GrantsError,
    InvalidAttachment,
    NotEligible,
    WrongState,
)
from indsats.grants.models import (
    ApplicationStatus,
    ChangeStatus,
    GrantStatus,
    Pool,
    ReportingDuty,
    ReportKind,
)
from indsats.ui.panels import panels_for
from tests.factories import MembershipFactory, OrganisationFactory, person_with_role
from tests.grants.conftest import complete_application, pdf
from tests.grants.factories import InitiativeFactory, PoolFactory, ProgrammeYearFactory

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
D = Decimal


# --- programmes and pools ----------------------------------------------------------------------------


def test_initiative_budgets_never_exceed_the_years_frame(agency_staff):
    year = ProgrammeYearFactory(frame=D("90000000"))
    services.create_initiative(
        actor=agency_staff, programme_year=year, name="Skolefravær", budget=D("60000000")
    )
    with pytest.raises(BudgetExceeded) as error:
        services.create_initiative(
            actor=agency_staff, programme_year=year, name="ADHD", budget=D("30000000.01")
        )
    assert "30.000.000\u00a0kr." in " ".join(error.value.messages)
    services.create_initiative(actor=agency_staff, programme_year=year, name="ADHD", budget=D("30000000"))


def test_a_caseworker_cannot_create_programmes_or_pools(aarhus_caseworker):
    with pytest.raises(PermissionDenied):
        services.create_programme(actor=aarhus_caseworker, name="BUIP")
    initiative = InitiativeFactory()
    now = datetime.datetime(2026, 1, 1, tzinfo=CPH)
    with pytest.raises(PermissionDenied):
        services.create_pool(
            actor=aarhus_caseworker,
            initiative=initiative,
            title="x",
            purpose="x",
            target_group="x",
            eligible_applicants=["municipality"],
            budget=D("1"),
            max_per_grant=D("1"),
            opens_at=now,
            deadline=now + datetime.timedelta(days=1),
        )


def _pool_kwargs(**overrides):
    now = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=CPH)
    values = {
        "title": "Dokumentation af lovende praksis",
        "purpose": "Formål",
        "target_group": "Børn 0-18 år",
        "eligible_applicants": ["municipality"],
        "budget": D("12000000"),
        "max_per_grant": D("1600000"),
        "opens_at": now,
        "deadline": now + datetime.timedelta(days=30),
        "required_attachments": "Budget\nTidsplan",
    }
    values.update(overrides)
    return values


def test_a_pool_gets_the_four_award_criteria_and_its_weights_must_add_to_100(agency_staff):
    initiative = InitiativeFactory(budget=D("25200000"))
    pool = services.create_pool(actor=agency_staff, initiative=initiative, **_pool_kwargs())
    assert sorted(c.criterion for c in pool.criteria.all()) == [
        "budget",
        "coherence",
        "plausible_activities",
        "purpose_fit",
    ]
    assert sum(c.weight for c in pool.criteria.all()) == 100
    with pytest.raises(ValidationError, match="100"):
        services.create_pool(
            actor=agency_staff,
            initiative=initiative,
            **_pool_kwargs(
                title="B",
                weights={"purpose_fit": 50, "plausible_activities": 30, "coherence": 10, "budget": 0},
            ),
        )


def test_pools_never_exceed_the_initiatives_budget(agency_staff):
    initiative = InitiativeFactory(budget=D("20000000"))
    services.create_pool(actor=agency_staff, initiative=initiative, **_pool_kwargs())
    with pytest.raises(BudgetExceeded) as error:
        services.create_pool(
            actor=agency_staff, initiative=initiative, **_pool_kwargs(title="Pulje 2", budget=D("8000001"))
        )
    assert "8.000.000\u00a0kr." in " ".join(error.value.messages)


def test_publishing_a_pool_tells_the_subscribers(agency_staff):
    services.confirm_subscription(token=services.subscribe(email="Borger@Example.org").token)
    mail.outbox.clear()
    pool = services.create_pool(
        actor=agency_staff,
        initiative=InitiativeFactory(),
        **_pool_kwargs(
            opens_at=datetime.datetime(2030, 1, 1, tzinfo=CPH),
            deadline=datetime.datetime(2030, 3, 1, tzinfo=CPH),
        ),
    )
    services.publish_pool(actor=agency_staff, pool=pool)
    assert [m.to for m in mail.outbox] == [["borger@example.org"]]
    assert "Ny ansøgningspulje" in mail.outbox[0].subject


# --- applications ------------------------------------------------------------------------------------


def test_a_municipality_applies_with_a_draft_then_submits_and_gets_a_receipt(pool, aarhus_caseworker):
    application = complete_application(aarhus_caseworker, pool)
    assert application.status == ApplicationStatus.DRAFT
    services.update_application(actor=aarhus_caseworker, application=application, title="Ny titel")
    services.submit_application(actor=aarhus_caseworker, application=application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.receipt_number
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [aarhus_caseworker.email]
    assert application.receipt_number in mail.outbox[0].body
    with pytest.raises(WrongState):
        services.update_application(actor=aarhus_caseworker, application=application, title="Senere")
    assert AuditEntry.objects.filter(message="indsendt").count() == 1


def test_submission_needs_the_required_attachments(pool, aarhus_caseworker):
    pool.required_attachments = "Budget\nTidsplan"
    pool.save()
    application = complete_application(aarhus_caseworker, pool)
    application.attachments.filter(name="Tidsplan").delete()
    with pytest.raises(ValidationError, match="Tidsplan"):
        services.submit_application(actor=aarhus_caseworker, application=application)


def test_only_eligible_applicants_may_apply(pool):
    """A person acting for no eligible organisation may not apply at all (the page offers no button)."""
    foundation = OrganisationFactory(kind=OrganisationKind.FOUNDATION)
    person = person_with_role(Role.FOUNDATION, foundation)
    with pytest.raises(PermissionDenied):
        services.create_application(
            actor=person, pool=pool, applicant=foundation, title="x", purpose="x", amount_requested=D(1)
        )


def test_a_person_in_two_organisations_is_told_which_may_apply(pool, aarhus_caseworker):
    foundation = OrganisationFactory(kind=OrganisationKind.FOUNDATION)
    MembershipFactory(user=aarhus_caseworker, organisation=foundation, role=Role.FOUNDATION)
    with pytest.raises(NotEligible, match="Kommuner"):
        services.create_application(
            actor=aarhus_caseworker,
            pool=pool,
            applicant=foundation,
            title="x",
            purpose="x",
            amount_requested=D(1),
        )


def test_a_person_applies_only_for_their_own_organisation(pool, aarhus_caseworker, odense):
    with pytest.raises(PermissionDenied):
        services.create_application(
            actor=aarhus_caseworker,
            pool=pool,
            applicant=odense,
            title="x",
            purpose="x",
            amount_requested=D(1),
        )


def test_the_amount_asked_for_is_at_most_the_pools_maximum(pool, aarhus_caseworker):
    with pytest.raises(ValidationError) as error:
        complete_application(aarhus_caseworker, pool, amount="2000000.01")
    assert "2.000.000\u00a0kr." in " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("deadline_local", "label"),
    [
        (datetime.datetime(2026, 3, 29, 12, 0, 0), "the day summer time starts"),
        (datetime.datetime(2026, 10, 25, 12, 0, 0), "the day summer time ends"),
        (datetime.datetime(2026, 3, 29, 3, 0, 0), "the first instant of summer time"),
    ],
)
def test_the_deadline_is_enforced_to_the_second_in_copenhagen_time(aarhus_caseworker, deadline_local, label):
    deadline = deadline_local.replace(tzinfo=CPH)
    pool = PoolFactory(opens_at=deadline - datetime.timedelta(days=30), deadline=deadline)
    # Arithmetic in UTC: Python subtracts on the wall clock within one tzinfo, and 03:00 - 1 s on the
    # day summer time starts would be 02:59:59, an hour that does not exist in Copenhagen.
    instant = deadline.astimezone(datetime.UTC)
    before = instant - datetime.timedelta(seconds=1)
    after = instant + datetime.timedelta(seconds=1)
    first = complete_application(aarhus_caseworker, pool, now=before)
    second = complete_application(aarhus_caseworker, pool, now=before)
    services.submit_application(actor=aarhus_caseworker, application=first, now=before)
    with pytest.raises(DeadlinePassed) as error:
        services.submit_application(actor=aarhus_caseworker, application=second, now=after)
    shown = f"{deadline_local.day}. "
    assert shown in str(error.value) and f"{deadline_local.hour:02d}:00" in str(error.value), label
    second.refresh_from_db()
    assert second.status == ApplicationStatus.DRAFT


def test_the_deadline_is_an_instant_not_a_wall_clock_time():
    # 12:00 in Copenhagen on the day summer time starts is 10:00 UTC (CEST, UTC+2), not 11:00.
    deadline = datetime.datetime(2026, 3, 29, 12, 0, tzinfo=CPH)
    assert deadline.astimezone(datetime.UTC).hour == 10
    winter = datetime.datetime(2026, 3, 28, 12, 0, tzinfo=CPH)
    assert winter.astimezone(datetime.UTC).hour == 11


def test_co_editors_come_from_the_applicants_organisation(
    pool, aarhus_caseworker, aarhus_manager, odense_caseworker
):
    application = complete_application(aarhus_caseworker, pool)
    with pytest.raises(PermissionDenied):
        services.update_application(actor=aarhus_manager, application=application, title="Ændret")
    services.add_co_editor(actor=aarhus_caseworker, application=application, person=aarhus_manager)
    services.update_application(actor=aarhus_manager, application=application, title="Ændret")
    with pytest.raises(ValidationError, match="Aarhus Kommune"):
        services.add_co_editor(actor=aarhus_caseworker, application=application, person=odense_caseworker)
    services.submit_application(actor=aarhus_manager, application=application)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([aarhus_caseworker.email, aarhus_manager.email])


def test_another_municipality_cannot_see_or_change_an_application(pool, aarhus_caseworker, odense_caseworker):
    application = complete_application(aarhus_caseworker, pool)
    with pytest.raises(Http404):
        selectors.application_detail(user=odense_caseworker, pk=application.pk)
    with pytest.raises(PermissionDenied):
        services.update_application(actor=odense_caseworker, application=application, title="Hacked")
    assert list(selectors.application_list(user=odense_caseworker)) == []


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("budget.exe", b"MZ\x90\x00"), "Brug en af"),
        (SimpleUploadedFile("budget.pdf", b"<html>not a pdf</html>"), "ikke en rigtig PDF-fil"),
        (SimpleUploadedFile("budget.pdf", b""), "er tom"),
        (SimpleUploadedFile("budget.pdf", b"%PDF" + b"x" * (10 * 1024 * 1024)), "højst 10 MB"),
    ],
)
def test_attachments_are_checked_for_size_and_type_with_a_clear_error(
    pool, aarhus_caseworker, upload, message
):
    application = complete_application(aarhus_caseworker, pool)
    with pytest.raises(InvalidAttachment, match=message):
        services.add_attachment(
            actor=aarhus_caseworker, application=application, name="Budget", upload=upload
        )


# --- assessment --------------------------------------------------------------------------------------


def _scores(pool: Pool, values: dict[str, int]) -> dict[int, int]:
    return {c.pk: values[c.criterion] for c in pool.criteria.all()}


def test_the_weighted_score_follows_the_pools_weights(pool, aarhus_caseworker, agency_staff):
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    assessment = services.record_assessment(
        actor=agency_staff,
        application=application,
        scores=_scores(pool, {"purpose_fit": 5, "plausible_activities": 4, "coherence": 3, "budget": 2}),
    )
    # (30*5 + 30*4 + 20*3 + 20*2) / 100 = 3.70
    assert assessment.weighted_score == D("3.70")


def test_assessors_see_each_others_scores_only_after_scoring(
    pool, aarhus_caseworker, agency_staff, second_staff
):
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    all_fives = _scores(
        pool, dict.fromkeys(["purpose_fit", "plausible_activities", "coherence", "budget"], 5)
    )
    services.record_assessment(actor=agency_staff, application=application, scores=all_fives)
    assert selectors.visible_assessments(user=second_staff, application=application) == []
    assert selectors.ranking(user=second_staff, pool=pool)[0].mean_score is None
    services.record_assessment(actor=second_staff, application=application, scores=all_fives)
    assert len(selectors.visible_assessments(user=second_staff, application=application)) == 2
    assert selectors.ranking(user=second_staff, pool=pool)[0].mean_score == D("5.00")
    with pytest.raises(WrongState):
        services.record_assessment(actor=second_staff, application=application, scores=all_fives)


def test_a_conflict_of_interest_is_recorded_and_gives_no_score(pool, aarhus_caseworker, agency_staff):
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    with pytest.raises(ValidationError):
        services.record_assessment(actor=agency_staff, application=application, has_conflict=True)
    assessment = services.record_assessment(
        actor=agency_staff,
        application=application,
        has_conflict=True,
        conflict_note="Min ægtefælle er projektleder.",
    )
    assert assessment.has_conflict and assessment.weighted_score is None
    assert selectors.visible_assessments(user=agency_staff, application=application) == []
    assert selectors.ranking(user=agency_staff, pool=pool)[0].conflicts == 1


def test_a_caseworker_cannot_assess(pool, aarhus_caseworker):
    application = complete_application(aarhus_caseworker, pool)
    services.submit_application(actor=aarhus_caseworker, application=application)
    with pytest.raises(PermissionDenied):
        services.record_assessment(actor=aarhus_caseworker, application=application, scores={})


# --- award and budget --------------------------------------------------------------------------------


def _submitted(actor, pool, amount="1000000"):
    application = complete_application(actor, pool, amount=amount)
    return services.submit_application(actor=actor, application=application)


def _award(actor, application, amount):
    return services.award_application(
        actor=actor,
        application=application,
        amount=D(amount),
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2027, 12, 31),
    )


def test_awards_never_exceed_the_pools_budget(aarhus_caseworker, agency_staff):
    pool = PoolFactory(budget=D("3000000"), max_per_grant=D("2000000"))
    first, second, third = (_submitted(aarhus_caseworker, pool, "2000000") for _ in range(3))
    _award(agency_staff, first, "2000000")
    with pytest.raises(BudgetExceeded) as error:
        _award(agency_staff, second, "1500000")
    assert "1.000.000\u00a0kr." in " ".join(error.value.messages)
    _award(agency_staff, third, "1000000")
    pool.refresh_from_db()
    pool.initiative.refresh_from_db()
    assert pool.committed_amount == pool.budget == D("3000000")
    assert pool.initiative.committed_amount == D("3000000")
    second.refresh_from_db()
    assert second.status == ApplicationStatus.SUBMITTED


def test_the_database_refuses_a_commitment_over_the_budget(pool):
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(committed_amount=pool.budget + D("0.01"))


def test_an_award_creates_quarterly_instalments_reporting_duties_and_a_letter(
    pool, aarhus_caseworker, agency_staff
):
    application = _submitted(aarhus_caseworker, pool)
    mail.outbox.clear()
    grant = _award(agency_staff, application, "1000000")
    instalments = list(grant.instalments.all())
    assert len(instalments) == 8  # two years, quarterly
    assert sum(i.amount for i in instalments) == D("1000000")
    assert [i.due_on.month for i in instalments[:4]] == [1, 4, 7, 10]
    kinds = [d.kind for d in grant.reporting_duties.all()]
    assert kinds.count(ReportKind.STATUS_REPORT) == 3
    assert {ReportKind.PROJECT_STATEMENT, ReportKind.ACCOUNTS, ReportKind.RESULTS} <= set(kinds)
    assert mail.outbox[0].subject.startswith("Tilsagn om tilskud")
    from indsats.grants.letters import award_letter

    letter = award_letter(grant)
    assert "Tilsagn om tilskud" in letter and "1.000.000\u00a0kr." in letter and "6 måneder" in letter


def test_instalments_split_the_øre_exactly():
    parts = schedules.quarterly_instalments(
        D("1000000.00"), datetime.date(2026, 1, 1), datetime.date(2026, 8, 31)
    )
    assert [p for _d, p in parts] == [D("333333.33"), D("333333.33"), D("333333.34")]


def test_a_rejection_goes_out_with_its_reason(pool, aarhus_caseworker, agency_staff):
    application = _submitted(aarhus_caseworker, pool)
    with pytest.raises(ValidationError):
        services.reject_application(actor=agency_staff, application=application, reason=" ")
    services.reject_application(actor=agency_staff, application=application, reason="Målgruppen passer ikke.")
    from indsats.grants.letters import rejection_letter

    application.refresh_from_db()
    assert "Målgruppen passer ikke." in rejection_letter(application)
    assert mail.outbox[-1].subject.startswith("Afgørelse om ansøgning")


# --- running grants ----------------------------------------------------------------------------------


def test_a_grant_lapses_when_the_project_has_not_started_within_6_months(
    pool, aarhus_caseworker, agency_staff
):
    application = _submitted(aarhus_caseworker, pool)
    awarded = datetime.datetime(2026, 1, 15, 10, 0, tzinfo=CPH)
    grant = services.award_application(
        actor=agency_staff,
        application=application,
        amount=D("1000000"),
        now=awarded,
        project_start=datetime.date(2026, 2, 1),
        project_end=datetime.date(2027, 1, 31),
    )
    assert grant.start_deadline == datetime.date(2026, 7, 15)
    assert services.lapse_unstarted_grants(today=datetime.date(2026, 7, 15)) == []
    with pytest.raises(GrantLapsed) as late:
        services.start_grant(actor=aarhus_caseworker, grant=grant, started_on=datetime.date(2026, 7, 16))
    assert "er bortfaldet" not in late.value.messages[0]  # the grant has not lapsed until the job runs
    assert services.lapse_unstarted_grants(today=datetime.date(2026, 7, 16)) == [grant]
    grant.refresh_from_db()
    pool.refresh_from_db()
    assert grant.status == GrantStatus.LAPSED
    assert pool.committed_amount == D("0")


def test_payments_follow_a_started_project(agency_admin, pool, aarhus_caseworker, agency_staff):
    grant = _award(agency_staff, _submitted(aarhus_caseworker, pool), "1000000")
    first = grant.instalments.first()
    with pytest.raises(WrongState):
        services.prepare_instalment(actor=agency_staff, instalment=first)
    services.start_grant(actor=aarhus_caseworker, grant=grant, started_on=datetime.date(2026, 1, 2))
    services.prepare_instalment(actor=agency_staff, instalment=first)
    services.approve_instalment(actor=agency_admin, instalment=first)
    with pytest.raises(PermissionDenied):
        services.prepare_instalment(actor=aarhus_caseworker, instalment=grant.instalments.last())
    overview = selectors.year_overview(programme_year=pool.initiative.programme_year)
    row = overview.initiatives[0]
    assert (row.committed, row.paid, row.left) == (D("1000000"), D("125000"), row.budget - D("1000000"))


def test_a_change_takes_effect_only_after_the_agencys_written_approval(pool, aarhus_caseworker, agency_staff):
    grant = _award(agency_staff, _submitted(aarhus_caseworker, pool), "1000000")
    change = services.request_change(
        actor=aarhus_caseworker,
        grant=grant,
        kind="extension",
        description="Forsinket rekruttering",
        new_end=datetime.date(2028, 6, 30),
        today=datetime.date(2027, 6, 1),
    )
    grant.refresh_from_db()
    assert grant.project_end == datetime.date(2027, 12, 31)
    with pytest.raises(PermissionDenied):
        services.decide_change(actor=aarhus_caseworker, change=change, approve=True, note="ok")
    services.decide_change(
        actor=agency_staff, change=change, approve=True, note="Godkendt, jf. brev af i dag."
    )
    grant.refresh_from_db()
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    assert grant.project_end == datetime.date(2028, 6, 30)


def test_an_extension_must_be_asked_for_before_the_end(pool, aarhus_caseworker, agency_staff):
    grant = _award(agency_staff, _submitted(aarhus_caseworker, pool), "1000000")
    with pytest.raises(DeadlinePassed):
        services.request_change(
            actor=aarhus_caseworker,
            grant=grant,
            kind="extension",
            description="For sent",
            new_end=datetime.date(2028, 6, 30),
            today=datetime.date(2028, 1, 1),
        )


def test_reminders_and_overdue_reports(pool, aarhus_caseworker, agency_staff, odense_caseworker):
    grant = _award(agency_staff, _submitted(aarhus_caseworker, pool), "1000000")
    services.subscribe(email="nyhed@example.org")
    mail.outbox.clear()
    first_due = grant.reporting_duties.order_by("due_on").first()
    now = datetime.datetime.combine(
        first_due.due_on + datetime.timedelta(days=1), datetime.time(8), tzinfo=CPH
    )
    assert [d.pk for d in selectors.overdue_duties(user=agency_staff, today=now.date())] == [first_due.pk]
    assert list(selectors.overdue_duties(user=odense_caseworker, today=now.date())) == []
    sent = services.send_reminders(now=now)
    assert sent["reports"] == 1
    assert "ikke modtaget" in mail.outbox[0].body
    assert services.send_reminders(now=now)["reports"] == 0  # not again the same week
    services.submit_report(actor=aarhus_caseworker, duty=first_due, upload=pdf("status.pdf"))
    assert list(selectors.overdue_duties(user=agency_staff, today=now.date())) == []


def test_subscribers_are_reminded_of_a_coming_deadline_once(pool):
    services.confirm_subscription(token=services.subscribe(email="nyhed@example.org").token)
    mail.outbox.clear()
    now = pool.deadline - datetime.timedelta(days=3)
    assert services.send_reminders(now=now)["deadlines"] == 1
    assert services.send_reminders(now=now)["deadlines"] == 0
    assert mail.outbox[0].subject.startswith("Ansøgningsfristen nærmer sig")


@pytest.mark.django_db
def test_unsubscribing_removes_the_address():
    subscription = services.subscribe(email="a@example.org")
    assert services.unsubscribe(token=subscription.token)
    assert not services.unsubscribe(token=subscription.token)


@pytest.mark.django_db
def test_only_confirmed_subscribers_get_mail_and_each_mail_has_its_own_unsubscribe_link(pool):
    confirmed = services.subscribe(email="ja@example.org")
    services.subscribe(email="ikke-bekraeftet@example.org")
    assert "/puljer/nyhedsbrev/bekraeft/" in mail.outbox[0].body
    assert services.confirm_subscription(token=confirmed.token)
    mail.outbox.clear()
    now = pool.deadline - datetime.timedelta(days=3)
    services.send_reminders(now=now)
    assert [m.to for m in mail.outbox] == [["ja@example.org"]]
    assert f"/puljer/nyhedsbrev/afmeld/{confirmed.token}/" in mail.outbox[0].body
    assert (
        mail.outbox[0].extra_headers["List-Unsubscribe"] == f"</puljer/nyhedsbrev/afmeld/{confirmed.token}/>"
    )
    assert not services.confirm_subscription(token="unknown")


def test_a_start_date_in_the_future_is_refused(pool, aarhus_caseworker, agency_staff):
    grant = services.award_application(
        actor=agency_staff,
        application=_submitted(aarhus_caseworker, pool),
        amount=D("1000000"),
        project_start=timezone.localdate(),
        project_end=timezone.localdate() + datetime.timedelta(days=365),
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(GrantsError, match="fremtiden") as refused:
        services.start_grant(actor=aarhus_caseworker, grant=grant, started_on=tomorrow)
    assert refused.value.message_dict == {"started_on": [refused.value.messages[0]]}


def test_the_applicants_front_page_panel_counts_its_own_drafts_and_overdue_reports(
    pool, aarhus_caseworker, odense_caseworker, agency_staff
):
    grant = _award(agency_staff, _submitted(aarhus_caseworker, pool), "1000000")
    first, second, *_later = grant.reporting_duties.order_by("due_on")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ReportingDuty.objects.filter(pk__in=[first.pk, second.pk]).update(due_on=yesterday)
    ReportingDuty.objects.filter(pk=second.pk).update(submitted_at=timezone.now())
    for actor in (aarhus_caseworker, aarhus_caseworker, odense_caseworker):
        complete_application(actor, pool)  # drafts

    def facts(user) -> dict[str, object]:
        panel = next(p for p in panels_for(user) if str(p.title) == "Puljer")
        return {str(label): value for label, value in panel.facts}

    aarhus, odense = facts(aarhus_caseworker), facts(odense_caseworker)
    assert (aarhus["Jeres kladder"], aarhus["Rapporter for sent"]) == (2, 1)
    assert (odense["Jeres kladder"], odense["Rapporter for sent"]) == (1, 0)
    assert aarhus["Rapporter for sent"] == selectors.overdue_duties(user=aarhus_caseworker).count()
    # the pools open now, read in the same query (a live fact: a kept copy reads it anew)
    assert aarhus["Åbne puljer"] == odense["Åbne puljer"] == selectors.open_pools().count() == 1
    Pool.objects.filter(pk=pool.pk).update(opens_at=timezone.now() + datetime.timedelta(days=1))
    assert facts(aarhus_caseworker)["Åbne puljer"] == selectors.open_pools().count() == 0
