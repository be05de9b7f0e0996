"""The daily reminders: of reports due soon or overdue, and of pool deadlines close at hand."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.grants.models import LIVE_GRANT_STATUSES, Pool, PoolStatus, ReportingDuty
from indsats.grants.notifications import send_after_commit
from indsats.grants.selectors import editors_of
from indsats.grants.services.newsletter import send_to_subscribers

REMINDER_DAYS = 14
DEADLINE_REMINDER_DAYS = 7


@transaction.atomic
def send_reminders(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """System action: remind grantees of reports due within 14 days or overdue (once a week at most),
    and subscribers of pools whose deadline is within 7 days (once per pool). Run it daily."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = {"reports": 0, "deadlines": 0}
    week_ago = now - datetime.timedelta(days=7)
    duties = (
        ReportingDuty.objects.select_for_update()
        .select_related("grant__application__applicant")
        .filter(submitted_at__isnull=True, due_on__lte=today + datetime.timedelta(days=REMINDER_DAYS))
        .filter(grant__status__in=LIVE_GRANT_STATUSES)
    )
    for duty in duties:
        if duty.reminded_at and duty.reminded_at > week_ago:
            continue
        application = duty.grant.application
        send_after_commit(
            subject=_("Påmindelse: %(kind)s til %(title)s")
            % {"kind": duty.get_kind_display(), "title": application.title},
            template="grants/email/report_reminder.txt",
            context={"duty": duty, "application": application, "is_overdue": duty.is_overdue(today)},
            recipients=[user.email for user in editors_of(application)],
        )
        ReportingDuty.objects.filter(pk=duty.pk).update(reminded_at=now)
        sent["reports"] += 1
    for pool in Pool.objects.select_for_update().filter(
        status=PoolStatus.PUBLISHED,
        deadline_reminded_at__isnull=True,
        deadline__gt=now,
        deadline__lte=now + datetime.timedelta(days=DEADLINE_REMINDER_DAYS),
    ):
        send_to_subscribers(
            subject=_("Ansøgningsfristen nærmer sig: %(title)s") % {"title": pool.title},
            template="grants/email/deadline_reminder.txt",
            context={"pool": pool},
        )
        Pool.objects.filter(pk=pool.pk).update(deadline_reminded_at=now)
        sent["deadlines"] += 1
    return sent
