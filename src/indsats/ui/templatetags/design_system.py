"""Template tags that render Django form widgets with the Danish design system's (dkfds) classes."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

_CLASS_BY_WIDGET = {
    "select": "form-select",
    "selectmultiple": "form-select",
    "textarea": "form-input",
    "checkbox": "form-checkbox",
    "clearablefile": "form-file-input",
    "file": "form-file-input",
}


@register.simple_tag
def dkfds_widget(field: BoundField) -> SafeString:
    """Render the widget with dkfds' class, aria-invalid and aria-describedby for hint and error."""
    css_class = _CLASS_BY_WIDGET.get(field.widget_type, "form-input")
    existing = field.field.widget.attrs.get("class", "")
    attrs: dict[str, str | bool] = {"class": f"{css_class} {existing}".strip()}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.id_for_label}-hint")
    if field.errors:
        described_by.append(f"{field.id_for_label}-error")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)
