"""The newsletter: anyone subscribes to news of pools and deadlines, and unsubscribes by the link."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from indsats.audit.services import record_create, record_delete
from indsats.grants.models import Subscription
from indsats.grants.notifications import send_after_commit


@transaction.atomic
def subscribe(*, email: str) -> Subscription:
    """Anyone may subscribe to the newsletter (no log-in, so no permission); subscribing twice is harmless."""
    subscription, created = Subscription.objects.get_or_create(email=email.strip().lower())
    if created:
        record_create(actor=None, instance=subscription, message="nyhedsbrev")
        send_after_commit(
            subject=_("Du abonnerer nu på nyt om puljer"),
            template="grants/email/subscribed.txt",
            context={"subscription": subscription},
            recipients=[subscription.email],
        )
    return subscription


@transaction.atomic
def unsubscribe(*, token: str) -> bool:
    """End the subscription the token belongs to; False when there is none (already unsubscribed)."""
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None:
        return False
    record_delete(actor=None, instance=subscription, message="nyhedsbrev afmeldt")
    subscription.delete()
    return True
