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


def object_entries(*, user: User, instance: models.Model) -> QuerySet[AuditEntry]:
    """The audit entries of one record, newest first, if the person may see the record. Not yet
    redacted: pass the rows shown through `redact` (a page at a time)."""
    if not can_view_object(user, instance):
        raise PermissionDenied("audit history")
    content_type = ContentType.objects.get_for_model(type(instance))
    return _newest_first(AuditEntry.objects.filter(content_type=content_type, object_id=str(instance.pk)))


def history_for(*, user: User, instance: models.Model) -> list[AuditEntry]:
    """The audit entries of one record, newest first, if the person may see the record; a child's
    personal values only for the child's own municipality (history/redaction.py)."""
    return redact(user, object_entries(user=user, instance=instance))


def deleted_object_entries(*, user: User, content_type: ContentType, object_id: str) -> QuerySet[AuditEntry]:
    """History of a record that no longer exists: agency staff only; 404 when there is none. Not yet
    redacted (see `object_entries`)."""
    require_permission(user, VIEW_ALL_AUDIT)
    entries = _newest_first(AuditEntry.objects.filter(content_type=content_type, object_id=object_id))
    if not entries.exists():
        raise Http404
    return entries


def history_for_deleted(*, user: User, content_type: ContentType, object_id: str) -> list[AuditEntry]:
    """History of a record that no longer exists: agency staff only, personal values redacted."""
    return redact(user, deleted_object_entries(user=user, content_type=content_type, object_id=object_id))


def trail_entries(*, user: User, content_type_id: int | None = None) -> QuerySet[AuditEntry]:
    """The whole trail, newest first (agency staff only). Not yet redacted (see `object_entries`)."""
    require_permission(user, VIEW_ALL_AUDIT)
    entries = AuditEntry.objects.all()
    if content_type_id:
        entries = entries.filter(content_type_id=content_type_id)
    return _newest_first(entries)


def recent_entries(*, user: User, limit: int = 100, content_type_id: int | None = None) -> list[AuditEntry]:
    """The whole trail, newest first (agency staff only), personal values redacted."""
    return redact(user, trail_entries(user=user, content_type_id=content_type_id)[:limit])


def _newest_first(entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    return entries.select_related("content_type").order_by("-at", "-id")


def domain_content_types() -> QuerySet[ContentType]:
    """The kinds of record the trail can be filtered by."""
    return ContentType.objects.filter(app_label__in=DOMAIN_APP_LABELS).order_by("app_label", "model")
