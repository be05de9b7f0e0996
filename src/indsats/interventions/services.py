"""Every write to the register and the phase model: one transaction, one permission check, one audit
entry. State changes are named actions checked against the transitions table in workflow.py."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation, OrganisationKind
from indsats.accounts.permissions import (
    ASSESS_PRACTICE,
    DECIDE_GATE_REVIEWS,
    MANAGE_INTERVENTIONS,
    has_permission,
    is_agency,
    municipality_ids_of,
    require_municipality,
    require_permission,
)
from indsats.audit.models import AuditAction
from indsats.audit.services import record, record_create, record_update, snapshot
from indsats.interventions.models import (
    OPEN_REVIEW_STATUSES,
    ChecklistItem,
    Contact,
    Criterion,
    CriterionAssessment,
    DeclarationScore,
    DeliverableTemplate,
    Dimension,
    EventKind,
    EvidenceReference,
    GateDecision,
    GateReview,
    Intervention,
    InterventionEvent,
    JoinRequest,
    KnowledgeDeclaration,
    Material,
    Partnership,
    PhaseRecord,
    PracticeAssessment,
    PracticeElement,
    PracticeElementScore,
    ProblemArea,
    Rating,
    ReviewStatus,
)
from indsats.interventions.workflow import (
    GateNotReady,
    InterventionState,
    ReviewAlreadyDecided,
    ReviewNotEditable,
    TransitionNotAllowed,
    WorkflowAction,
    find_transition,
    is_phase,
)

INTERVENTION_FIELDS = (
    "name",
    "short_description",
    "description",
    "age_from",
    "age_to",
    "target_group",
    "activities",
    "short_term_outcomes",
    "long_term_outcomes",
    "core_elements",
    "origin",
    "owner",
    "programme",
    "is_open_to_join",
)


def _name(actor: Any) -> str:
    if actor is None:
        return "system"
    return (actor.get_full_name() if hasattr(actor, "get_full_name") else "") or getattr(
        actor, "username", ""
    )


def _event(
    *,
    intervention: Intervention,
    kind: str,
    actor: Any,
    text: str = "",
    from_state: str = "",
    to_state: str = "",
    review: GateReview | None = None,
    at: datetime.datetime | None = None,
) -> InterventionEvent:
    return InterventionEvent.objects.create(
        intervention=intervention,
        at=at or timezone.now(),
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        text=text,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=_name(actor)[:200],
        review=review,
    )


def _today() -> datetime.date:
    return timezone.localdate()


# --- the register -------------------------------------------------------------------------------------


def open_phase_record(
    intervention: Intervention, phase: str, *, on: datetime.date | None = None
) -> PhaseRecord:
    """Create (or reopen, after a return) the record of a phase, with the playbook's checklist."""
    record_, created = PhaseRecord.objects.get_or_create(intervention=intervention, phase=phase)
    record_.actual_start = record_.actual_start or on or _today()
    record_.actual_end = None
    record_.save(update_fields=["actual_start", "actual_end"])
    if created:
        templates = DeliverableTemplate.objects.filter(phase=phase, is_active=True)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                phase_record=record_, template=t, title=t.title, is_required=t.is_required, order=t.order
            )
            for t in templates
        )
    return record_


