"""Reading the audit trail: a record's history for whoever may see the record, the whole trail for the
agency."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from indsats.accounts.models import User
from indsats.accounts.permissions import VIEW_ALL_AUDIT, can_view_object, require_permission
from indsats.audit.models import AuditEntry

# The apps whose records have a history worth filtering the trail by.
DOMAIN_APP_LABELS = ("accounts", "interventions", "grants", "outcomes", "evaluation", "economy", "catalogue")


def history_for(*, user: User, instance: models.Model) -> QuerySet[AuditEntry]:
    """The audit entries of one record, newest first, if the person may see the record."""
    if not can_view_object(user, instance):
        raise PermissionDenied("audit history")
    content_type = ContentType.objects.get_for_model(type(instance))
    return AuditEntry.objects.filter(content_type=content_type, object_id=str(instance.pk)).select_related(
        "content_type"
    )


def history_for_deleted(*, user: User, content_type: ContentType, object_id: str) -> QuerySet[AuditEntry]:
    """History of a record that no longer exists: agency staff only."""
    require_permission(user, VIEW_ALL_AUDIT)
    entries = AuditEntry.objects.filter(content_type=content_type, object_id=object_id)
    if not entries.exists():
        raise Http404
    return entries


def recent_entries(
    *, user: User, limit: int = 100, content_type_id: int | None = None
) -> QuerySet[AuditEntry]:
    """The whole trail, newest first (agency staff only)."""
    require_permission(user, VIEW_ALL_AUDIT)
    entries = AuditEntry.objects.select_related("content_type")
    if content_type_id:
        entries = entries.filter(content_type_id=content_type_id)
    return entries[:limit]


def domain_content_types() -> QuerySet[ContentType]:
    """The kinds of record the trail can be filtered by."""
    return ContentType.objects.filter(app_label__in=DOMAIN_APP_LABELS).order_by("app_label", "model")
