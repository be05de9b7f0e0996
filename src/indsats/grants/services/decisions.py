"""Assessment and decision: assessors score submitted applications independently; the agency awards a
grant within the budgets (creating its instalments and reporting duties) or rejects with a reason.

An award locks the pool and then its initiative (`select_for_update`, always in that order) before it
reads what is committed, so two people awarding at the same moment cannot together exceed a budget; the
CheckConstraints on `committed_amount` are the database's second line of defence.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.accounts.permissions import ASSESS_APPLICATIONS, has_permission, organisation_ids_of
from indsats.audit.services import record_create, record_update, snapshot
from indsats.grants import access
from indsats.grants.errors import BudgetExceeded, GrantsError, WrongState
from indsats.grants.models import (
    Application,
    Assessment,
    AssessorAssignment,
    CriterionScore,
    Grant,
    Initiative,
    Instalment,
    Pool,
    ReportingDuty,
)
from indsats.grants.notifications import send_after_commit
from indsats.grants.schedules import quarterly_instalments, reporting_schedule, start_deadline
from indsats.grants.scoring import weighted_score
from indsats.grants.selectors import editors_of
from indsats.grants.workflow import ApplicationAction
from indsats.ui.formatting import kroner


@transaction.atomic
def record_assessment(
    *,
    actor: User,
    application: Application,
    scores: Mapping[int, int] | None = None,
    comment: str = "",
    has_conflict: bool = False,
    conflict_note: str = "",
) -> Assessment:
    """One assessor's independent scores (0-5 on each of the pool's criteria), or a declared conflict of
    interest, in which case the assessor gives no scores. An assessor assesses an application once."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    access.require_action(actor, application, ApplicationAction.ASSESS)
    if Assessment.objects.filter(application=application, assessor=actor).exists():
        raise WrongState(_("Du har allerede vurderet denne ansøgning."))
    if has_conflict:
        if not conflict_note.strip():
            raise GrantsError(_("Skriv kort, hvorfor du er inhabil."), field="conflict_note")
        assessment = Assessment.objects.create(
            application=application,
            assessor=actor,
            has_conflict=True,
            conflict_note=conflict_note,
            comment=comment,
        )
        record_create(actor=actor, instance=assessment, message="inhabil")
        return assessment
    criteria = {criterion.pk: criterion for criterion in application.pool.criteria.all()}
    scores = dict(scores or {})
    missing = [str(c.get_criterion_display()) for pk, c in criteria.items() if pk not in scores]
    if missing:
        raise GrantsError(
            _("Giv point for alle kriterier. Mangler: %(names)s.") % {"names": "; ".join(missing)}
        )
    if set(scores) - set(criteria):
        raise GrantsError(_("Et kriterium hører ikke til puljen."))
    if any(not 0 <= int(score) <= 5 for score in scores.values()):
        raise GrantsError(_("Point skal være mellem 0 og 5."))
    by_criterion = {criteria[pk]: int(score) for pk, score in scores.items()}
    assessment = Assessment.objects.create(
        application=application, assessor=actor, comment=comment, weighted_score=weighted_score(by_criterion)
    )
    CriterionScore.objects.bulk_create(
        [
            CriterionScore(assessment=assessment, criterion=criterion, score=score)
            for criterion, score in by_criterion.items()
        ]
    )
    record_create(actor=actor, instance=assessment)
    return assessment