@transaction.atomic
def create_intervention(
    *, actor: Any, problem_areas: Iterable[ProblemArea] = (), **fields: Any
) -> Intervention:
    """Register an intervention; it starts in Fase 0 Screening with the phase's checklist."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    intervention = Intervention(**{k: v for k, v in fields.items() if k in INTERVENTION_FIELDS})
    intervention.state = InterventionState.SCREENING
    intervention.state_entered_at = timezone.now()
    intervention.created_by = actor if getattr(actor, "pk", None) else None
    intervention.full_clean(exclude=["state_entered_at"])
    intervention.save()
    intervention.problem_areas.set(problem_areas)
    open_phase_record(intervention, InterventionState.SCREENING)
    _event(
        intervention=intervention,
        kind=EventKind.CREATED,
        actor=actor,
        to_state=InterventionState.SCREENING,
        at=intervention.state_entered_at,
    )
    record_create(actor=actor, instance=intervention)
    return intervention


@transaction.atomic
def update_intervention(
    *,
    actor: Any,
    intervention: Intervention,
    problem_areas: Iterable[ProblemArea] | None = None,
    **fields: Any,
) -> Intervention:
    require_permission(actor, MANAGE_INTERVENTIONS)
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    before = snapshot(intervention)
    before_areas = sorted(intervention.problem_areas.values_list("name", flat=True))
    for name, value in fields.items():
        if name in INTERVENTION_FIELDS:
            setattr(intervention, name, value)
    intervention.full_clean()
    intervention.save()
    message = ""
    if problem_areas is not None:
        intervention.problem_areas.set(problem_areas)
        after_areas = sorted(intervention.problem_areas.values_list("name", flat=True))
        if after_areas != before_areas:
            message = _("Problemområder: %(areas)s") % {"areas": ", ".join(after_areas) or "–"}
    record_update(actor=actor, instance=intervention, before=before, message=message)
    return intervention


@transaction.atomic
def add_partner(
    *, actor: Any, intervention: Intervention, municipality: Organisation, role: str, joined_on: datetime.date
) -> Partnership:
    require_permission(actor, MANAGE_INTERVENTIONS)
    if municipality.kind != OrganisationKind.MUNICIPALITY:
        raise ValidationError({"municipality": _("Vælg en kommune.")})
    if Partnership.objects.filter(intervention=intervention, municipality=municipality).exists():
        raise ValidationError({"municipality": _("Kommunen deltager allerede i indsatsen.")})
    partnership = Partnership(
        intervention=intervention, municipality=municipality, role=role, joined_on=joined_on
    )
    partnership.full_clean()
    partnership.save()
    record_create(actor=actor, instance=partnership)
    return partnership


@transaction.atomic
def request_to_join(
    *, actor: Any, intervention: Intervention, municipality: Organisation, message: str = ""
) -> JoinRequest:
    """A municipality asks to take part in an intervention that is open to new municipalities."""
    require_permission(actor, ASSESS_PRACTICE)
    require_municipality(actor, municipality.pk)
    if not intervention.is_open_to_join:
        raise ValidationError(_("Indsatsen er ikke åben for nye kommuner."))
    if Partnership.objects.filter(intervention=intervention, municipality=municipality).exists():
        raise ValidationError(_("Kommunen deltager allerede i indsatsen."))
    if JoinRequest.objects.filter(intervention=intervention, municipality=municipality).exists():
        raise ValidationError(_("Kommunen har allerede bedt om at deltage."))
    join_request = JoinRequest.objects.create(
        intervention=intervention, municipality=municipality, message=message, requested_by=actor
    )
    record_create(actor=actor, instance=join_request)
    return join_request


@transaction.atomic
def add_contact(*, actor: Any, intervention: Intervention, **fields: Any) -> Contact:
    require_permission(actor, MANAGE_INTERVENTIONS)
    contact = Contact(intervention=intervention, **fields)
    contact.full_clean()
    contact.save()
    record_create(actor=actor, instance=contact)
    return contact


@transaction.atomic
def add_reference(*, actor: Any, intervention: Intervention, **fields: Any) -> EvidenceReference:
    require_permission(actor, MANAGE_INTERVENTIONS)
    reference = EvidenceReference(intervention=intervention, **fields)
    reference.full_clean()
    reference.save()
    record_create(actor=actor, instance=reference)
    return reference


@transaction.atomic
def add_material(
    *, actor: Any, intervention: Intervention, title: str, kind: str, file: UploadedFile
) -> Material:
    require_permission(actor, MANAGE_INTERVENTIONS)
    material = Material(intervention=intervention, title=title, kind=kind, file=file)
    material.full_clean()
    material.save()
    record_create(actor=actor, instance=material)
    return material


# --- the agency's vocabularies ------------------------------------------------------------------------


@transaction.atomic
def save_problem_area(*, actor: Any, problem_area: ProblemArea | None = None, **fields: Any) -> ProblemArea:
    require_permission(actor, MANAGE_INTERVENTIONS)
    allowed = {k: v for k, v in fields.items() if k in ("name", "description", "order", "is_active")}
    if problem_area is None:
        problem_area = ProblemArea(**allowed)
        problem_area.full_clean()
        problem_area.save()
        record_create(actor=actor, instance=problem_area)
        return problem_area
    before = snapshot(problem_area)
    for name, value in allowed.items():
        setattr(problem_area, name, value)
    problem_area.full_clean()
    problem_area.save()
    record_update(actor=actor, instance=problem_area, before=before)
    return problem_area


@transaction.atomic
def save_deliverable_template(
    *, actor: Any, template: DeliverableTemplate | None = None, **fields: Any
) -> DeliverableTemplate:
    """Add or change a deliverable of the playbook; phases entered from now on get it on their checklist."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    allowed = {
        k: v
        for k, v in fields.items()
        if k in ("phase", "title", "description", "is_required", "order", "is_active")
    }
    if template is None:
        template = DeliverableTemplate(**allowed)
        template.full_clean()
        template.save()
        record_create(actor=actor, instance=template)
        return template
    before = snapshot(template)
    for name, value in allowed.items():
        setattr(template, name, value)
    template.full_clean()
    template.save()
    record_update(actor=actor, instance=template, before=before)
    return template


