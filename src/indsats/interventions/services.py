"""Every write to the register and the phase model: one transaction, one audit entry, and first the
checks of access.py in the house's order (permission, then visibility, then state). State changes are
named actions: a row of the transitions table in workflow.py."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation, OrganisationKind, User
from indsats.accounts.permissions import DECIDE_GATE_REVIEWS, require_permission
from indsats.audit.models import AuditAction
from indsats.audit.services import actor_name, record, record_create, record_update, snapshot
from indsats.errors import DomainError
from indsats.interventions import access, portfolio_totals
from indsats.interventions.fact_snapshots import freeze_facts
from indsats.interventions.models import (
    OPEN_REVIEW_STATUSES,
    PARTNER_KINDS,
    ChecklistItem,
    ConditionStatus,
    Contact,
    Criterion,
    CriterionAssessment,
    DecisionCondition,
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
    SnapshotMoment,
)
from indsats.interventions.workflow import (
    CONDITION_TRANSITIONS,
    DECISIONS,
    ConditionAction,
    InterventionState,
    Transition,
    WorkflowAction,
    is_phase,
)
from indsats.uploads import safe_file_name

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


def _event(
    *,
    intervention: Intervention,
    kind: str,
    actor: User,
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
        actor=actor,
        actor_name=actor_name(actor)[:200],
        review=review,
    )


# --- the register -------------------------------------------------------------------------------------


@transaction.atomic
def create_intervention(
    *, actor: User, problem_areas: Iterable[ProblemArea] = (), **fields: Any
) -> Intervention:
    """Register an intervention; it starts in Fase 0 Screening with the phase's checklist."""
    access.require_manage(actor)
    intervention = Intervention(**{k: v for k, v in fields.items() if k in INTERVENTION_FIELDS})
    intervention.state = InterventionState.SCREENING
    intervention.state_entered_at = timezone.now()
    intervention.created_by = actor
    intervention.full_clean(exclude=["state_entered_at"])
    intervention.save()
    intervention.problem_areas.set(problem_areas)
    PhaseRecord.objects.open_for(intervention, InterventionState.SCREENING)
    _event(
        intervention=intervention,
        kind=EventKind.CREATED,
        actor=actor,
        to_state=InterventionState.SCREENING,
        at=intervention.state_entered_at,
    )
    record_create(actor=actor, instance=intervention)
    portfolio_totals.recount()
    return intervention


@transaction.atomic
def update_intervention(
    *,
    actor: User,
    intervention: Intervention,
    problem_areas: Iterable[ProblemArea] | None = None,
    **fields: Any,
) -> Intervention:
    access.require_manage(actor, intervention)
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
    *,
    actor: User,
    intervention: Intervention,
    municipality: Organisation,
    role: str,
    joined_on: datetime.date,
    ended_on: datetime.date | None = None,
    funding_ended_on: datetime.date | None = None,
) -> Partnership:
    access.require_manage(actor, intervention)
    if municipality.kind not in PARTNER_KINDS:
        raise DomainError(_("Vælg en kommune, en region eller et socialt tilbud."), field="municipality")
    if Partnership.objects.filter(intervention=intervention, municipality=municipality).exists():
        raise DomainError(
            _("%(partner)s deltager allerede i indsatsen.") % {"partner": municipality}, field="municipality"
        )
    _check_partnership_dates(joined_on, ended_on)
    partnership = Partnership(
        intervention=intervention,
        municipality=municipality,
        role=role,
        joined_on=joined_on,
        ended_on=ended_on,
        funding_ended_on=funding_ended_on,
    )
    partnership.full_clean()
    partnership.save()
    record_create(actor=actor, instance=partnership)
    return partnership


def _check_partnership_dates(joined_on: datetime.date, ended_on: datetime.date | None) -> None:
    if ended_on is not None and ended_on < joined_on:
        raise DomainError(_("Slutdatoen ligger før startdatoen."), field="ended_on")