@transaction.atomic
def assign_assessor(*, actor: User, application: Application, assessor: User) -> AssessorAssignment:
    """The agency assigns an assessor to a submitted application. Refused for a person who is not an
    assessor, who works for the applicant, or who has declared a conflict of interest on it."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    access.require_action(actor, application, ApplicationAction.ASSIGN_ASSESSOR)
    if not has_permission(assessor, ASSESS_APPLICATIONS):
        raise GrantsError(_("%(person)s er ikke bedømmer.") % {"person": assessor}, field="assessor")
    if application.applicant_id in organisation_ids_of(assessor):
        raise GrantsError(
            _("%(person)s er ansat hos ansøgeren og er inhabil.") % {"person": assessor}, field="assessor"
        )
    if Assessment.objects.filter(application=application, assessor=assessor, has_conflict=True).exists():
        raise GrantsError(
            _("%(person)s har erklæret sig inhabil i denne ansøgning.") % {"person": assessor},
            field="assessor",
        )
    if AssessorAssignment.objects.filter(application=application, assessor=assessor).exists():
        raise WrongState(_("%(person)s er allerede tildelt ansøgningen.") % {"person": assessor})
    assignment = AssessorAssignment.objects.create(
        application=application, assessor=assessor, assigned_by=actor
    )
    record_create(actor=actor, instance=assignment)
    return assignment


@transaction.atomic
def award_application(
    *,
    actor: User,
    application: Application,
    amount: Decimal,
    project_start: datetime.date,
    project_end: datetime.date,
    conditions: str = "",
    now: datetime.datetime | None = None,
) -> Grant:
    """Award a grant within the pool's (and the initiative's) budget. Locks the pool, then the initiative."""
    now = now or timezone.now()
    pool = Pool.objects.select_for_update().get(pk=application.pool_id)
    initiative = Initiative.objects.select_for_update().get(pk=pool.initiative_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    row = access.require_action(actor, application, ApplicationAction.AWARD)
    if amount <= 0:
        raise GrantsError(_("Tilskuddet skal være større end 0 kr."), field="amount")
    if amount > application.amount_requested:
        raise GrantsError(
            _("Tilskuddet kan ikke være større end det ansøgte beløb (%(amount)s).")
            % {"amount": kroner(application.amount_requested)},
            field="amount",
        )
    if amount > pool.max_per_grant:
        raise BudgetExceeded(
            _("Puljen giver højst %(max)s pr. tilskud.") % {"max": kroner(pool.max_per_grant)}, field="amount"
        )
    if project_end < project_start:
        raise GrantsError(_("Projektslut skal ligge efter projektstart."), field="project_end")
    if pool.committed_amount + amount > pool.budget:
        raise BudgetExceeded(
            _("Puljen har kun %(left)s tilbage af %(budget)s.")
            % {"left": kroner(pool.remaining), "budget": kroner(pool.budget)},
            field="amount",
        )
    if initiative.committed_amount + amount > initiative.budget:
        raise BudgetExceeded(
            _("Initiativet har kun %(left)s tilbage.")
            % {"left": kroner(initiative.budget - initiative.committed_amount)},
            field="amount",
        )
    Pool.objects.filter(pk=pool.pk).update(committed_amount=F("committed_amount") + amount)
    Initiative.objects.filter(pk=initiative.pk).update(committed_amount=F("committed_amount") + amount)
    before = snapshot(application)
    application.status, application.decided_at = row.to_state, now
    application.save(update_fields=["status", "decided_at"])
    record_update(actor=actor, instance=application, before=before, message="bevilget")
    grant = Grant.objects.create(
        application=application,
        amount=amount,
        conditions=conditions,
        awarded_at=now,
        awarded_by=actor,
        project_start=project_start,
        project_end=project_end,
        start_deadline=start_deadline(timezone.localdate(now)),
    )
    Instalment.objects.bulk_create(
        [
            Instalment(grant=grant, due_on=due, amount=part)
            for due, part in quarterly_instalments(amount, project_start, project_end)
        ]
    )
    ReportingDuty.objects.bulk_create(
        [
            ReportingDuty(grant=grant, kind=kind, due_on=due)
            for kind, due in reporting_schedule(project_start, project_end)
        ]
    )
    record_create(actor=actor, instance=grant)
    send_after_commit(
        subject=_("Tilsagn om tilskud: %(title)s") % {"title": application.title},
        template="grants/email/award.txt",
        context={"application": application, "grant": grant},
        recipients=[user.email for user in editors_of(application)],
    )
    return grant


@transaction.atomic
def reject_application(
    *, actor: User, application: Application, reason: str, now: datetime.datetime | None = None
) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    row = access.require_action(actor, application, ApplicationAction.REJECT)
    if not reason.strip():
        raise GrantsError(_("Skriv begrundelsen for afslaget; den står i afslagsbrevet."), field="reason")
    before = snapshot(application)
    application.status, application.decided_at = row.to_state, now or timezone.now()
    application.decision_note = reason
    application.save(update_fields=["status", "decided_at", "decision_note"])
    record_update(actor=actor, instance=application, before=before, message="afslået")
    send_after_commit(
        subject=_("Afgørelse om ansøgning: %(title)s") % {"title": application.title},
        template="grants/email/rejection.txt",
        context={"application": application},
        recipients=[user.email for user in editors_of(application)],
    )
    return application