# --- phases and checklists ----------------------------------------------------------------------------


@transaction.atomic
def update_phase_record(
    *,
    actor: Any,
    phase_record: PhaseRecord,
    done_item_ids: Iterable[int],
    planned_start: datetime.date | None,
    planned_end: datetime.date | None,
    committed_amount: Decimal,
    organisations: Iterable[Organisation] = (),
    new_item: str = "",
) -> PhaseRecord:
    """Tick off the checklist, set planned dates, the money committed and the organisations at work."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    phase_record = PhaseRecord.objects.select_for_update().get(pk=phase_record.pk)
    before = snapshot(phase_record)
    phase_record.planned_start = planned_start
    phase_record.planned_end = planned_end
    phase_record.committed_amount = committed_amount
    phase_record.full_clean()
    if planned_start and planned_end and planned_end < planned_start:
        raise ValidationError({"planned_end": _("Den planlagte afslutning ligger før den planlagte start.")})
    phase_record.save()
    organisations_before = set(phase_record.organisations.values_list("pk", flat=True))
    phase_record.organisations.set(organisations)
    organisations_after = {o.pk: o.name for o in phase_record.organisations.all()}
    done = set(done_item_ids)
    finished: list[str] = []
    reopened: list[str] = []
    for item in phase_record.checklist.all():
        if item.is_done != (item.pk in done):
            item.is_done = item.pk in done
            item.done_on = _today() if item.is_done else None
            item.save(update_fields=["is_done", "done_on"])
            (finished if item.is_done else reopened).append(item.title)
    if new_item.strip():
        ChecklistItem.objects.create(
            phase_record=phase_record, title=new_item.strip(), is_required=False, order=900
        )
        finished.append(_("ny leverance: %(title)s") % {"title": new_item.strip()})
    parts = []
    if set(organisations_after) != organisations_before:
        parts.append(
            _("Organisationer: %(names)s") % {"names": ", ".join(sorted(organisations_after.values())) or "–"}
        )
    if finished:
        parts.append(_("Færdige: %(items)s") % {"items": ", ".join(finished)})
    if reopened:
        parts.append(_("Genåbnet: %(items)s") % {"items": ", ".join(reopened)})
    record_update(actor=actor, instance=phase_record, before=before, message="; ".join(parts))
    return phase_record


def current_phase_record(intervention: Intervention) -> PhaseRecord | None:
    if not is_phase(intervention.state):
        return None
    return PhaseRecord.objects.filter(intervention=intervention, phase=intervention.state).first()


# --- the state machine --------------------------------------------------------------------------------


def _move(
    *,
    actor: Any,
    intervention: Intervention,
    action: str,
    to_state: str | None = None,
    reason: str = "",
    kind: str,
    review: GateReview | None = None,
) -> Intervention:
    """Carry out one row of the transitions table on a locked intervention. Call inside a transaction."""
    row = find_transition(intervention.state, action, to_state)
    require_permission(actor, row.permission)
    from_state = intervention.state
    before = snapshot(intervention)
    now = timezone.now()
    if row.to_state != from_state:
        if is_phase(from_state):
            PhaseRecord.objects.filter(intervention=intervention, phase=from_state).update(
                actual_end=_today()
            )
        if is_phase(row.to_state):
            open_phase_record(intervention, row.to_state)
        intervention.state = row.to_state
        intervention.state_entered_at = now
        intervention.stop_reason = reason if row.to_state == InterventionState.STOPPED else ""
        intervention.save(update_fields=["state", "state_entered_at", "stop_reason", "updated_at"])
        # Reviews of the phase left behind no longer apply.
        left_behind = GateReview.objects.filter(intervention=intervention, status__in=OPEN_REVIEW_STATUSES)
        if review is not None:
            left_behind = left_behind.exclude(pk=review.pk)
        left_behind.update(status=ReviewStatus.WITHDRAWN)
    _event(
        intervention=intervention,
        kind=kind,
        actor=actor,
        text=reason,
        from_state=from_state,
        to_state=row.to_state if row.to_state != from_state else "",
        review=review,
        at=now,
    )
    after = snapshot(intervention)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    record(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=intervention,
        changes=changes,
        message=f"{WorkflowAction(action).label}: {reason}"[:500],
    )
    return intervention


@transaction.atomic
def return_to_phase(*, actor: Any, intervention: Intervention, phase: str, reason: str) -> Intervention:
    """Go back to an earlier phase (with a reason). Open gate reviews are withdrawn."""
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv hvorfor indsatsen vender tilbage.")})
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    return _move(
        actor=actor,
        intervention=intervention,
        action=WorkflowAction.RETURN_TO_PHASE,
        to_state=phase,
        reason=reason.strip(),
        kind=EventKind.RETURNED,
    )


@transaction.atomic
def stop_intervention(*, actor: Any, intervention: Intervention, reason: str) -> Intervention:
    """End the intervention's development (an end state), with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv hvorfor indsatsen stoppes.")})
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    return _move(
        actor=actor,
        intervention=intervention,
        action=WorkflowAction.STOP,
        reason=reason.strip(),
        kind=EventKind.STOPPED,
    )


