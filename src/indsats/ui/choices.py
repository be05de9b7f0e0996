"""get_FOO_display without hashing every label of the field on every call.

Django's Model._get_FIELD_display builds ``dict(make_hashable(field.flatchoices))`` on each call, and
hashing a lazy label translates it: a page showing a hundred labels translated thousands. The mixin keeps
one value-to-label dict per field (labels stay lazy, so the current language still decides) and falls back
to Django's own code for a value that cannot be a dict key.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import get_language

_LABELS: dict[models.Field[Any, Any], dict[Any, Any]] = {}


class ChoiceLabels:
    """Mix into a model (before models.Model) whose choice labels are shown in lists."""

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:  # noqa: N802 - Django's name
        labels = _LABELS.get(field)
        if labels is None:
            labels = _LABELS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value: Django's way
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        return force_str(label, strings_only=True)


def labels_of(model: type[models.Model], name: str) -> Mapping[Any, str]:
    """A choice field's labels in the active language as plain text, by value: what get_FOO_display gives
    (the value itself for one not among the choices: `labels.get(value, value)`), translated once per
    process and language for a list that shows a label on every row."""
    return _labels_in(model._meta.get_field(name), get_language())


@functools.lru_cache(maxsize=256)
def _labels_in(field: Any, _language: str | None) -> Mapping[Any, str]:
    return MappingProxyType({value: force_str(label) for value, label in field.flatchoices})
