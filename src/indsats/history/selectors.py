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
from indsats.history.redaction import redact

# The apps whose records have a history worth filtering the trail by.
DOMAIN_APP_LABELS = ("accounts", "interventions", "grants", "outcomes", "evaluation", "economy", "catalogue")


def history_for(*, user: User, instance: models.Model) -> list[AuditEntry]:
    """The audit entries of one record, newest first, if the person may see the record; a child's
    personal values only for the child's own municipality (history/redaction.py)."""
    if not can_view_object(user, instance):
        raise PermissionDenied("audit history")
    content_type = ContentType.objects.get_for_model(type(instance))
    return redact(
        user,
        AuditEntry.objects.filter(content_type=content_type, object_id=str(instance.pk)).select_related(
            "content_type"
        ),
    )


def history_for_deleted(*, user: User, content_type: ContentType, object_id: str) -> list[AuditEntry]:
    """History of a record that no longer exists: agency staff only, personal values redacted."""
    require_permission(user, VIEW_ALL_AUDIT)
    entries = redact(
        user,
        AuditEntry.objects.filter(content_type=content_type, object_id=object_id).select_related(
            "content_type"
        ),
    )
    if not entries:
        raise Http404
    return entries


def recent_entries(*, user: User, limit: int = 100, content_type_id: int | None = None) -> list[AuditEntry]:
    """The whole trail, newest first (agency staff only), personal values redacted."""
    require_permission(user, VIEW_ALL_AUDIT)
    entries = AuditEntry.objects.select_related("content_type")
    if content_type_id:
        entries = entries.filter(content_type_id=content_type_id)
    return redact(user, entries[:limit])


def domain_content_types() -> QuerySet[ContentType]:
    """The kinds of record the trail can be filtered by."""
    return ContentType.objects.filter(app_label__in=DOMAIN_APP_LABELS).order_by("app_label", "model")