# --- gate reviews -------------------------------------------------------------------------------------


@transaction.atomic
def start_gate_review(*, actor: Any, intervention: Intervention) -> GateReview:
    """Open a draft review of the current phase, with the five criteria not yet assessed."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    find_transition(intervention.state, WorkflowAction.SUBMIT_GATE_REVIEW)  # only in a phase
    existing = GateReview.objects.filter(intervention=intervention, status__in=OPEN_REVIEW_STATUSES).first()
    if existing is not None:
        return existing
    review = GateReview.objects.create(
        intervention=intervention,
        phase=intervention.state,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    CriterionAssessment.objects.bulk_create(
        CriterionAssessment(review=review, criterion=c, rating=Rating.NOT_ASSESSED) for c in Criterion.values
    )
    _event(intervention=intervention, kind=EventKind.REVIEW_STARTED, actor=actor, review=review)
    record_create(actor=actor, instance=review)
    return review


ASSESSMENT_FIELDS = ("rating", "rationale", "fact", "fact_source", "fact_url")


@transaction.atomic
def update_gate_review(
    *,
    actor: Any,
    review: GateReview,
    assessments: Mapping[str, Mapping[str, Any]],
    summary: str,
    expected_version: int | None = None,
) -> GateReview:
    """Save the agency's assessment of the five criteria (only while the review is a draft)."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.DRAFT:
        raise ReviewNotEditable(status=review.status)
    if expected_version is not None and review.version != expected_version:
        raise ReviewAlreadyDecided(decided_by="", decision="")
    before = {a.criterion: snapshot(a) for a in review.assessments.all()}
    changed = []
    for assessment in review.assessments.all():
        values = assessments.get(assessment.criterion)
        if not values:
            continue
        for name in ASSESSMENT_FIELDS:
            if name in values:
                setattr(assessment, name, values[name] or "")
        assessment.full_clean()
        assessment.save()
        if snapshot(assessment) != before[assessment.criterion]:
            changed.append(str(assessment))
    review_before = snapshot(review)
    review.summary = summary
    review.version += 1
    review.save(update_fields=["summary", "version"])
    record_update(
        actor=actor,
        instance=review,
        before=review_before,
        message="; ".join(changed),
    )
    return review


