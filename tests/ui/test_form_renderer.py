"""The select written in Python gives exactly what Django's own templates give, and is the project's renderer."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from indsats.accounts.models import Organisation
from indsats.ui.form_renderer import FormRenderer
from tests.factories import MunicipalityFactory

TRICKY = [
    ("", "---------"),
    (1, "Aarhus & Odense"),
    ("2", "<b>\"quoted\"</b> 'single'"),
    ("a&b", mark_safe("<em>safe</em> label")),
    ("Grupper", [("g1", "Første <i>"), ("g2", "Anden")]),
    ("æøå", "Ærø Kommune"),
]


class DisabledOption(forms.Select):
    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"] == "2":
            option["attrs"]["disabled"] = True
            option["attrs"]["data-x"] = '"<x>"'
            option["attrs"]["hidden"] = False
        return option


class OwnOptionTemplate(forms.Select):
    option_template_name = "django/forms/widgets/input_option.html"


CASES: list[tuple[forms.Widget, Any, dict[str, Any]]] = [
    (forms.Select(choices=TRICKY), "2", {"id": "id_x", "class": "form-select", "aria-invalid": "true"}),
    (forms.Select(choices=TRICKY), None, {"required": True, "autofocus": False}),
    (forms.Select(choices=TRICKY), "g1", {}),
    (forms.Select(choices=[]), None, {}),
    (forms.SelectMultiple(choices=TRICKY), ["1", "g2", "a&b"], {"id": "id_many"}),
    (forms.NullBooleanSelect(), True, {}),
    (DisabledOption(choices=TRICKY), "1", {"aria-describedby": 'hint "x"'}),
    (OwnOptionTemplate(choices=TRICKY[:3]), "1", {}),
]


@pytest.mark.parametrize(("widget", "value", "attrs"), CASES)
def test_a_select_is_written_as_djangos_templates_write_it(widget, value, attrs):
    expected = widget.render("field<&>", value, attrs=attrs, renderer=DjangoTemplates())
    assert widget.render("field<&>", value, attrs=attrs, renderer=FormRenderer()) == expected


@pytest.mark.parametrize(
    ("value", "attrs"),
    [
        (
            "Fordi <b>\"det\"</b> & 'mere'\nlinje to",
            {"rows": 3, "class": "form-input", "aria-describedby": "id-hint"},
        ),
        ("", {"required": True, "disabled": False}),
        (None, {}),
        (mark_safe("<em>sikker</em>"), {"cols": "40"}),
    ],
)
def test_a_textarea_is_written_as_djangos_templates_write_it(value, attrs):
    widget = forms.Textarea(attrs={"rows": 3})
    expected = widget.render("reason<&>", value, attrs=attrs, renderer=DjangoTemplates())
    assert widget.render("reason<&>", value, attrs=attrs, renderer=FormRenderer()) == expected


def test_a_model_choice_field_of_municipalities_renders_the_same(db):
    for name in ("Aarhus", "Odense & Co", "<Ærø>"):
        MunicipalityFactory(name=name)
    field = forms.ModelChoiceField(queryset=Organisation.objects.order_by("name"))
    chosen = Organisation.objects.order_by("name").last()
    expected = field.widget.render("municipality", chosen.pk, renderer=DjangoTemplates())
    assert field.widget.render("municipality", chosen.pk, renderer=FormRenderer()) == expected
    assert "&lt;Ærø&gt;" in expected and "selected" in expected


def test_the_project_renders_forms_with_it(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "indsats.ui.form_renderer.FormRenderer"
    assert isinstance(get_default_renderer(), FormRenderer)