@transaction.atomic
def set_partnership_dates(
    *,
    actor: User,
    partnership: Partnership,
    joined_on: datetime.date,
    ended_on: datetime.date | None,
    funding_ended_on: datetime.date | None,
) -> Partnership:
    """The partnership's start and end, and when the programme's funding of it ended (from then on the
    municipality is asked each year whether the intervention is still in operation)."""
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    access.require_manage(actor, partnership.intervention)
    _check_partnership_dates(joined_on, ended_on)
    before = snapshot(partnership)
    partnership.joined_on = joined_on
    partnership.ended_on = ended_on
    partnership.funding_ended_on = funding_ended_on
    partnership.save(update_fields=["joined_on", "ended_on", "funding_ended_on"])
    record_update(actor=actor, instance=partnership, before=before)
    return partnership


@transaction.atomic
def request_to_join(
    *, actor: User, intervention: Intervention, municipality: Organisation, message: str = ""
) -> JoinRequest:
    """A municipality asks to take part in an intervention that is open to new municipalities."""
    access.require_request_to_join(actor, intervention, municipality)
    if not intervention.is_open_to_join:
        raise DomainError(_("Indsatsen er ikke åben for nye kommuner."))
    if Partnership.objects.filter(intervention=intervention, municipality=municipality).exists():
        raise DomainError(_("Kommunen deltager allerede i indsatsen."), field="municipality")
    if JoinRequest.objects.filter(intervention=intervention, municipality=municipality).exists():
        raise DomainError(_("Kommunen har allerede bedt om at deltage."), field="municipality")
    join_request = JoinRequest.objects.create(
        intervention=intervention, municipality=municipality, message=message, requested_by=actor
    )
    record_create(actor=actor, instance=join_request)
    return join_request


@transaction.atomic
def add_contact(*, actor: User, intervention: Intervention, **fields: Any) -> Contact:
    access.require_manage(actor, intervention)
    contact = Contact(intervention=intervention, **fields)
    contact.full_clean()
    contact.save()
    record_create(actor=actor, instance=contact)
    return contact


@transaction.atomic
def add_reference(*, actor: User, intervention: Intervention, **fields: Any) -> EvidenceReference:
    access.require_manage(actor, intervention)
    reference = EvidenceReference(intervention=intervention, **fields)
    reference.full_clean()
    reference.save()
    record_create(actor=actor, instance=reference)
    return reference


@transaction.atomic
def add_material(
    *, actor: User, intervention: Intervention, title: str, kind: str, file: UploadedFile
) -> Material:
    access.require_manage(actor, intervention)
    file.name = safe_file_name(file.name)  # stored and audited under this name: no CPR number in it
    material = Material(intervention=intervention, title=title, kind=kind, file=file)
    material.full_clean()
    material.save()
    record_create(actor=actor, instance=material)
    return material


# --- the agency's vocabularies ------------------------------------------------------------------------


@transaction.atomic
def save_problem_area(*, actor: User, problem_area: ProblemArea | None = None, **fields: Any) -> ProblemArea:
    access.require_manage(actor)
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
    *, actor: User, template: DeliverableTemplate | None = None, **fields: Any
) -> DeliverableTemplate:
    """Add or change a deliverable of the playbook; phases entered from now on get it on their checklist."""
    access.require_manage(actor)
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
    actor: User,
    phase_record: PhaseRecord,
    done_item_ids: Iterable[int],
    planned_start: datetime.date | None,
    planned_end: datetime.date | None,
    committed_amount: Decimal,
    organisations: Iterable[Organisation] = (),
    new_item: str = "",
) -> PhaseRecord:
    """Tick off the checklist, set planned dates, the money committed and the organisations at work."""
    access.require_manage(actor, phase_record.intervention)
    phase_record = PhaseRecord.objects.select_for_update().get(pk=phase_record.pk)
    before = snapshot(phase_record)
    phase_record.planned_start = planned_start
    phase_record.planned_end = planned_end
    phase_record.committed_amount = committed_amount
    phase_record.full_clean()
    if planned_start and planned_end and planned_end < planned_start:
        raise DomainError(_("Den planlagte afslutning ligger før den planlagte start."), field="planned_end")
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
            item.done_on = timezone.localdate() if item.is_done else None
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
    portfolio_totals.recount()
    return phase_record