def gate_readiness(review: GateReview) -> GateNotReady | None:
    """Why the review cannot go to the steering group yet (None when it can)."""
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


@transaction.atomic
def submit_gate_review(*, actor: Any, review: GateReview) -> GateReview:
    """Send the review to the steering group: all five criteria assessed with a rationale, and the phase's
    required deliverables done."""
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    intervention = Intervention.objects.select_for_update().get(pk=review.intervention_id)
    row = find_transition(intervention.state, WorkflowAction.SUBMIT_GATE_REVIEW)
    require_permission(actor, row.permission)
    if review.status != ReviewStatus.DRAFT or review.phase != intervention.state:
        raise TransitionNotAllowed(state=intervention.state, action=WorkflowAction.SUBMIT_GATE_REVIEW)
    problem = gate_readiness(review)
    if problem is not None:
        raise problem
    before = snapshot(review)
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = timezone.now()
    review.submitted_by = actor if getattr(actor, "pk", None) else None
    review.version += 1
    review.save(update_fields=["status", "submitted_at", "submitted_by", "version"])
    _event(
        intervention=intervention,
        kind=EventKind.REVIEW_SUBMITTED,
        actor=actor,
        review=review,
        text=review.summary,
        at=review.submitted_at,
    )
    record_update(
        actor=actor, instance=review, before=before, message=str(WorkflowAction.SUBMIT_GATE_REVIEW.label)
    )
    return review


_KIND_OF_DECISION = {
    WorkflowAction.APPROVE: EventKind.DECIDED,
    WorkflowAction.APPROVE_WITH_CONDITIONS: EventKind.DECIDED,
    WorkflowAction.REJECT: EventKind.DECIDED,
    WorkflowAction.SEND_BACK: EventKind.DECIDED,
}


@transaction.atomic
def decide_gate_review(
    *,
    actor: Any,
    review: GateReview,
    decision: str,
    reason: str,
    expected_version: int,
    conditions: str = "",
) -> GateDecision:
    """The steering group decides a submitted review; the intervention moves as the table says.

    Approve (with or without conditions) moves it one phase on (Udbredelse -> ordinary operation),
    reject stops it, send back returns the review to the agency as a draft. The review row is locked
    and its version compared with the one the decider saw, so of two people deciding at the same time
    one wins and the other gets ReviewAlreadyDecided; no second transition happens.
    """
    require_permission(actor, DECIDE_GATE_REVIEWS)
    if decision not in _KIND_OF_DECISION:
        raise ValidationError({"decision": _("Vælg en afgørelse.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv en begrundelse for afgørelsen.")})
    if decision == WorkflowAction.APPROVE_WITH_CONDITIONS and not conditions.strip():
        raise ValidationError({"conditions": _("Skriv betingelserne for godkendelsen.")})
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.SUBMITTED or review.version != expected_version:
        latest = review.decisions.order_by("-decided_at", "-id").first()
        raise ReviewAlreadyDecided(
            decided_by=latest.decided_by_name if latest else "",
            decision=str(latest.get_decision_display()) if latest else "",
        )
    intervention = Intervention.objects.select_for_update().get(pk=review.intervention_id)
    if intervention.state != review.phase:
        raise TransitionNotAllowed(state=intervention.state, action=decision)
    gate_decision = GateDecision.objects.create(
        review=review,
        decision=decision,
        reason=reason.strip(),
        conditions=conditions.strip(),
        decided_by=actor if getattr(actor, "pk", None) else None,
        decided_by_name=_name(actor)[:200],
    )
    text = reason.strip() + (f"\n{_('Betingelser')}: {conditions.strip()}" if conditions.strip() else "")
    _move(
        actor=actor,
        intervention=intervention,
        action=decision,
        reason=text,
        kind=_KIND_OF_DECISION[WorkflowAction(decision)],
        review=review,
    )
    review.status = ReviewStatus.DRAFT if decision == WorkflowAction.SEND_BACK else ReviewStatus.DECIDED
    review.decision = "" if decision == WorkflowAction.SEND_BACK else decision
    review.version += 1
    review.save(update_fields=["status", "decision", "version"])
    record_create(actor=actor, instance=gate_decision)
    return gate_decision


