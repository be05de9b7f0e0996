"""Reading the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from indsats.accounts.permissions import VIEW_ALL_AUDIT, can_view_object, require_permission
from indsats.audit.models import AuditEntry


def history_for(*, user: Any, instance: models.Model) -> QuerySet[AuditEntry]:
    """The audit entries of one record, newest first, if the person may see the record."""
    if not can_view_object(user, instance):
        raise PermissionDenied("audit history")
    content_type = ContentType.objects.get_for_model(type(instance))
    return AuditEntry.objects.filter(content_type=content_type, object_id=str(instance.pk)).select_related(
        "content_type"
    )


def history_for_deleted(*, user: Any, content_type: ContentType, object_id: str) -> QuerySet[AuditEntry]:
    """History of a record that no longer exists: agency staff only."""
    require_permission(user, VIEW_ALL_AUDIT)
    entries = AuditEntry.objects.filter(content_type=content_type, object_id=object_id)
    if not entries.exists():
        raise Http404
    return entries


def recent_entries(
    *, user: Any, limit: int = 100, content_type_id: int | None = None
) -> QuerySet[AuditEntry]:
    """The whole trail, newest first (agency staff only)."""
    require_permission(user, VIEW_ALL_AUDIT)
    entries = AuditEntry.objects.select_related("content_type")
    if content_type_id:
        entries = entries.filter(content_type_id=content_type_id)
    return entries[:limit]
