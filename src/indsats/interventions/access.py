"""What may this person do with this intervention or gate review now: the one place that answers.

Each answer combines the permission (accounts.permissions) with the object's state (the transitions table
in workflow.py). Views ask it what to show; services ask it before they write, always in one order:

1. the permission (PermissionDenied: 403),
2. visibility (Http404 for what the person may not see),
3. the state (a domain error that names the state),

so nobody learns the state of an intervention they may not see.

Who sees what:
- the agency and the steering group (VIEW_PORTFOLIO or MANAGE_INTERVENTIONS) see every intervention and
  every gate review;
- everyone else sees the interventions their organisation owns, those their municipality takes part in,
  and those open to new municipalities, and no gate reviews;
- practice assessments: the agency and the steering group see all, a municipality only its own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from indsats.accounts.models import Organisation, OrganisationKind, User, Visitor
from indsats.accounts.permissions import (
    ASSESS_PRACTICE,
    DECIDE_GATE_REVIEWS,
    MANAGE_INTERVENTIONS,
    VIEW_PORTFOLIO,
    has_permission,
    is_agency,
    municipality_ids_of,
    organisation_ids_of,
    permissions_of,
    require_municipality,
    require_permission,
)
from indsats.interventions.models import (
    UNMET_CONDITION_STATUSES,
    ChecklistItem,
    Criterion,
    DecisionCondition,
    GateReview,
    Intervention,
    Partnership,
    PracticeAssessment,
    Rating,
    ReviewStatus,
)
from indsats.interventions.workflow import (
    ACTION_PERMISSIONS,
    CONDITION_TRANSITIONS,
    TRANSITIONS,
    ConditionsNotMet,
    DecideAtMeeting,
    GateNotReady,
    ReviewAlreadyDecided,
    ReviewNotEditable,
    Transition,
    TransitionNotAllowed,
    WorkflowAction,
    is_phase,
)

# --- who sees what ------------------------------------------------------------------------------------


def sees_portfolio(user: Visitor) -> bool:
    return has_permission(user, VIEW_PORTFOLIO) or has_permission(user, MANAGE_INTERVENTIONS)


def visible_interventions(user: Visitor) -> QuerySet[Intervention]:
    interventions = Intervention.objects.all()
    if sees_portfolio(user):
        return interventions
    return interventions.filter(seen_by_organisations(organisation_ids_of(user)))


def seen_by_organisations(organisation_ids: Collection[int]) -> Q:
    """What the members of these organisations see when they do not see the portfolio: the interventions
    open to join, their own and those they are partners in."""
    partner = Partnership.objects.filter(intervention=OuterRef("pk"), municipality_id__in=organisation_ids)
    return Q(is_open_to_join=True) | Q(owner_id__in=organisation_ids) | Q(Exists(partner))


def sees_intervention(user: Visitor, intervention: Intervention) -> bool:
    """Whether `visible_interventions(user)` holds this intervention, answered from the intervention read
    with its partnerships prefetched (seen_by_organisations' three conditions, without a query)."""
    if sees_portfolio(user):
        return True
    if not user.is_authenticated:  # as can_view_intervention
        return False
    organisation_ids = organisation_ids_of(user)
    return (
        intervention.is_open_to_join
        or intervention.owner_id in organisation_ids
        or any(p.municipality_id in organisation_ids for p in intervention.partnerships.all())
    )


def can_view_intervention(user: Visitor, intervention: Intervention) -> bool:
    if sees_portfolio(user):
        return True
    if not user.is_authenticated:
        return False
    return visible_interventions(user).filter(pk=intervention.pk).exists()


def require_visible(user: Visitor, intervention: Intervention) -> None:
    """Http404 unless the person may see the intervention (it does not exist, as far as they know)."""
    if not can_view_intervention(user, intervention):
        raise Http404


def can_view_gate_review(user: Visitor, review: GateReview) -> bool:
    return sees_portfolio(user)


def can_view_practice_assessment(user: Visitor, assessment: PracticeAssessment) -> bool:
    return sees_portfolio(user) or assessment.municipality_id in municipality_ids_of(user)


# --- changing the register ----------------------------------------------------------------------------


def require_manage(user: User, intervention: Intervention | None = None) -> None:
    """The agency's changes to the register (and to an intervention, when given)."""
    require_permission(user, MANAGE_INTERVENTIONS)
    if intervention is not None:
        require_visible(user, intervention)


def practice_municipalities(user: User) -> list[Organisation]:
    """The municipalities a person may assess practice for: every one for the agency, else their own."""
    require_permission(user, ASSESS_PRACTICE)
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, is_active=True)
    if not is_agency(user):
        municipalities = municipalities.filter(pk__in=municipality_ids_of(user))
    return list(municipalities.order_by("name"))


