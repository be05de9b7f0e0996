"""The newsletter: anyone subscribes to news of pools, deadlines and the public catalogue, confirms by the
link in the first e-mail (double opt-in), and unsubscribes by the link in every e-mail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.audit.services import record_create, record_delete, record_update, snapshot
from indsats.grants.models import Subscription
from indsats.grants.notifications import send_after_commit, send_message_after_commit


@transaction.atomic
def subscribe(*, email: str) -> Subscription:
    """Anyone may subscribe (no log-in, so no permission). A new or still unconfirmed address gets an
    e-mail with the confirmation link; nothing else is sent to it until it is confirmed."""
    subscription, created = Subscription.objects.get_or_create(email=email.strip().lower())
    if created:
        record_create(actor=None, instance=subscription, message="nyhedsbrev")
    if subscription.confirmed_at is None:
        send_after_commit(
            subject=_("Bekræft dit abonnement på nyt fra Indsats"),
            template="grants/email/subscribed.txt",
            context={"subscription": subscription},
            recipients=[subscription.email],
        )
    return subscription


@transaction.atomic
def confirm_subscription(*, token: str) -> bool:
    """Confirm the address the token belongs to; False when there is none (unsubscribed since)."""
    subscription = Subscription.objects.select_for_update().filter(token=token).first()
    if subscription is None:
        return False
    if subscription.confirmed_at is None:
        before = snapshot(subscription)
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
        record_update(actor=None, instance=subscription, before=before, message="nyhedsbrev bekræftet")
    return True


@transaction.atomic
def unsubscribe(*, token: str) -> bool:
    """End the subscription the token belongs to; False when there is none (already unsubscribed)."""
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None:
        return False
    record_delete(actor=None, instance=subscription, message="nyhedsbrev afmeldt")
    subscription.delete()
    return True


def send_to_subscribers(*, subject: str, template: str, context: dict[str, Any]) -> int:
    """Mail every confirmed subscriber after the transaction commits, each with their own unsubscribe
    link in the text (`unsubscribe_path` in the template) and in the List-Unsubscribe header. Returns the
    number of mails queued."""
    queued = 0
    for subscription in Subscription.objects.filter(confirmed_at__isnull=False).order_by("pk"):
        path = reverse("grants:unsubscribe", args=[subscription.token])
        body = render_to_string(template, {**context, "subscription": subscription, "unsubscribe_path": path})
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[subscription.email],
            headers={"List-Unsubscribe": f"<{path}>"},
        )
        send_message_after_commit(message)
        queued += 1
    return queued