# --- the state machine --------------------------------------------------------------------------------


def _move(
    *,
    actor: User,
    intervention: Intervention,
    row: Transition,
    reason: str = "",
    kind: str,
    review: GateReview | None = None,
) -> Intervention:
    """Carry out one row of the transitions table (checked by access.require_move) on a locked
    intervention. Call inside a transaction."""
    from_state = intervention.state
    before = snapshot(intervention)
    now = timezone.now()
    if row.to_state != from_state:
        if is_phase(from_state):
            PhaseRecord.objects.filter(intervention=intervention, phase=from_state).update(
                actual_end=timezone.localdate()
            )
        if is_phase(row.to_state):
            PhaseRecord.objects.open_for(intervention, row.to_state)
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
        message=f"{WorkflowAction(row.action).label}: {reason}"[:500],
    )
    return intervention


@transaction.atomic
def return_to_phase(*, actor: User, intervention: Intervention, phase: str, reason: str) -> Intervention:
    """Go back to an earlier phase (with a reason). Open gate reviews are withdrawn."""
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    row = access.require_move(actor, intervention, WorkflowAction.RETURN_TO_PHASE, to_state=phase)
    if not reason.strip():
        raise DomainError(_("Skriv hvorfor indsatsen vender tilbage."), field="reason")
    _move(actor=actor, intervention=intervention, row=row, reason=reason.strip(), kind=EventKind.RETURNED)
    portfolio_totals.recount()
    return intervention


@transaction.atomic
def stop_intervention(*, actor: User, intervention: Intervention, reason: str) -> Intervention:
    """End the intervention's development (an end state), with a reason."""
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    row = access.require_move(actor, intervention, WorkflowAction.STOP)
    if not reason.strip():
        raise DomainError(_("Skriv hvorfor indsatsen stoppes."), field="reason")
    _move(actor=actor, intervention=intervention, row=row, reason=reason.strip(), kind=EventKind.STOPPED)
    portfolio_totals.recount()
    return intervention


# --- gate reviews -------------------------------------------------------------------------------------


@transaction.atomic
def start_gate_review(*, actor: User, intervention: Intervention) -> GateReview:
    """Open a draft review of the current phase, with the five criteria not yet assessed (or return the
    review that is already open)."""
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    access.require_move(actor, intervention, WorkflowAction.SUBMIT_GATE_REVIEW)  # only in a phase
    existing = GateReview.objects.filter(intervention=intervention, status__in=OPEN_REVIEW_STATUSES).first()
    if existing is not None:
        return existing
    review = GateReview.objects.create(intervention=intervention, phase=intervention.state, created_by=actor)
    CriterionAssessment.objects.bulk_create(
        CriterionAssessment(review=review, criterion=c, rating=Rating.NOT_ASSESSED) for c in Criterion.values
    )
    _event(intervention=intervention, kind=EventKind.REVIEW_STARTED, actor=actor, review=review)
    record_create(actor=actor, instance=review)
    portfolio_totals.recount()
    return review


ASSESSMENT_FIELDS = ("rating", "rationale", "fact", "fact_source", "fact_url")


@transaction.atomic
def update_gate_review(
    *,
    actor: User,
    review: GateReview,
    assessments: Mapping[str, Mapping[str, Any]],
    summary: str,
    expected_version: int | None = None,
) -> GateReview:
    """Save the agency's assessment of the five criteria (only while the review is a draft)."""
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    access.require_edit_review(actor, review, expected_version)
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


