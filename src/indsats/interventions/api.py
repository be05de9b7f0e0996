"""The interventions API (django-ninja): the register, the portfolio, practice assessments and gate
decisions. The same selectors and services as the pages, so the same scoping and checks apply."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.interventions import access, selectors, services
from indsats.interventions.fact_snapshots import is_intact, latest_snapshot
from indsats.interventions.models import Intervention, Partnership
from indsats.interventions.workflow import DecideAtMeeting, ReviewAlreadyDecided
from indsats.ui.api_schemas import FORBIDDEN, FORBIDDEN_OR_NOT_FOUND
from indsats.ui.converters import DatabaseId
from indsats.ui.service_calls import error_text

router = Router(tags=["interventions"])


class InterventionOut(Schema):
    id: int
    name: str
    short_description: str
    state: str
    state_label: str
    state_entered_at: datetime.datetime
    owner: str
    programme: str
    age_from: int
    age_to: int
    is_open_to_join: bool
    problem_areas: list[str]


class OperationStatusOut(Schema):
    months_after_funding: int
    due_on: datetime.date
    answered: bool
    status: str
    financing: str
    children_served: int | None
    reason: str


class PartnerOut(Schema):
    municipality: str
    municipality_code: str
    role: str
    joined_on: datetime.date
    ended_on: datetime.date | None
    funding_ended_on: datetime.date | None
    operation_status: OperationStatusOut | None


class FactOut(Schema):
    label: str
    value: str
    source: str
    url: str


class FactsSnapshotOut(Schema):
    moment: str
    taken_at: datetime.datetime
    facts: dict[str, list[FactOut]]
    facts_sha256: str
    intact: bool


class GateDecisionOut(Schema):
    decision: str
    reason: str
    conditions: str
    decided_by: str
    decided_at: datetime.datetime


class GateReviewOut(Schema):
    id: int
    intervention_id: int
    phase: str
    status: str
    version: int
    submitted_at: datetime.datetime | None
    facts_sha256: str | None
    snapshot: FactsSnapshotOut | None
    decisions: list[GateDecisionOut]


class InterventionDetailOut(InterventionOut):
    description: str
    target_group: str
    origin: str
    activities: list[str]
    short_term_outcomes: list[str]
    long_term_outcomes: list[str]
    core_elements: list[str]
    partners: list[PartnerOut]


MAX_OFFSET = 10_000_000  # past any real list; a larger offset returns nothing rather than overflow


class FiltersIn(Schema):
    q: str = ""
    problem_area: DatabaseId | None = None
    programme: str = ""
    state: str = ""
    municipality: DatabaseId | None = None
    limit: int = 100
    offset: int = 0


class PracticeAssessmentOut(Schema):
    id: int
    intervention_id: int
    municipality: str
    assessed_on: datetime.date
    total: int
    elements_present: int
    scores: dict[str, int]


class PhaseSummaryOut(Schema):
    state: str
    label: str
    count: int
    committed: Decimal


class PortfolioOut(Schema):
    total: int
    waiting_reviews: int
    reviews_due: int
    phases: list[PhaseSummaryOut]


class DecisionIn(Schema):
    decision: str
    reason: str
    conditions: str = ""
    version: int


class DecisionOut(Schema):
    review_id: int
    decision: str
    intervention_state: str
    review_status: str
    version: int


class ErrorOut(Schema):
    detail: str


def _out(intervention: Intervention) -> dict[str, object]:
    return {
        "id": intervention.pk,
        "name": intervention.name,
        "short_description": intervention.short_description,
        "state": intervention.state,
        "state_label": str(intervention.get_state_display()),
        "state_entered_at": intervention.state_entered_at,
        "owner": intervention.owner.name,
        "programme": intervention.programme,
        "age_from": intervention.age_from,
        "age_to": intervention.age_to,
        "is_open_to_join": intervention.is_open_to_join,
        "problem_areas": [area.name for area in intervention.problem_areas.all()],
    }


@router.get("/", response={200: list[InterventionOut], **FORBIDDEN})
def list_interventions(
    request: AuthenticatedHttpRequest, filters: Query[FiltersIn]
) -> list[dict[str, object]]:
    """The interventions the caller may see, filtered like the portfolio table."""
    portfolio_filters = selectors.PortfolioFilters(
        query=filters.q,
        problem_area=filters.problem_area,
        programme=filters.programme,
        state=filters.state,
        municipality=filters.municipality,
    )
    interventions = (
        selectors.filter_interventions(access.visible_interventions(request.user), portfolio_filters)
        .select_related("owner")
        .prefetch_related("problem_areas")
        .order_by("name")
    )
    limit = max(1, min(filters.limit, 500))
    offset = min(max(0, filters.offset), MAX_OFFSET)
    return [_out(i) for i in interventions[offset : offset + limit]]


@router.get("/portfolio", response={200: PortfolioOut, 403: ErrorOut})
def portfolio(request: AuthenticatedHttpRequest) -> Status[dict[str, object]]:
    """Counts and money committed per phase (agency and steering group)."""
    try:
        board = selectors.portfolio_board(
            user=request.user, filters=selectors.PortfolioFilters(), per_column=0
        )
    except PermissionDenied:
        return Status(403, {"detail": _("Kun styrelsen og styregruppen ser porteføljen.")})
    phases = [
        {"state": c.state, "label": c.label, "count": c.count, "committed": c.committed}
        for c in [*board.columns, *board.end_states]
    ]
    return Status(
        200,
        {
            "total": board.total,
            "waiting_reviews": board.waiting_reviews,
            "reviews_due": board.reviews_due,
            "phases": phases,
        },
    )


@router.get("/{intervention_id}", response={200: InterventionDetailOut, **FORBIDDEN_OR_NOT_FOUND})
def intervention_detail(request: AuthenticatedHttpRequest, intervention_id: DatabaseId) -> dict[str, object]:
    intervention = selectors.intervention_detail(user=request.user, pk=intervention_id)
    return {
        **_out(intervention),
        "description": intervention.description,
        "target_group": intervention.target_group,
        "origin": intervention.origin,
        "activities": intervention.activity_list,
        "short_term_outcomes": intervention.short_term_list,
        "long_term_outcomes": intervention.long_term_list,
        "core_elements": intervention.core_element_list,
        "partners": [_partner(p) for p in intervention.partnerships.prefetch_related("operation_reports")],
    }


def _partner(partnership: Partnership) -> dict[str, object]:
    """A partner municipality with its newest answered follow-up of operation after the funding."""
    answered = [r for r in partnership.operation_reports.all() if r.is_answered]
    latest = max(answered, key=lambda r: r.months_after_funding, default=None)
    return {
        "municipality": partnership.municipality.name,
        "municipality_code": partnership.municipality.municipality_code,
        "role": partnership.role,
        "joined_on": partnership.joined_on,
        "ended_on": partnership.ended_on,
        "funding_ended_on": partnership.funding_ended_on,
        "operation_status": None
        if latest is None
        else {
            "months_after_funding": latest.months_after_funding,
            "due_on": latest.due_on,
            "answered": True,
            "status": latest.status,
            "financing": latest.financing,
            "children_served": latest.children_served,
            "reason": latest.reason,
        },
    }


@router.get("/gate-reviews/{review_id}", response={200: GateReviewOut, **FORBIDDEN_OR_NOT_FOUND})
def gate_review(request: AuthenticatedHttpRequest, review_id: DatabaseId) -> dict[str, object]:
    """A gate review with the decision basis frozen when it was sent or decided (the newest snapshot) and
    its sha256 over the canonical JSON; `intact` says whether the stored facts still match the hash."""
    review = selectors.gate_review_detail(user=request.user, pk=review_id)
    frozen = latest_snapshot(review)
    return {
        "id": review.pk,
        "intervention_id": review.intervention_id,
        "phase": review.phase,
        "status": review.status,
        "version": review.version,
        "submitted_at": review.submitted_at,
        "facts_sha256": frozen.sha256 if frozen else None,
        "snapshot": None
        if frozen is None
        else {
            "moment": frozen.moment,
            "taken_at": frozen.taken_at,
            "facts": frozen.facts,
            "facts_sha256": frozen.sha256,
            "intact": is_intact(frozen),
        },
        "decisions": [
            {
                "decision": d.decision,
                "reason": d.reason,
                "conditions": d.conditions,
                "decided_by": d.decided_by_name,
                "decided_at": d.decided_at,
            }
            for d in review.decisions.all()
        ],
    }


@router.get(
    "/{intervention_id}/practice-assessments",
    response={200: list[PracticeAssessmentOut], **FORBIDDEN_OR_NOT_FOUND},
)
def practice_assessments(
    request: AuthenticatedHttpRequest, intervention_id: DatabaseId
) -> list[dict[str, object]]:
    """Practice assessments of the intervention: a municipality gets only its own."""
    intervention = selectors.intervention_detail(user=request.user, pk=intervention_id)
    rows = selectors.practice_rows(
        selectors.practice_assessments(user=request.user, intervention=intervention)
    )
    return [
        {
            "id": row.assessment.pk,
            "intervention_id": intervention.pk,
            "municipality": row.assessment.municipality.name,
            "assessed_on": row.assessment.assessed_on,
            "total": row.total,
            "elements_present": row.present,
            "scores": row.scores,
        }
        for row in rows
    ]


@router.post(
    "/gate-reviews/{review_id}/decision",
    response={200: DecisionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def decide(
    request: AuthenticatedHttpRequest, review_id: DatabaseId, payload: DecisionIn
) -> Status[dict[str, object]]:
    """The steering group's decision. 409 when someone else decided first (send the version you saw)."""
    try:
        review = selectors.gate_review_detail(user=request.user, pk=review_id)
        services.decide_gate_review(
            actor=request.user,
            review=review,
            decision=payload.decision,
            reason=payload.reason,
            conditions=payload.conditions,
            expected_version=payload.version,
        )
    except PermissionDenied:
        return Status(403, {"detail": _("Kun styregruppen afgør gate reviews.")})
    except ReviewAlreadyDecided as conflict:
        return Status(409, {"detail": conflict.text})
    except DecideAtMeeting as refused:
        return Status(403, {"detail": refused.text})
    except ValidationError as error:
        return Status(400, {"detail": error_text(error)})
    review.refresh_from_db()
    state = Intervention.objects.values_list("state", flat=True).get(pk=review.intervention_id)
    return Status(
        200,
        {
            "review_id": review.pk,
            "decision": payload.decision,
            "intervention_state": state,
            "review_status": review.status,
            "version": review.version,
        },
    )
