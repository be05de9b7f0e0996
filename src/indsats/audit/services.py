"""Writing the audit trail. Every service that changes domain data calls one of these in its transaction.

A snapshot is a JSON-safe dict of a model instance's concrete fields; an update records only the
fields whose values differ, as {field: [before, after]}. Fields listed in a model's
`AUDIT_EXCLUDE` (e.g. a password hash) are never written.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Protocol

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile

from indsats.audit.context import current_request_context
from indsats.audit.models import AuditAction, AuditEntry

ALWAYS_EXCLUDED = frozenset({"password", "last_login", "updated_at", "created_at"})


class Actor(Protocol):
    """Who made a change: a person (the user model, which lives in the accounts app above this one).

    A change the system makes by itself (a nightly job, a public sign-up) has no actor: pass None.
    """

    @property
    def pk(self) -> Any: ...

    @property
    def username(self) -> str: ...

    def get_full_name(self) -> str: ...


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete field values as JSON-safe data (foreign keys by id)."""
    excluded = ALWAYS_EXCLUDED | set(getattr(instance, "AUDIT_EXCLUDE", ()))
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded:
            continue
        data[field.name] = _json_value(getattr(instance, field.attname))
    return data


def actor_name(actor: Actor | None) -> str:
    """The name an entry keeps of who made the change (kept even if the person is later deleted)."""
    if actor is None:
        return "system"
    return actor.get_full_name() or actor.username


def record(
    *,
    actor: Actor | None,
    action: str,
    instance: models.Model,
    changes: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEntry:
    """Write one audit entry for `instance`. Call inside the service's transaction."""
    context = current_request_context()
    return AuditEntry.objects.create(
        actor_id=actor.pk if actor is not None else None,
        actor_name=actor_name(actor)[:200],
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        changes=changes or {},
        message=message[:500],
        ip_address=context.ip_address,
        request_id=context.request_id,
    )


def record_create(*, actor: Actor | None, instance: models.Model, message: str = "") -> AuditEntry:
    return record(
        actor=actor, action=AuditAction.CREATE, instance=instance, changes=snapshot(instance), message=message
    )


def record_update(
    *, actor: Actor | None, instance: models.Model, before: dict[str, Any], message: str = ""
) -> AuditEntry | None:
    """Record what changed since `before` (a snapshot); nothing is written when nothing changed."""
    after = snapshot(instance)
    changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    if not changes and not message:
        return None
    return record(actor=actor, action=AuditAction.UPDATE, instance=instance, changes=changes, message=message)


def record_delete(*, actor: Actor | None, instance: models.Model, message: str = "") -> AuditEntry:
    """Record a deletion with the row's last values. Call it just before `instance.delete()`."""
    return record(
        actor=actor, action=AuditAction.DELETE, instance=instance, changes=snapshot(instance), message=message
    )
