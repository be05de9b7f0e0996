"""Running a service from a view: its domain error lands where the person can fix it.

A service raises `indsats.errors.DomainError` (or a Django `ValidationError` naming fields). From a view:

    grant = run_service(lambda: services.start_grant(actor=request.user, grant=grant, started_on=day),
                        form=form)
    if grant is not None: ...

puts every message on the form field it names (or on the form as a whole), so the error summary links to
where to fix it; with `request=` instead of `form=` the message becomes a page message (small POST
buttons without a form). `PermissionDenied` and `Http404` pass through to Django's own pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest

T = TypeVar("T")


def error_text(error: ValidationError) -> str:
    """All of an error's messages as one sentence."""
    return " ".join(str(message) for message in error.messages)


def show_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Every message on the field it names, or on the form when the form has no such field."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


def run_service(
    call: Callable[[], T],
    *,
    form: BaseForm | None = None,
    request: HttpRequest | None = None,
    success: str | None = None,
) -> T | None:
    """Run `call`; on a domain error show it on `form` (or as a page message on `request`) and return None.

    With `request` and `success`, a success message is added when the call went through.
    """
    if form is None and request is None:
        raise TypeError("run_service needs a form or a request to show its errors on")
    try:
        result = call()
    except ValidationError as error:
        if form is not None:
            show_service_errors(form, error)
        else:
            assert request is not None
            messages.error(request, error_text(error))
        return None
    if request is not None and success:
        messages.success(request, success)
    return result