@transaction.atomic
def submit_gate_review(*, actor: User, review: GateReview) -> GateReview:
    """Send the review to the steering group: all five criteria assessed with a rationale, and the phase's
    required deliverables done."""
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    intervention = Intervention.objects.select_for_update().get(pk=review.intervention_id)
    access.require_send_review(actor, review, intervention)
    before = snapshot(review)
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = timezone.now()
    review.submitted_by = actor
    review.version += 1
    review.save(update_fields=["status", "submitted_at", "submitted_by", "version"])
    basis = freeze_facts(review=review, moment=SnapshotMoment.SUBMITTED, actor=actor)
    _event(
        intervention=intervention,
        kind=EventKind.REVIEW_SUBMITTED,
        actor=actor,
        review=review,
        text=review.summary,
        at=review.submitted_at,
    )
    record_update(
        actor=actor,
        instance=review,
        before=before,
        message=f"{WorkflowAction.SUBMIT_GATE_REVIEW.label} (sha256 {basis.sha256})",
    )
    portfolio_totals.recount()
    return review


@transaction.atomic
def decide_gate_review(
    *,
    actor: User,
    review: GateReview,
    decision: str,
    reason: str,
    expected_version: int,
    conditions: str = "",
    condition_items: Sequence[NewCondition] = (),
    at_meeting: bool = False,
) -> GateDecision:
    """The steering group decides a submitted review; the intervention moves as the table says.

    Approve (with or without conditions) moves it one phase on (Udbredelse -> ordinary operation),
    reject stops it, send back returns the review to the agency as a draft. The review row is locked
    and its version compared with the one the decider saw, so of two people deciding at the same time
    one wins and the other gets ReviewAlreadyDecided; no second transition happens. With
    settings.GATE_DECISIONS_AT_MEETINGS only a meeting's decision (governance, `at_meeting=True`) counts.
    """
    require_permission(actor, DECIDE_GATE_REVIEWS)
    if decision not in DECISIONS:
        raise DomainError(_("Vælg en afgørelse."), field="decision")
    if not reason.strip():
        raise DomainError(_("Skriv en begrundelse for afgørelsen."), field="reason")
    if decision == WorkflowAction.APPROVE_WITH_CONDITIONS and not (conditions.strip() or condition_items):
        raise DomainError(_("Skriv betingelserne for godkendelsen."), field="conditions")
    if condition_items and decision != WorkflowAction.APPROVE_WITH_CONDITIONS:
        raise DomainError(_("Kun en godkendelse med betingelser har betingelser."), field="conditions")
    for item in condition_items:
        if not item.text.strip():
            raise DomainError(_("Skriv betingelsens tekst."), field="conditions")
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    intervention = Intervention.objects.select_for_update().get(pk=review.intervention_id)
    access.require_decide_review(
        actor, review, intervention, decision, expected_version, at_meeting=at_meeting
    )
    row = access.require_move(actor, intervention, decision)
    basis = freeze_facts(review=review, moment=SnapshotMoment.DECIDED, actor=actor)
    gate_decision = GateDecision.objects.create(
        review=review,
        decision=decision,
        reason=reason.strip(),
        conditions=conditions.strip(),
        decided_by=actor,
        decided_by_name=actor_name(actor)[:200],
    )
    for item in condition_items:
        condition = DecisionCondition.objects.create(
            decision=gate_decision,
            intervention=intervention,
            text=item.text.strip(),
            owner=item.owner,
            deadline=item.deadline,
        )
        record_create(actor=actor, instance=condition)
    written = conditions.strip() or "; ".join(item.text.strip() for item in condition_items)
    text = reason.strip() + (f"\n{_('Betingelser')}: {written}" if written else "")
    _move(actor=actor, intervention=intervention, row=row, reason=text, kind=EventKind.DECIDED, review=review)
    review.status = ReviewStatus.DRAFT if decision == WorkflowAction.SEND_BACK else ReviewStatus.DECIDED
    review.decision = "" if decision == WorkflowAction.SEND_BACK else decision
    review.version += 1
    review.save(update_fields=["status", "decision", "version"])
    record_create(actor=actor, instance=gate_decision, message=f"sha256 {basis.sha256}")
    portfolio_totals.recount()
    return gate_decision


