"""E-mail from the grants app: receipts, letters, reminders and the newsletter, through Django's mail
backends. Mail is sent after the transaction commits, so a failed write never sends a message and a
mail server that is down never undoes a write (a failure is logged, not raised)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.template.loader import render_to_string


def _on_commit(callback: Callable[[], Any]) -> None:
    transaction.on_commit(callback, robust=True)


def send_after_commit(
    *, subject: str, template: str, context: dict[str, Any], recipients: Iterable[str]
) -> None:
    """Render `template` (plain text) and mail it to each address once the transaction has committed."""
    addresses = sorted({address for address in recipients if address})
    if not addresses:
        return
    body = render_to_string(template, context)
    for address in addresses:
        _on_commit(
            partial(
                send_mail,
                subject=subject,
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[address],
                fail_silently=False,
            )
        )


def send_message_after_commit(message: EmailMessage) -> None:
    """Send a prepared message (own headers, one recipient) once the transaction has committed."""
    _on_commit(partial(message.send, fail_silently=False))
