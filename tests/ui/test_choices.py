"""ChoiceLabels gives the same labels as Django's own get_FOO_display, in both languages."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils import translation

from indsats.ui.choices import ChoiceLabels, labels_of


def _fields_with_choices() -> list[tuple[type[models.Model], models.Field]]:  # type: ignore[type-arg]
    return [
        (model, field)
        for model in apps.get_models()
        if issubclass(model, ChoiceLabels)
        for field in model._meta.concrete_fields
        if field.choices
    ]


def test_some_models_use_it() -> None:
    assert len(_fields_with_choices()) >= 10


def test_every_choice_reads_as_django_reads_it() -> None:
    for language in ("da", "en"):
        with translation.override(language):
            for model, field in _fields_with_choices():
                for value, _label in field.flatchoices:
                    instance = model(**{field.attname: value})
                    ours = getattr(instance, f"get_{field.name}_display")()
                    django = models.Model._get_FIELD_display(instance, field)  # type: ignore[attr-defined]
                    assert ours == django, (model, field.name, value, language)
                    assert isinstance(ours, str)


def test_a_value_outside_the_choices_reads_as_itself() -> None:
    from indsats.interventions.models import InterventionEvent

    event = InterventionEvent(kind="no-such-kind")
    assert event.get_kind_display() == "no-such-kind"
    event.kind = None  # type: ignore[assignment]
    assert event.get_kind_display() is None


def test_labels_of_a_field_are_what_django_shows_in_each_language() -> None:
    """labels_of (kept per field and language) against Django's own get_FOO_display, Danish, English and
    Danish again, and a value outside the choices reads as itself."""
    for language in ("da", "en", "da"):
        with translation.override(language):
            for model, field in _fields_with_choices():
                labels = labels_of(model, field.name)
                for value, _label in field.flatchoices:
                    instance = model(**{field.attname: value})
                    django = models.Model._get_FIELD_display(instance, field)  # type: ignore[attr-defined]
                    assert labels.get(value, value) == django, (model, field.name, value, language)
                    assert type(labels[value]) is str
    from indsats.interventions.models import InterventionEvent

    assert labels_of(InterventionEvent, "kind").get("no-such-kind", "no-such-kind") == "no-such-kind"
