"""A child's rights over their data (GDPR): deleted on request (art. 17), shown in full with a record of
who looked (art. 15), and deleted when the intervention's retention period has passed (art. 5(1)(e))."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.audit.models import AuditAction
from indsats.audit.services import record, record_delete
from indsats.outcomes import access
from indsats.outcomes.models import Enrolment, Measurement, MeasurementRound, Participant, RetentionPolicy
from indsats.outcomes.selectors import default_retention_days
from indsats.outcomes.services.insight_summary import (
    changed_pairs,
    enrolled_interventions,
    enrolments_changed,
    measurements_changed,
)
from indsats.outcomes.totals import recount


@transaction.atomic
def delete_participant(*, actor: User, participant: Participant, reason: str = "") -> int:
    """Delete a child's data on request (GDPR art. 17): the participant, enrolments and measurements."""
    access.require_recorder_for(actor, participant.municipality_id)
    # locked first: an import writing measurements for this child holds it FOR KEY SHARE until it commits,
    # so the count below includes them (measurements have no database foreign key; docs/ARCHITECTURE.md)
    Participant.objects.select_for_update().filter(pk=participant.pk).exists()
    count = participant.measurements.count()
    measurements_changed(changed_pairs(participant.measurements.all()))
    enrolments_changed(enrolled_interventions(participant.enrolments.all()))
    record_delete(
        actor=actor,
        instance=participant,
        message=(_("Slettet på anmodning (%(n)s målinger). %(reason)s") % {"n": count, "reason": reason})[
            :500
        ],
    )
    participant.delete()
    recount([participant.municipality_id])
    return count


def record_data_access(*, actor: User, participant: Participant) -> None:
    """Log that a participant's data was shown in full (GDPR art. 15 insight)."""
    access.require_recorder_for(actor, participant.municipality_id)
    record(
        actor=actor, action=AuditAction.VIEW, instance=participant, message=_("Indsigt i deltagerens data")
    )


@transaction.atomic
def purge_expired_outcomes(*, today: datetime.date | None = None) -> dict[str, int]:
    """Delete measurements older than their intervention's retention period (the default from settings),
    then participants left without measurements. Run by `indsats purge-expired-outcomes`; audited as the
    system."""
    today = today or timezone.localdate()
    default_days = default_retention_days()
    policies = dict(RetentionPolicy.objects.values_list("intervention_id", "retention_days"))
    deleted_measurements = 0
    municipalities: set[int] = set()
    for intervention_id in MeasurementRound.objects.values_list("intervention_id", flat=True).distinct():
        days = policies.get(intervention_id, default_days)
        cutoff = today - datetime.timedelta(days=days)
        expired = Measurement.objects.filter(round__intervention_id=intervention_id, measured_on__lt=cutoff)
        count = expired.count()
        if count:
            first = expired.select_related("round").first()
            if first is not None:
                record(
                    actor=None,
                    action=AuditAction.DELETE,
                    instance=first.round,
                    message=f"Opbevaringstiden ({days} dage) er udløbet: {count} målinger fra før "
                    f"{cutoff} slettet.",
                )
            measurements_changed(changed_pairs(expired))
            municipalities.update(expired.order_by().values_list("municipality_id", flat=True).distinct())
            expired._raw_delete(expired.db)  # no signals or cascades hang on measurements
            deleted_measurements += count
    # locked, skipping any child an import in progress is writing measurements for (it holds the row FOR
    # KEY SHARE: measurements have no database foreign key; docs/ARCHITECTURE.md)
    orphan_ids = list(
        Participant.objects.filter(
            measurements__isnull=True, created_at__date__lt=today - datetime.timedelta(days=default_days)
        )
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", flat=True)
    )
    orphans = Participant.objects.filter(pk__in=orphan_ids)
    orphan_count = len(orphan_ids)
    enrolments_changed(enrolled_interventions(Enrolment.objects.filter(participant_id__in=orphan_ids)))
    for participant in orphans[:1]:
        record(
            actor=None,
            action=AuditAction.DELETE,
            instance=participant,
            message=f"{orphan_count} deltagere uden målinger efter opbevaringstiden slettet.",
        )
    municipalities.update(orphans.order_by().values_list("municipality_id", flat=True).distinct())
    orphans.delete()
    recount(municipalities)
    return {"measurements": deleted_measurements, "participants": orphan_count}
