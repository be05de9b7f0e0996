"""Reads of the grants app, scoped to who is asking (who may see a record: `grants/access.py`).

- Published pools and the pool calendar are public.
- An application is seen by its applicant organisation's people and, once submitted, by the agency's
  assessors.
- An assessor sees other assessors' scores on an application only after giving their own.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.accounts.permissions import ASSESS_APPLICATIONS, ROLE_PERMISSIONS, organisation_ids_of
from indsats.db.compiled_lookups import CompiledQuery
from indsats.db.nested_rows import set_prefetched
from indsats.grants.access import Person, can_view_application, can_view_grant, can_view_pool, is_grants_staff
from indsats.grants.models import (
    LIVE_GRANT_STATUSES,
    ZERO,
    Application,
    ApplicationStatus,
    Assessment,
    BudgetCategory,
    BudgetLine,
    ChangeRequest,
    Grant,
    GrantStatus,
    Initiative,
    Instalment,
    Pool,
    PoolStatus,
    ProgrammeYear,
    RepaymentClaim,
    RepaymentStatus,
    ReportedSpending,
    ReportingDuty,
    ReportKind,
    SupportLogEntry,
    TrainingRecord,
)
from indsats.grants.schedules import PlannedDuty, PlannedInstalment, Replan, replan
from indsats.interventions.models import Intervention


def editors_of(application: Application) -> list[User]:
    """The people who write the application: its author and the co-editors they added."""
    return [application.created_by, *application.co_editors.all()]


# --- pools -------------------------------------------------------------------------------------------


def pool_list(*, user: Person) -> QuerySet[Pool]:
    """Published pools for everyone; the agency's grants staff also see drafts (as `can_view_pool`)."""
    # (no count of applications: nothing shows it, and its join grouped by every column of the pool
    # made a page of pools and its count group the rows)
    pools = Pool.objects.select_related("initiative__programme_year__programme")
    if not is_grants_staff(user):
        pools = pools.exclude(status=PoolStatus.DRAFT)
    return pools.order_by("-deadline")


def pool_detail(*, user: Person, pk: int) -> Pool:
    pool = (
        Pool.objects.select_related("initiative__programme_year__programme")
        .prefetch_related("criteria")
        .filter(pk=pk)
        .first()
    )
    if pool is None or not can_view_pool(user, pool):
        raise Http404
    return pool


def _is_open(now: datetime.datetime) -> Q:
    """`Pool.is_open` as a filter."""
    return Q(status=PoolStatus.PUBLISHED, opens_at__lte=now, deadline__gte=now)


def open_pools(*, now: datetime.datetime | None = None) -> QuerySet[Pool]:
    """Published pools taking applications at this instant."""
    return Pool.objects.filter(_is_open(now or timezone.now()))


def pool_index(
    *, user: Person, now: datetime.datetime | None = None
) -> tuple[QuerySet[Pool], QuerySet[Pool]]:
    """The pool list's two parts, split in SQL: the pools open now (soonest deadline first) and the rest
    (latest deadline first), each as `pool_list` sees them, with only the columns the list shows (not the
    pool's texts, nor its initiative and programme: four tables joined for nothing)."""
    is_open = _is_open(now or timezone.now())
    pools = (
        pool_list(user=user)
        .select_related(None)
        .only("title", "eligible_applicants", "budget", "deadline", "status")
    )
    return (
        pools.filter(is_open).order_by("deadline", "pk"),
        pools.exclude(is_open).order_by("-deadline", "-pk"),
    )


@dataclass
class CalendarQuarter:
    label: str
    pools: list[Pool] = field(default_factory=list)


