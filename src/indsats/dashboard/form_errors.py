"""A service's ValidationError shown on the form that sent the request: every message on the field it
names (or on the form when the form has no such field), so the error summary links to where to fix it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import BaseForm


def show_service_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)