# --- conditions on decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCondition:
    """A condition the steering group attaches to an approval: what, who follows it up, by when."""

    text: str
    owner: User
    deadline: datetime.date


@transaction.atomic
def change_condition(
    *, actor: User, condition: DecisionCondition, action: str, resolution: str = ""
) -> DecisionCondition:
    """Mark a condition met (the agency) or waive it with a reason (the steering group)."""
    condition = DecisionCondition.objects.select_for_update().get(pk=condition.pk)
    row = access.require_change_condition(actor, condition, action)
    if row.action == ConditionAction.WAIVE and not resolution.strip():
        raise DomainError(_("Skriv hvorfor betingelsen frafaldes."), field="resolution")
    before = snapshot(condition)
    condition.status = row.to_state
    condition.resolution = resolution.strip()
    condition.resolved_on = timezone.localdate()
    condition.save(update_fields=["status", "resolution", "resolved_on"])
    record_update(
        actor=actor, instance=condition, before=before, message=str(ConditionAction(row.action).label)
    )
    return condition


@transaction.atomic
def mark_overdue_conditions(*, today: datetime.date) -> list[DecisionCondition]:
    """The system marks open conditions past their deadline overdue (idempotent: run it every day)."""
    overdue = list(
        DecisionCondition.objects.select_for_update().filter(status=ConditionStatus.OPEN, deadline__lt=today)
    )
    for condition in overdue:
        row = CONDITION_TRANSITIONS.find(condition.status, ConditionAction.MARK_OVERDUE)
        before = snapshot(condition)
        condition.status = row.to_state
        condition.save(update_fields=["status"])
        record_update(
            actor=None, instance=condition, before=before, message=str(ConditionAction.MARK_OVERDUE.label)
        )
    return overdue


# --- promising practice and knowledge declarations ----------------------------------------------------


@transaction.atomic
def record_practice_assessment(
    *,
    actor: User,
    intervention: Intervention,
    municipality: Organisation,
    scores: Mapping[str, int],
    assessed_on: datetime.date,
    note: str = "",
    comments: Mapping[str, str] | None = None,
) -> PracticeAssessment:
    """A municipality (or the agency on its behalf) scores its practice on the 11 elements (0-2 each)."""
    access.require_assess_practice(actor, intervention, municipality)
    if municipality.kind != OrganisationKind.MUNICIPALITY:
        raise DomainError(_("Vælg en kommune."), field="municipality")
    missing = [str(PracticeElement(e).label) for e in PracticeElement.values if e not in scores]
    if missing:
        raise DomainError(_("Vurdér alle elementer. Mangler: %(names)s.") % {"names": ", ".join(missing)})
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
            raise DomainError(_("Vurderingen skal være 0, 1 eller 2."), field=element)
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
    actor: User,
    intervention: Intervention,
    grades: Mapping[str, tuple[str, str]],
    declared_on: datetime.date,
) -> KnowledgeDeclaration:
    """The agency scores the knowledge declaration: A-D on each of the five dimensions, with a reason."""
    access.require_manage(actor, intervention)
    errors: dict[str, str] = {}
    for dimension in Dimension.values:
        grade, reason = grades.get(dimension, ("", ""))
        if grade not in ("A", "B", "C", "D"):
            errors[dimension] = _("Giv en karakter fra A til D.")
        elif not reason.strip():
            errors[dimension] = _("Begrund karakteren.")
    if errors:
        raise DomainError(errors)
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