def pool_calendar(*, now: datetime.datetime | None = None) -> list[CalendarQuarter]:
    """The puljekalender: published pools whose deadline is still ahead, by the quarter they open in."""
    now = now or timezone.now()
    quarters: dict[tuple[int, int], CalendarQuarter] = {}
    pools = Pool.objects.filter(status=PoolStatus.PUBLISHED, deadline__gte=now).order_by(
        "opens_at", "deadline"
    )
    for pool in pools:
        local = timezone.localtime(pool.opens_at)
        key = (local.year, (local.month - 1) // 3 + 1)
        quarters.setdefault(
            key, CalendarQuarter(_("%(q)s. kvartal %(year)s") % {"q": key[1], "year": key[0]})
        )
        quarters[key].pools.append(pool)
    return [quarters[key] for key in sorted(quarters)]


# --- programmes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitiativeMoney:
    initiative: Initiative
    budget: Decimal
    pooled: Decimal
    committed: Decimal
    paid: Decimal

    @property
    def left(self) -> Decimal:
        return self.budget - self.committed


@dataclass(frozen=True)
class YearOverview:
    year: ProgrammeYear
    initiatives: list[InitiativeMoney]

    @property
    def budgeted(self) -> Decimal:
        return sum((i.budget for i in self.initiatives), ZERO)

    @property
    def committed(self) -> Decimal:
        return sum((i.committed for i in self.initiatives), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((i.paid for i in self.initiatives), ZERO)

    @property
    def unallocated(self) -> Decimal:
        return self.year.frame - self.budgeted


def programme_years() -> QuerySet[ProgrammeYear]:
    return ProgrammeYear.objects.select_related("programme").order_by("programme__name", "-year")


def year_overview(*, programme_year: ProgrammeYear) -> YearOverview:
    """Budget, committed, paid and left per initiative of a year, in three queries."""
    initiatives = list(
        Initiative.objects.filter(programme_year=programme_year)
        .select_related("intervention")
        .annotate(pooled=Sum("pools__budget"))
        .order_by("name")
    )
    paid_rows = (
        Instalment.objects.filter(
            grant__application__pool__initiative__programme_year=programme_year, paid_on__isnull=False
        )
        .values("grant__application__pool__initiative")
        .annotate(total=Sum("amount"))
    )
    paid = {row["grant__application__pool__initiative"]: row["total"] for row in paid_rows}
    return YearOverview(
        year=programme_year,
        initiatives=[
            InitiativeMoney(
                initiative=i,
                budget=i.budget,
                pooled=getattr(i, "pooled", None) or ZERO,
                committed=i.committed_amount,
                paid=paid.get(i.pk, ZERO),
            )
            for i in initiatives
        ],
    )


# A grant not started this many days before its start deadline is at risk of lapsing.
LAPSE_WARNING_DAYS = 30


@dataclass(frozen=True)
class PoolMoney:
    """One pool's line in the programme overview."""

    pool: Pool
    budget: Decimal
    committed: Decimal
    paid: Decimal
    repaid: Decimal
    overdue_reports: int
    at_risk_of_lapsing: int

    @property
    def outstanding(self) -> Decimal:
        """Committed and not yet paid out (paid money that came back counts as not paid)."""
        return self.committed - self.paid + self.repaid


def programme_overview(*, today: datetime.date | None = None) -> list[PoolMoney]:
    """Across the programme, per programme year, initiative and pool: budget, committed, paid, repaid
    and outstanding, reports overdue and grants at risk of lapsing. Five queries, whatever the size."""
    today = today or timezone.localdate()
    pools = list(
        Pool.objects.select_related("initiative__programme_year__programme").order_by(
            "initiative__programme_year__programme__name",
            "-initiative__programme_year__year",
            "initiative__name",
            "title",
        )
    )

    def per_pool(queryset: QuerySet[Any], pool_path: str, value: Any) -> dict[int, Any]:
        return {row[pool_path]: row["value"] for row in queryset.values(pool_path).annotate(value=value)}

    paid = per_pool(
        Instalment.objects.filter(paid_on__isnull=False), "grant__application__pool", Sum("amount")
    )
    repaid = per_pool(
        RepaymentClaim.objects.filter(status=RepaymentStatus.PAID), "grant__application__pool", Sum("amount")
    )
    overdue = per_pool(
        ReportingDuty.objects.filter(
            submitted_at__isnull=True, due_on__lt=today, grant__status__in=LIVE_GRANT_STATUSES
        ),
        "grant__application__pool",
        Count("pk"),
    )
    at_risk = per_pool(
        Grant.objects.filter(
            status=GrantStatus.AWARDED,
            start_deadline__lte=today + datetime.timedelta(days=LAPSE_WARNING_DAYS),
        ),
        "application__pool",
        Count("pk"),
    )
    return [
        PoolMoney(
            pool=pool,
            budget=pool.budget,
            committed=pool.committed_amount,
            paid=paid.get(pool.pk) or ZERO,
            repaid=repaid.get(pool.pk) or ZERO,
            overdue_reports=overdue.get(pool.pk, 0),
            at_risk_of_lapsing=at_risk.get(pool.pk, 0),
        )
        for pool in pools
    ]


def intervention_money(*, intervention: Intervention) -> list[InitiativeMoney]:
    """Budget, committed and paid of every initiative that funds the intervention, newest year first,
    in two queries."""
    initiatives = list(
        Initiative.objects.filter(intervention=intervention)
        .select_related("programme_year__programme")
        .annotate(pooled=Sum("pools__budget"))
        .order_by("-programme_year__year", "name")
    )
    paid_rows = (
        Instalment.objects.filter(
            grant__application__pool__initiative__intervention=intervention, paid_on__isnull=False
        )
        .values("grant__application__pool__initiative")
        .annotate(total=Sum("amount"))
    )
    paid = {row["grant__application__pool__initiative"]: row["total"] for row in paid_rows}
    return [
        InitiativeMoney(
            initiative=i,
            budget=i.budget,
            pooled=getattr(i, "pooled", None) or ZERO,
            committed=i.committed_amount,
            paid=paid.get(i.pk, ZERO),
        )
        for i in initiatives
    ]


# --- applications and assessment ---------------------------------------------------------------------


def application_list(*, user: User) -> QuerySet[Application]:
    """The agency sees every submitted application; applicants see their own organisations' (drafts too)."""
    applications = Application.objects.select_related("pool", "applicant")
    if is_grants_staff(user):
        applications = applications.exclude(status=ApplicationStatus.DRAFT)
    else:
        applications = applications.filter(applicant_id__in=organisation_ids_of(user))
    return applications.order_by("-created_at", "-pk")


def application_detail(*, user: User, pk: int) -> Application:
    application = (
        Application.objects.select_related("pool__initiative", "applicant", "created_by")
        .prefetch_related("attachments", "co_editors", "budget_lines", "assignments__assessor")
        .filter(pk=pk)
        .first()
    )
    if application is None or not can_view_application(user, application):
        raise Http404
    return application


def assessors() -> QuerySet[User]:
    """The people who may assess applications (a role holding ASSESS_APPLICATIONS, in an active
    organisation)."""
    roles = [role for role, permissions in ROLE_PERMISSIONS.items() if ASSESS_APPLICATIONS in permissions]
    return (
        User.objects.filter(
            is_active=True, memberships__role__in=roles, memberships__organisation__is_active=True
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def own_assessment(*, user: User, application: Application) -> Assessment | None:
    return Assessment.objects.filter(application=application, assessor=user).first()


def visible_assessments(*, user: User, application: Application) -> list[Assessment]:
    """Every assessor's scores, but only to an assessor who has scored the application (not one with a
    conflict of interest); the applicant never sees them."""
    mine = own_assessment(user=user, application=application)
    if mine is None or mine.has_conflict:
        return []
    return list(
        application.assessments.select_related("assessor")
        .prefetch_related("scores__criterion")
        .order_by("submitted_at")
    )


@dataclass(frozen=True)
class RankedApplication:
    application: Application
    mean_score: Decimal | None  # None until the viewer has scored it
    assessed_by: int
    conflicts: int
    viewer_has_assessed: bool


def ranking(*, user: User, pool: Pool) -> list[RankedApplication]:
    """The pool's submitted applications ranked by mean weighted score (scores hidden until the viewer has
    scored the application; unscored ones last)."""
    applications = list(
        pool.applications.exclude(status=ApplicationStatus.DRAFT)
        .select_related("applicant")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.only(
                    "application_id", "assessor_id", "has_conflict", "weighted_score"
                ),
            )
        )
    )
    rows = []
    for application in applications:
        assessments = list(application.assessments.all())
        scored = [
            a.weighted_score for a in assessments if not a.has_conflict and a.weighted_score is not None
        ]
        mine = next((a for a in assessments if a.assessor_id == user.pk), None)
        may_see = mine is not None and not mine.has_conflict
        mean = (
            (sum(scored, Decimal(0)) / len(scored)).quantize(Decimal("0.01")) if scored and may_see else None
        )
        rows.append(
            RankedApplication(
                application=application,
                mean_score=mean,
                assessed_by=len(scored),
                conflicts=sum(1 for a in assessments if a.has_conflict),
                viewer_has_assessed=mine is not None,
            )
        )
    return sorted(rows, key=lambda row: (row.mean_score is None, -(row.mean_score or 0), row.application.pk))


# --- grants ------------------------------------------------------------------------------------------


def grant_list(*, user: User) -> QuerySet[Grant]:
    grants = Grant.objects.select_related("application__applicant", "application__pool")
    if not is_grants_staff(user):
        grants = grants.filter(application__applicant_id__in=organisation_ids_of(user))
    return grants.order_by("-awarded_at", "-pk")


def _grant_with_application(pk: int) -> QuerySet[Grant]:
    return (
        Grant.objects.select_related("application__applicant", "application__pool__initiative", "awarded_by")
        .annotate(
            has_changes=Exists(ChangeRequest.objects.filter(grant=OuterRef("pk"))),
            has_repayments=Exists(RepaymentClaim.objects.filter(grant=OuterRef("pk"))),
            has_budget_lines=Exists(BudgetLine.objects.filter(application_id=OuterRef("application_id"))),
        )
        .filter(pk=pk)
        .order_by()
    )


# the grant's page reads the grant joined to five tables: compiled once per process (compiling it cost
# more than the database's answer)
_GRANT_WITH_APPLICATION = CompiledQuery(_grant_with_application)


# the lists of one grant (or its application) in their models' order without their first key, the grant,
# the duty or the application (the same for every row: as a key of the order it would be ordered by the
# parent's own ordering, a join each); compiled once per process, as the grant's own query
_INSTALMENTS = CompiledQuery(lambda pk: Instalment.objects.filter(grant_id=pk).order_by("due_on"))
_DUTIES = CompiledQuery(lambda pk: ReportingDuty.objects.filter(grant_id=pk))
_SPENDING = CompiledQuery(
    lambda pk: ReportedSpending.objects.filter(duty__grant_id=pk).order_by("duty_id", "category")
)
_CHANGES = CompiledQuery(lambda pk: ChangeRequest.objects.filter(grant_id=pk))
_REPAYMENTS = CompiledQuery(lambda pk: RepaymentClaim.objects.filter(grant_id=pk).order_by("prepared_at"))
_BUDGET_LINES = CompiledQuery(lambda pk: BudgetLine.objects.filter(application_id=pk).order_by("category"))


def grant_detail(*, user: User, pk: int) -> Grant:
    """The grant with its application, lines, duties and changes, read once the person may see it, each
    list stored as the grant's prefetched relation (`grant.instalments.all()` asks nothing more). Change
    requests, repayment claims and the application's budget lines, which most grants never have, are read
    only when the grant's own query found some, the duties' spending only when there are duties."""
    found = _GRANT_WITH_APPLICATION.rows(pk)
    grant = found[0] if found else None
    if grant is None or not can_view_grant(user, grant):
        raise Http404
    # annotated by _grant_with_application (its type kept by the compiled query is the plain model's)
    has_changes, has_repayments = grant.has_changes, grant.has_repayments  # type: ignore[attr-defined]
    has_budget_lines = grant.has_budget_lines  # type: ignore[attr-defined]
    set_prefetched(grant, "instalments", _INSTALMENTS.rows(pk))
    duties = _DUTIES.rows(pk)
    set_prefetched(grant, "reporting_duties", duties)
    spending: dict[int, list[ReportedSpending]] = defaultdict(list)
    for line in _SPENDING.rows(pk) if duties else []:
        spending[line.duty_id].append(line)
    for duty in duties:
        set_prefetched(duty, "spending", spending[duty.pk])
    set_prefetched(grant, "change_requests", _CHANGES.rows(pk) if has_changes else [])
    set_prefetched(grant, "repayment_claims", _REPAYMENTS.rows(pk) if has_repayments else [])
    budget_lines = _BUDGET_LINES.rows(grant.application_id) if has_budget_lines else []
    set_prefetched(grant.application, "budget_lines", budget_lines)
    return grant


def overdue_duties(*, user: User, today: datetime.date | None = None) -> QuerySet[ReportingDuty]:
    duties = ReportingDuty.objects.select_related("grant__application__applicant").filter(
        _is_overdue(today or timezone.localdate())
    )
    if not is_grants_staff(user):
        duties = duties.filter(grant__application__applicant_id__in=organisation_ids_of(user))
    return duties.order_by("due_on", "pk")


def _is_overdue(today: datetime.date) -> Q:
    """A reporting duty of a live grant, not submitted and due before today."""
    return Q(submitted_at__isnull=True, due_on__lt=today, grant__status__in=LIVE_GRANT_STATUSES)


def applicants_overdue_duties(
    organisation_ids: Collection[int], today: datetime.date
) -> QuerySet[ReportingDuty]:
    """`overdue_duties` as an applicant of these organisations sees them (unordered: for counting)."""
    own = Q(grant__application__applicant_id__in=organisation_ids)
    return ReportingDuty.objects.filter(_is_overdue(today), own)


# --- a grant's plan, budget and money ---------------------------------------------------------------


def extension_plan(*, grant: Grant, new_end: datetime.date) -> Replan:
    """The grant's open reporting duties and unpaid instalments now and if the project ends on `new_end`
    (for the page that shows both before the change is approved, and for `decide_change`)."""
    duties = list(grant.reporting_duties.all())
    return replan(
        project_start=grant.project_start,
        new_end=new_end,
        open_duties=[
            PlannedDuty(duty.pk, duty.kind, duty.due_on)
            for duty in duties
            if duty.submitted_at is None and duty.approved_at is None
        ],
        unpaid_instalments=[
            PlannedInstalment(item.pk, item.due_on, item.amount)
            for item in grant.instalments.all()
            if item.paid_on is None and item.prepared_by_id is None
        ],
        status_report_dates={duty.due_on for duty in duties if duty.kind == ReportKind.STATUS_REPORT},
    )


@dataclass(frozen=True)
class BudgetComparison:
    """One budget line beside the spending the latest report gave for it."""

    category: str
    label: str
    budget: Decimal
    co_funding: Decimal
    co_funding_source: str
    spent: Decimal | None

    @property
    def left(self) -> Decimal | None:
        return None if self.spent is None else self.budget - self.spent


def budget_comparison(*, grant: Grant) -> list[BudgetComparison]:
    """The application's budget lines with the spending of the newest report that gave any (the final
    accounts, once submitted); a line that was spent on but not budgeted shows a budget of 0."""
    lines = {line.category: line for line in grant.application.budget_lines.all()}
    reports = sorted(
        (duty for duty in grant.reporting_duties.all() if duty.submitted_at and duty.spending.all()),
        key=lambda duty: duty.submitted_at or timezone.now(),
    )
    latest = {row.category: row.amount for row in reports[-1].spending.all()} if reports else {}
    labels = dict(BudgetCategory.choices)
    return [
        BudgetComparison(
            category=category,
            label=str(labels[category]),
            budget=lines[category].amount if category in lines else ZERO,
            co_funding=lines[category].co_funding_amount if category in lines else ZERO,
            co_funding_source=lines[category].co_funding_source if category in lines else "",
            spent=latest.get(category) if reports else None,
        )
        for category in BudgetCategory.values
        if category in lines or category in latest
    ]


@dataclass(frozen=True)
class GrantMoney:
    """A grant's money: awarded, paid, waiting for payment, repaid and still to be repaid."""

    amount: Decimal
    paid: Decimal
    unpaid: Decimal
    repaid: Decimal
    to_repay: Decimal


def grant_money(*, grant: Grant) -> GrantMoney:
    """From the (prefetched) instalments and repayment claims of one grant."""
    instalments = list(grant.instalments.all())
    claims = list(grant.repayment_claims.all())
    paid = sum((item.amount for item in instalments if item.paid_on is not None), ZERO)
    repaid = sum((claim.amount for claim in claims if claim.status == RepaymentStatus.PAID), ZERO)
    return GrantMoney(
        amount=grant.amount,
        paid=paid,
        unpaid=sum((item.amount for item in instalments if item.paid_on is None), ZERO),
        repaid=repaid,
        to_repay=sum((claim.amount for claim in claims), ZERO) - repaid,
    )


# --- implementation support and training -------------------------------------------------------------


@dataclass(frozen=True)
class ImplementationFacts:
    """What the system knows about training and support for an intervention, for its gate review."""

    trained_staff: int
    municipalities_trained: int
    last_trained_on: datetime.date | None
    support_entries: int
    support_hours: Decimal
    municipalities_supported: int
    by_municipality: dict[str, dict[str, Any]]


def implementation_facts(intervention: Intervention) -> ImplementationFacts:
    """Training and implementation support given for `intervention`, in total and per municipality."""
    training = TrainingRecord.objects.filter(intervention=intervention).select_related("municipality")
    support = SupportLogEntry.objects.filter(intervention=intervention).select_related("municipality")
    by_municipality: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"trained": 0, "support_hours": Decimal(0)}
    )
    last: datetime.date | None = None
    for record in training:
        by_municipality[record.municipality.name]["trained"] += 1
        last = max(last, record.trained_on) if last else record.trained_on
    hours = Decimal(0)
    entries = 0
    for entry in support:
        by_municipality[entry.municipality.name]["support_hours"] += entry.hours
        hours += entry.hours
        entries += 1
    return ImplementationFacts(
        trained_staff=len(training),
        municipalities_trained=len({r.municipality_id for r in training}),
        last_trained_on=last,
        support_entries=entries,
        support_hours=hours,
        municipalities_supported=len({e.municipality_id for e in support}),
        by_municipality=dict(sorted(by_municipality.items())),
    )


def training_log(*, intervention: Intervention | None = None) -> QuerySet[TrainingRecord]:
    records = TrainingRecord.objects.select_related("intervention", "municipality")
    return records.filter(intervention=intervention) if intervention is not None else records


def support_log(*, intervention: Intervention | None = None) -> QuerySet[SupportLogEntry]:
    entries = SupportLogEntry.objects.select_related("intervention", "municipality")
    return entries.filter(intervention=intervention) if intervention is not None else entries
