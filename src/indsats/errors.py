"""The one base class of Indsats' domain errors.

A domain error is something the rules of the programme do not allow (a gate that is not ready, a budget
that would be exceeded, a file that cannot be read). Services raise it; the edge shows its message to the
person who caused it: on the form field it names (`ui.service_calls.run_service`), as a page message, as
a 400/409 in the API, or as a line on the command line.

It is a Django `ValidationError`, so the message is already translated (raise it with `gettext`, in the
language of the request) and can name a field: `DomainError(message, field="amount")` puts it on the
form's "amount" field, `DomainError({"start": [...], "end": [...]})` on several.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise


class DomainError(ValidationError):
    """Base of every domain error: a translated message for a person, optionally naming a form field."""

    def __init__(self, message: Any, *, field: str | None = None, code: str | None = None) -> None:
        if field is not None and isinstance(message, str | Promise):
            super().__init__({field: [ValidationError(message, code=code)]})  # type: ignore[arg-type]
        else:
            super().__init__(message, code=code)

    @property
    def text(self) -> str:
        """All messages as one sentence, for a page message or an API error body."""
        return " ".join(str(message) for message in self.messages)

    def __str__(self) -> str:
        return self.text
