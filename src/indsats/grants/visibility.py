"""Who may see a record of this app (its page and its audit history). Imported in ready()."""

from __future__ import annotations

from typing import Any

from indsats.accounts.permissions import register_visibility_rule
from indsats.grants import selectors
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


def _via_application(user: Any, obj: Any) -> bool:
    return selectors.can_view_application(user, obj.application)


def _via_grant(user: Any, obj: Any) -> bool:
    return selectors.can_view_grant(user, obj.grant)


register_visibility_rule(Application, selectors.can_view_application)
register_visibility_rule(ApplicationAttachment, _via_application)
register_visibility_rule(Assessment, lambda user, obj: selectors.is_grants_staff(user))
register_visibility_rule(Grant, selectors.can_view_grant)
for model in (Instalment, ReportingDuty, ChangeRequest):
    register_visibility_rule(model, _via_grant)
register_visibility_rule(Pool, lambda user, pool: pool.status != "draft" or selectors.is_grants_staff(user))
for programme_model in (Programme, ProgrammeYear, Initiative):
    register_visibility_rule(programme_model, lambda user, obj: selectors.can_view_programmes(user))
for log_model in (TrainingRecord, SupportLogEntry):
    register_visibility_rule(log_model, lambda user, obj: selectors.is_grants_staff(user))