# --- promising practice and knowledge declarations ----------------------------------------------------


@transaction.atomic
def record_practice_assessment(
    *,
    actor: Any,
    intervention: Intervention,
    municipality: Organisation,
    scores: Mapping[str, int],
    assessed_on: datetime.date,
    note: str = "",
    comments: Mapping[str, str] | None = None,
) -> PracticeAssessment:
    """A municipality (or the agency on its behalf) scores its practice on the 11 elements (0-2 each)."""
    require_permission(actor, ASSESS_PRACTICE)
    if not is_agency(actor):
        require_municipality(actor, municipality.pk)
    if municipality.kind != OrganisationKind.MUNICIPALITY:
        raise ValidationError({"municipality": _("Vælg en kommune.")})
    missing = [str(PracticeElement(e).label) for e in PracticeElement.values if e not in scores]
    if missing:
        raise ValidationError(_("Vurdér alle elementer. Mangler: %(names)s.") % {"names": ", ".join(missing)})
    assessment = PracticeAssessment.objects.create(
        intervention=intervention,
        municipality=municipality,
        assessed_on=assessed_on,
        note=note,
        assessed_by=actor,
    )
    comments = comments or {}
    rows = []
    for element in PracticeElement.values:
        score = int(scores[element])
        if score not in (0, 1, 2):
            raise ValidationError({element: _("Vurderingen skal være 0, 1 eller 2.")})
        rows.append(
            PracticeElementScore(
                assessment=assessment, element=element, score=score, comment=comments.get(element, "")[:500]
            )
        )
    PracticeElementScore.objects.bulk_create(rows)
    record_create(actor=actor, instance=assessment, message=", ".join(f"{r.element}={r.score}" for r in rows))
    return assessment


@transaction.atomic
def declare_knowledge(
    *,
    actor: Any,
    intervention: Intervention,
    grades: Mapping[str, tuple[str, str]],
    declared_on: datetime.date,
) -> KnowledgeDeclaration:
    """The agency scores the knowledge declaration: A-D on each of the five dimensions, with a reason."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    errors: dict[str, str] = {}
    for dimension in Dimension.values:
        grade, reason = grades.get(dimension, ("", ""))
        if grade not in ("A", "B", "C", "D"):
            errors[dimension] = _("Giv en karakter fra A til D.")
        elif not reason.strip():
            errors[dimension] = _("Begrund karakteren.")
    if errors:
        raise ValidationError(errors)
    declaration = KnowledgeDeclaration.objects.create(
        intervention=intervention, declared_on=declared_on, declared_by=actor
    )
    DeclarationScore.objects.bulk_create(
        DeclarationScore(
            declaration=declaration, dimension=d, grade=grades[d][0], reason=grades[d][1].strip()
        )
        for d in Dimension.values
    )
    record_create(
        actor=actor, instance=declaration, message=", ".join(f"{d}={grades[d][0]}" for d in Dimension.values)
    )
    return declaration


def municipalities_for_practice(actor: Any) -> list[Organisation]:
    """The municipalities a person may assess practice for: all for the agency, else their own."""
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, is_active=True)
    if is_agency(actor) and has_permission(actor, ASSESS_PRACTICE):
        return list(municipalities.order_by("name"))
    if not has_permission(actor, ASSESS_PRACTICE):
        raise PermissionDenied(ASSESS_PRACTICE)
    return list(municipalities.filter(pk__in=municipality_ids_of(actor)).order_by("name"))
