"""Who may see a record of this app (its page and its audit history): the rules of `grants/access.py`,
registered with accounts in ready()."""

from __future__ import annotations

from indsats.accounts.models import Visitor
from indsats.accounts.permissions import register_visibility_rule
from indsats.grants import access
from indsats.grants.models import (
    Application,
    ApplicationAttachment,
    Assessment,
    ChangeRequest,
    Grant,
    Initiative,
    Instalment,
    Pool,
    Programme,
    ProgrammeYear,
    ReportingDuty,
    SupportLogEntry,
    TrainingRecord,
)


def _via_application(user: Visitor, obj: ApplicationAttachment) -> bool:
    return access.can_view_application(user, obj.application)


def _via_grant(user: Visitor, obj: Instalment | ReportingDuty | ChangeRequest) -> bool:
    return access.can_view_grant(user, obj.grant)


def _grants_staff(user: Visitor, obj: object) -> bool:
    return access.is_grants_staff(user)


def _programme_readers(user: Visitor, obj: object) -> bool:
    return access.can_view_programmes(user)


register_visibility_rule(Pool, access.can_view_pool)
register_visibility_rule(Application, access.can_view_application)
register_visibility_rule(ApplicationAttachment, _via_application)
register_visibility_rule(Assessment, _grants_staff)
register_visibility_rule(Grant, access.can_view_grant)
for model in (Instalment, ReportingDuty, ChangeRequest):
    register_visibility_rule(model, _via_grant)
for programme_model in (Programme, ProgrammeYear, Initiative):
    register_visibility_rule(programme_model, _programme_readers)
for log_model in (TrainingRecord, SupportLogEntry):
    register_visibility_rule(log_model, _grants_staff)