def require_assess_practice(user: User, intervention: Intervention, municipality: Organisation) -> None:
    """A municipality assesses its own practice; the agency may assess on any municipality's behalf."""
    require_permission(user, ASSESS_PRACTICE)
    if not is_agency(user):
        require_municipality(user, municipality.pk)
    require_visible(user, intervention)


def require_request_to_join(user: User, intervention: Intervention, municipality: Organisation) -> None:
    """A municipality manager asks, for their own municipality, to join an intervention they can see."""
    require_permission(user, ASSESS_PRACTICE)
    require_municipality(user, municipality.pk)
    require_visible(user, intervention)


# --- moving through the phases ------------------------------------------------------------------------


def require_move(
    user: User, intervention: Intervention, action: str, to_state: str | None = None
) -> Transition:
    """The table's row for this move, checked in the house's order: permission, visibility, state."""
    permission = ACTION_PERMISSIONS.get(action)
    if permission is None:
        raise TransitionNotAllowed(state=intervention.state, action=action, to_state=to_state)
    require_permission(user, permission)
    require_visible(user, intervention)
    return TRANSITIONS.find(intervention.state, action, to_state)


def return_targets(intervention: Intervention) -> list[str]:
    """The earlier phases the intervention may go back to."""
    return [
        row.to_state
        for row in TRANSITIONS.from_state(intervention.state)
        if row.action == WorkflowAction.RETURN_TO_PHASE
    ]


@dataclass(frozen=True)
class InterventionActions:
    """What a person may do with one intervention now (the buttons its page shows)."""

    manage: bool  # edit it, add partners, materials, references, contacts, declarations
    update_phase: bool
    start_review: bool
    return_targets: tuple[str, ...]
    stop: bool
    assess_practice: bool
    request_to_join: bool
    see_reviews: bool

    @property
    def return_to_phase(self) -> bool:
        return bool(self.return_targets)


def intervention_actions(user: User, intervention: Intervention) -> InterventionActions:
    """Uses the intervention's prefetched partnerships (see selectors.intervention_detail)."""
    allowed = {row.action for row in TRANSITIONS.allowed(intervention.state, permissions_of(user))}
    manage = has_permission(user, MANAGE_INTERVENTIONS)
    targets = tuple(return_targets(intervention)) if WorkflowAction.RETURN_TO_PHASE in allowed else ()
    partners = {partnership.municipality_id for partnership in intervention.partnerships.all()}
    return InterventionActions(
        manage=manage,
        update_phase=manage and is_phase(intervention.state),
        start_review=WorkflowAction.SUBMIT_GATE_REVIEW in allowed,
        return_targets=targets,
        stop=WorkflowAction.STOP in allowed,
        assess_practice=has_permission(user, ASSESS_PRACTICE),
        request_to_join=intervention.is_open_to_join
        and bool(municipality_ids_of(user) - partners)
        and has_permission(user, ASSESS_PRACTICE),
        see_reviews=sees_portfolio(user),
    )


# --- gate reviews -------------------------------------------------------------------------------------


def gate_readiness(review: GateReview) -> GateNotReady | None:
    """Why the review cannot go to the steering group yet (None when it can): every criterion assessed
    with a rationale, and the phase's required deliverables done."""
    assessments = list(review.assessments.all())
    unassessed = [str(a.get_criterion_display()) for a in assessments if a.rating == Rating.NOT_ASSESSED]
    unassessed += [
        str(Criterion(c).label) for c in Criterion.values if c not in {a.criterion for a in assessments}
    ]
    missing_rationale = [
        str(a.get_criterion_display())
        for a in assessments
        if a.rating != Rating.NOT_ASSESSED and not a.rationale.strip()
    ]
    open_items = list(
        ChecklistItem.objects.filter(
            phase_record__intervention_id=review.intervention_id,
            phase_record__phase=review.phase,
            is_required=True,
            is_done=False,
        ).values_list("title", flat=True)
    )
    if unassessed or missing_rationale or open_items:
        return GateNotReady(
            unassessed=unassessed, missing_rationale=missing_rationale, open_deliverables=open_items
        )
    return None


