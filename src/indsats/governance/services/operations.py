"""Realistisk drift measured: the yearly follow-up of partner municipalities after the funding ended, their
answers, and the daily run (follow_up_operations) that asks, reminds and marks conditions overdue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import Membership, Role, User
from indsats.accounts.permissions import require_municipality
from indsats.audit.services import record_create, record_update, snapshot
from indsats.errors import DomainError
from indsats.grants.notifications import send_after_commit
from indsats.interventions.models import (
    UNMET_CONDITION_STATUSES,
    DecisionCondition,
    Financing,
    OperationReport,
    OperationStatus,
    Partnership,
)
from indsats.interventions.services import mark_overdue_conditions

# The follow-ups after the funding ended, in months: the yearly question to each partner municipality.
FOLLOW_UP_MONTHS: tuple[int, ...] = (12, 24, 36)
# A municipality has this long after the anniversary to answer.
ANSWER_WITHIN_DAYS = 30


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the last day of the month when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - the 28th exists in every month


@dataclass
class FollowUpRun:
    """What one run of follow_up_operations did (all zero on a second run the same day)."""

    reports_requested: list[OperationReport] = field(default_factory=list)
    report_reminders: list[OperationReport] = field(default_factory=list)
    conditions_overdue: list[DecisionCondition] = field(default_factory=list)
    condition_reminders: list[DecisionCondition] = field(default_factory=list)


def _due_for_reminder(last: datetime.date | None, today: datetime.date) -> bool:
    interval = datetime.timedelta(days=settings.GOVERNANCE_REMINDER_INTERVAL_DAYS)
    return last is None or today - last >= interval


def _municipality_addresses(municipality_id: int) -> list[str]:
    return list(
        Membership.objects.filter(
            organisation_id=municipality_id, role=Role.MUNICIPALITY_MANAGER, user__is_active=True
        ).values_list("user__email", flat=True)
    )


@transaction.atomic
def follow_up_operations(*, today: datetime.date | None = None) -> FollowUpRun:
    """The scheduled follow-up of the steering group's record; idempotent, run it once a day.

    1. Asks each partner municipality, 12, 24 and 36 months after its funding ended, whether the
       intervention is still in operation (one OperationReport per partnership and follow-up, created
       once, due ANSWER_WITHIN_DAYS later) and mails its managers.
    2. Reminds a municipality of an unanswered follow-up from GOVERNANCE_REMINDER_DAYS before it is due,
       at most every GOVERNANCE_REMINDER_INTERVAL_DAYS.
    3. Marks open conditions past their deadline overdue, and reminds a condition's owner from
       GOVERNANCE_REMINDER_DAYS before the deadline, at most every GOVERNANCE_REMINDER_INTERVAL_DAYS.
    """
    today = today or timezone.localdate()
    run = FollowUpRun()
    lead = datetime.timedelta(days=settings.GOVERNANCE_REMINDER_DAYS)

    partnerships = Partnership.objects.filter(funding_ended_on__isnull=False).select_related(
        "intervention", "municipality"
    )
    for partnership in partnerships:
        assert partnership.funding_ended_on is not None
        for months in FOLLOW_UP_MONTHS:
            anniversary = add_months(partnership.funding_ended_on, months)
            if anniversary > today:
                break
            report, created = OperationReport.objects.get_or_create(
                partnership=partnership,
                months_after_funding=months,
                defaults={"due_on": anniversary + datetime.timedelta(days=ANSWER_WITHIN_DAYS)},
            )
            if created:
                record_create(actor=None, instance=report, message=_("Driftsopfølgning sendt til kommunen"))
                run.reports_requested.append(report)
                send_after_commit(
                    subject=_("Er %(name)s stadig i drift?") % {"name": partnership.intervention.name},
                    template="governance/email/operation_request.txt",
                    context={"report": report, "partnership": partnership},
                    recipients=_municipality_addresses(partnership.municipality_id),
                )

    unanswered = OperationReport.objects.filter(
        answered_at__isnull=True, due_on__lte=today + lead
    ).select_related("partnership__intervention", "partnership__municipality")
    for report in unanswered:
        if report in run.reports_requested or not _due_for_reminder(report.last_reminded_on, today):
            continue
        before = snapshot(report)
        report.reminders_sent += 1
        report.last_reminded_on = today
        report.save(update_fields=["reminders_sent", "last_reminded_on"])
        record_update(actor=None, instance=report, before=before, message=_("Påmindelse om driftsopfølgning"))
        run.report_reminders.append(report)
        send_after_commit(
            subject=_("Påmindelse: driftsopfølgning for %(name)s")
            % {"name": report.partnership.intervention.name},
            template="governance/email/operation_reminder.txt",
            context={"report": report, "partnership": report.partnership},
            recipients=_municipality_addresses(report.partnership.municipality_id),
        )

    run.conditions_overdue = mark_overdue_conditions(today=today)
    coming = DecisionCondition.objects.filter(
        status__in=UNMET_CONDITION_STATUSES, deadline__lte=today + lead
    ).select_related("owner", "intervention")
    for condition in coming:
        if not _due_for_reminder(condition.last_reminded_on, today):
            continue
        before = snapshot(condition)
        condition.last_reminded_on = today
        condition.save(update_fields=["last_reminded_on"])
        record_update(actor=None, instance=condition, before=before, message=_("Påmindelse om betingelse"))
        run.condition_reminders.append(condition)
        send_after_commit(
            subject=_("Påmindelse: styregruppens betingelse for %(name)s")
            % {"name": condition.intervention.name},
            template="governance/email/condition_reminder.txt",
            context={"condition": condition, "today": today},
            recipients=[condition.owner.email],
        )
    return run


@transaction.atomic
def answer_operation_report(
    *,
    actor: User,
    report: OperationReport,
    status: str,
    financing: str,
    children_served: int | None,
    annual_cost: Decimal | None,
    reason: str = "",
) -> OperationReport:
    """The partner municipality answers its follow-up (it may correct the answer later)."""
    report = OperationReport.objects.select_for_update().select_related("partnership").get(pk=report.pk)
    require_municipality(actor, report.partnership.municipality_id)
    if status not in OperationStatus.values:
        raise DomainError(_("Vælg om indsatsen er i drift."), field="status")
    if financing not in Financing.values:
        raise DomainError(_("Vælg hvordan driften er finansieret."), field="financing")
    if status != OperationStatus.AS_DESIGNED and not reason.strip():
        raise DomainError(_("Skriv hvorfor indsatsen er tilpasset eller stoppet."), field="reason")
    if children_served is not None and children_served < 0:
        raise DomainError(_("Antallet af børn og unge kan ikke være negativt."), field="children_served")
    if annual_cost is not None and annual_cost < 0:
        raise DomainError(_("Udgiften kan ikke være negativ."), field="annual_cost")
    if status in (OperationStatus.AS_DESIGNED, OperationStatus.ADAPTED) and children_served is None:
        raise DomainError(_("Skriv hvor mange børn og unge indsatsen nåede i året."), field="children_served")
    before = snapshot(report)
    report.status = status
    report.financing = financing
    report.children_served = children_served
    report.annual_cost = annual_cost
    report.reason = reason.strip()
    report.answered_at = timezone.now()
    report.answered_by = actor
    report.full_clean()
    report.save()
    record_update(actor=actor, instance=report, before=before, message=str(OperationStatus(status).label))
    return report
