"""Implementation support and training given to municipalities in an intervention."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation, User
from indsats.accounts.permissions import MANAGE_POOLS, require_permission
from indsats.audit.services import record_create
from indsats.grants.errors import GrantsError
from indsats.grants.models import SupportLogEntry, TrainingRecord
from indsats.interventions.models import Intervention


@transaction.atomic
def record_training(
    *,
    actor: User,
    intervention: Intervention,
    municipality: Organisation,
    staff_name: str,
    course: str,
    trained_on: datetime.date,
    staff_role: str = "",
) -> TrainingRecord:
    require_permission(actor, MANAGE_POOLS)
    if not municipality.is_municipality:
        raise GrantsError(_("Vælg en kommune."), field="municipality")
    record = TrainingRecord.objects.create(
        intervention=intervention,
        municipality=municipality,
        staff_name=staff_name,
        staff_role=staff_role,
        course=course,
        trained_on=trained_on,
        created_by=actor,
    )
    record_create(actor=actor, instance=record)
    return record


@transaction.atomic
def record_support(
    *,
    actor: User,
    intervention: Intervention,
    municipality: Organisation,
    kind: str,
    given_on: datetime.date,
    hours: Decimal,
    note: str = "",
) -> SupportLogEntry:
    require_permission(actor, MANAGE_POOLS)
    if not municipality.is_municipality:
        raise GrantsError(_("Vælg en kommune."), field="municipality")
    if hours <= 0:
        raise GrantsError(_("Timer skal være større end 0."), field="hours")
    entry = SupportLogEntry.objects.create(
        intervention=intervention,
        municipality=municipality,
        kind=kind,
        given_on=given_on,
        hours=hours,
        note=note,
        created_by=actor,
    )
    record_create(actor=actor, instance=entry)
    return entry
