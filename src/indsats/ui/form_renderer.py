"""Django's form renderer with the select and textarea widgets written in Python.

Django renders every ``<option>`` of a select through two template includes (``select_option.html`` and
``attrs.html``): about a millisecond per option, so a form choosing among the 1,008 interventions and 98
municipalities of the national programme spent seconds rendering its drop-downs. ``FormRenderer`` writes
a select and its options directly, character for character what Django's own templates give
(tests/ui/test_form_renderer.py compares them on every kind of select), and a textarea likewise (its two
templates cost a page's one-field form, the study report's grading, a third of the form's time); every
other widget is left to the templates. Set as ``FORM_RENDERER`` in the settings.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def _text(value: Any) -> str:
    """What ``{{ value|stringformat:'s' }}`` prints with autoescaping on: safe text as it is, else escaped."""
    return str(value) if isinstance(value, SafeData) else str(conditional_escape(str(value)))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: `` name="value"`` per attribute, `` name`` if True, none if False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{_text(value)}"'
        )
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    """The default renderer, but selects are written in Python (the templates' exact output)."""

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if template_name == TEXTAREA_TEMPLATE:
            return self._textarea(context["widget"])
        if template_name != SELECT_TEMPLATE:
            return super().render(template_name, context, request=request)
        widget = context["widget"]
        out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                out.append("\n  ")
                out.append(self._option(option, request))
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return "".join(out)

    def _option(self, option: dict[str, Any], request: HttpRequest | None) -> str:
        if option["template_name"] != OPTION_TEMPLATE:  # a widget of its own: its own template
            return super().render(option["template_name"], {"widget": option}, request=request) + "\n"
        return (
            f'<option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
            f"{conditional_escape(option['label'])}</option>\n"
        )

    def _textarea(self, widget: dict[str, Any]) -> str:
        """django/forms/widgets/textarea.html: the value on the line after the tag, escaped, if any."""
        value = widget["value"]
        text = str(conditional_escape(value)) if value else ""
        name = conditional_escape(widget["name"])
        return f'<textarea name="{name}"{_attrs(widget["attrs"])}>\n{text}</textarea>'
