"""The grants API (django-ninja, read-only): pools, applications, and grants with their instalments,
reporting duties and repayment claims. The same selectors as the pages, so the same scoping applies:
a list holds only what the caller may see, a record the caller may not see is 404. Every list takes a
constant number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from ninja import Query, Router, Schema

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.grants import selectors
from indsats.grants.models import Application, Grant, Instalment, Pool, ReportingDuty
from indsats.grants.workflow import duty_state, instalment_state
from indsats.ui.api_schemas import FORBIDDEN, FORBIDDEN_OR_NOT_FOUND
from indsats.ui.converters import DatabaseId

router = Router(tags=["grants"])


class PageIn(Schema):
    limit: int = 100
    offset: int = 0


class PoolOut(Schema):
    id: int
    title: str
    initiative: str
    programme_year: int
    status: str
    eligible_applicants: list[str]
    budget: Decimal
    max_per_grant: Decimal
    committed: Decimal
    opens_at: datetime.datetime
    deadline: datetime.datetime


class ApplicationOut(Schema):
    id: int
    pool_id: int
    applicant: str
    applicant_kind: str
    title: str
    amount_requested: Decimal
    status: str
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None


class InstalmentOut(Schema):
    id: int
    due_on: datetime.date
    amount: Decimal
    state: str
    paid_on: datetime.date | None


class DutyOut(Schema):
    id: int
    kind: str
    due_on: datetime.date
    state: str
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None


class RepaymentOut(Schema):
    id: int
    amount: Decimal
    status: str
    paid_on: datetime.date | None


class GrantOut(Schema):
    id: int
    application_id: int
    title: str
    grantee: str
    amount: Decimal
    status: str
    project_start: datetime.date
    project_end: datetime.date
    started_on: datetime.date | None
    finished_on: datetime.date | None
    final_spent: Decimal | None
    instalments: list[InstalmentOut]
    reporting_duties: list[DutyOut]
    repayment_claims: list[RepaymentOut]


def _page(page: PageIn) -> slice:
    offset = max(0, page.offset)
    return slice(offset, offset + max(1, min(page.limit, 500)))


def _pool(pool: Pool) -> dict[str, object]:
    return {
        "id": pool.pk,
        "title": pool.title,
        "initiative": pool.initiative.name,
        "programme_year": pool.initiative.programme_year.year,
        "status": pool.status,
        "eligible_applicants": list(pool.eligible_applicants),
        "budget": pool.budget,
        "max_per_grant": pool.max_per_grant,
        "committed": pool.committed_amount,
        "opens_at": pool.opens_at,
        "deadline": pool.deadline,
    }


def _application(application: Application) -> dict[str, object]:
    return {
        "id": application.pk,
        "pool_id": application.pool_id,
        "applicant": application.applicant.name,
        "applicant_kind": application.applicant.kind,
        "title": application.title,
        "amount_requested": application.amount_requested,
        "status": application.status,
        "submitted_at": application.submitted_at,
        "decided_at": application.decided_at,
    }


def _instalment(instalment: Instalment) -> dict[str, object]:
    return {
        "id": instalment.pk,
        "due_on": instalment.due_on,
        "amount": instalment.amount,
        "state": instalment_state(instalment),
        "paid_on": instalment.paid_on,
    }


def _duty(duty: ReportingDuty) -> dict[str, object]:
    return {
        "id": duty.pk,
        "kind": duty.kind,
        "due_on": duty.due_on,
        "state": duty_state(duty),
        "submitted_at": duty.submitted_at,
        "approved_at": duty.approved_at,
    }


def _grant(grant: Grant) -> dict[str, object]:
    return {
        "id": grant.pk,
        "application_id": grant.application_id,
        "title": grant.application.title,
        "grantee": grant.application.applicant.name,
        "amount": grant.amount,
        "status": grant.status,
        "project_start": grant.project_start,
        "project_end": grant.project_end,
        "started_on": grant.started_on,
        "finished_on": grant.finished_on,
        "final_spent": grant.final_spent,
        "instalments": [_instalment(i) for i in grant.instalments.all()],
        "reporting_duties": [_duty(d) for d in grant.reporting_duties.all()],
        "repayment_claims": [
            {"id": c.pk, "amount": c.amount, "status": c.status, "paid_on": c.paid_on}
            for c in grant.repayment_claims.all()
        ],
    }


@router.get("/pools", response={200: list[PoolOut], **FORBIDDEN})
def list_pools(request: AuthenticatedHttpRequest, page: Query[PageIn]) -> list[dict[str, object]]:
    """The pools the caller may see: published ones, and drafts for the agency's grants staff."""
    return [_pool(pool) for pool in selectors.pool_list(user=request.user)[_page(page)]]


@router.get("/pools/{pool_id}", response={200: PoolOut, **FORBIDDEN_OR_NOT_FOUND})
def pool_detail(request: AuthenticatedHttpRequest, pool_id: DatabaseId) -> dict[str, object]:
    return _pool(selectors.pool_detail(user=request.user, pk=pool_id))


@router.get("/applications", response={200: list[ApplicationOut], **FORBIDDEN})
def list_applications(request: AuthenticatedHttpRequest, page: Query[PageIn]) -> list[dict[str, object]]:
    """The caller's organisations' applications; for the agency's grants staff every submitted one."""
    applications = selectors.application_list(user=request.user).select_related("applicant")
    return [_application(a) for a in applications.order_by("-created_at", "pk")[_page(page)]]


@router.get("/applications/{application_id}", response={200: ApplicationOut, **FORBIDDEN_OR_NOT_FOUND})
def application_detail(request: AuthenticatedHttpRequest, application_id: DatabaseId) -> dict[str, object]:
    return _application(selectors.application_detail(user=request.user, pk=application_id))


def _with_money_and_duties(grants: QuerySet[Grant]) -> QuerySet[Grant]:
    return grants.prefetch_related(
        Prefetch("instalments", queryset=Instalment.objects.order_by("due_on")),
        Prefetch("reporting_duties", queryset=ReportingDuty.objects.order_by("due_on", "kind")),
        "repayment_claims",
    )


@router.get("/grants", response={200: list[GrantOut], **FORBIDDEN})
def list_grants(request: AuthenticatedHttpRequest, page: Query[PageIn]) -> list[dict[str, object]]:
    """The caller's organisations' grants (every grant for the agency's grants staff), each with its
    instalments, reporting duties and repayment claims."""
    grants = _with_money_and_duties(selectors.grant_list(user=request.user).order_by("-awarded_at", "pk"))
    return [_grant(grant) for grant in grants[_page(page)]]


@router.get("/grants/{grant_id}", response={200: GrantOut, **FORBIDDEN_OR_NOT_FOUND})
def grant_detail(request: AuthenticatedHttpRequest, grant_id: DatabaseId) -> dict[str, object]:
    return _grant(selectors.grant_detail(user=request.user, pk=grant_id))