def decision_conflict(review: GateReview, expected_version: int | None = None) -> ReviewAlreadyDecided | None:
    """The review no longer waits for a decision, or changed after the decider opened it at
    `expected_version`: the error names who decided what. None when it still waits, unchanged."""
    if review.status == ReviewStatus.SUBMITTED and expected_version in (None, review.version):
        return None
    latest = review.decisions.order_by("-decided_at", "-id").first()
    return ReviewAlreadyDecided(
        decided_by=latest.decided_by_name if latest else "",
        decision=str(latest.get_decision_display()) if latest else "",
    )


def require_edit_review(user: User, review: GateReview, expected_version: int | None = None) -> None:
    """The agency changes its assessment while the review is a draft, and only the version it saw."""
    require_permission(user, MANAGE_INTERVENTIONS)
    if review.status != ReviewStatus.DRAFT:
        raise ReviewNotEditable(status=review.status)
    if expected_version is not None and review.version != expected_version:
        raise ReviewAlreadyDecided(decided_by="", decision="")


def require_send_review(user: User, review: GateReview, intervention: Intervention) -> Transition:
    """The agency sends a ready draft of the current phase to the steering group."""
    row = require_move(user, intervention, WorkflowAction.SUBMIT_GATE_REVIEW)
    if review.status != ReviewStatus.DRAFT or review.phase != intervention.state:
        raise TransitionNotAllowed(state=intervention.state, action=WorkflowAction.SUBMIT_GATE_REVIEW)
    problem = gate_readiness(review)
    if problem is not None:
        raise problem
    blocking = unmet_conditions(intervention)
    if blocking:
        raise ConditionsNotMet(conditions=[c.text for c in blocking])
    return row


# --- conditions on decisions --------------------------------------------------------------------------


def unmet_conditions(intervention: Intervention) -> list[DecisionCondition]:
    """The steering group's conditions that are still open or overdue: they block the next gate review."""
    return list(
        DecisionCondition.objects.filter(intervention=intervention, status__in=UNMET_CONDITION_STATUSES)
    )


def require_change_condition(user: User, condition: DecisionCondition, action: str) -> Transition:
    """The agency marks a condition met; the steering group waives it (with a reason)."""
    permission = {row.action: row.permission for row in CONDITION_TRANSITIONS}.get(action, "")
    if not permission:
        raise PermissionDenied(action)
    require_permission(user, permission)
    return CONDITION_TRANSITIONS.find(condition.status, action)


def condition_actions(user: User, condition: DecisionCondition) -> list[str]:
    return [
        row.action
        for row in CONDITION_TRANSITIONS.allowed(condition.status, permissions_of(user))
        if row.permission
    ]


def decided_at_meetings_only() -> bool:
    return bool(settings.GATE_DECISIONS_AT_MEETINGS)


def require_decide_review(
    user: User,
    review: GateReview,
    intervention: Intervention,
    decision: str,
    expected_version: int,
    *,
    at_meeting: bool = False,
) -> None:
    """The steering group decides a review that still waits, unchanged since they opened it, for the
    phase the intervention is in (at a meeting, when settings.GATE_DECISIONS_AT_MEETINGS says so)."""
    require_permission(user, DECIDE_GATE_REVIEWS)
    if decided_at_meetings_only() and not at_meeting:
        raise DecideAtMeeting()
    conflict = decision_conflict(review, expected_version)
    if conflict is not None:
        raise conflict
    if intervention.state != review.phase:
        raise TransitionNotAllowed(state=intervention.state, action=decision)


@dataclass(frozen=True)
class ReviewActions:
    """What a person may do with one gate review now."""

    edit: bool
    send: bool
    decide: bool


def review_actions(user: User, review: GateReview) -> ReviewActions:
    intervention = review.intervention
    manage = has_permission(user, MANAGE_INTERVENTIONS)
    is_current_draft = review.status == ReviewStatus.DRAFT and review.phase == intervention.state
    return ReviewActions(
        edit=manage and review.status == ReviewStatus.DRAFT,
        send=manage
        and is_current_draft
        and TRANSITIONS.allows(intervention.state, WorkflowAction.SUBMIT_GATE_REVIEW),
        decide=has_permission(user, DECIDE_GATE_REVIEWS)
        and review.status == ReviewStatus.SUBMITTED
        and not decided_at_meetings_only(),
    )
