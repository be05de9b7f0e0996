"""Personal values in the audit trail: which fields of which records hold a child's data, and who may
read them there.

The history pages show what changed, from what and to what. For a child's records (a measurement's
answers, scores and bands, the child's age, birth year and sex) those values are personal data: only the
child's own municipality reads them; everyone else (the agency, reading the whole trail) sees that the
record was created or changed, by whom and when, with the values replaced by REDACTED.

A lower app cannot know the models of the apps above it, so those apps register their personal fields
here in their AppConfig.ready() (outcomes/apps.py), with the rule that decides who may read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from indsats.accounts.models import Visitor
from indsats.audit.models import AuditEntry

REDACTED = gettext_lazy("[skjult]")

MayRead = Callable[[Visitor, AuditEntry], bool]  # (person, entry) -> may they read the personal values


@dataclass(frozen=True)
class PersonalFields:
    fields: frozenset[str]
    may_read: MayRead


_PERSONAL_FIELDS: dict[type[models.Model], PersonalFields] = {}


def register_personal_fields(model: type[models.Model], fields: Iterable[str], may_read: MayRead) -> None:
    """Declare the fields of `model` whose values the trail shows only to those `may_read` allows."""
    _PERSONAL_FIELDS[model] = PersonalFields(frozenset(fields), may_read)


def _hidden(value: Any, field_changed: bool) -> Any:
    if field_changed and isinstance(value, list) and len(value) == 2:
        return [REDACTED, REDACTED]  # an update's [before, after]
    return REDACTED


def redact(user: Visitor, entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """The entries as the person may read them: personal values replaced where the registered rule says
    the person may not read them. The entries are changed in memory only (the trail is append-only)."""
    shown = []
    for entry in entries:
        spec = _PERSONAL_FIELDS.get(entry.content_type.model_class())  # type: ignore[arg-type]
        if spec is not None and isinstance(entry.changes, dict) and not spec.may_read(user, entry):
            entry.changes = {
                name: _hidden(value, entry.action == "update") if name in spec.fields else value
                for name, value in entry.changes.items()
            }
        shown.append(entry)
    return shown
