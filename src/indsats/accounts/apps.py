from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from indsats.accounts.reauthentication import mark_authenticated


def _password_just_typed(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A log-in is a password just typed: sensitive actions need no second one for a while."""
    if request is not None and hasattr(request, "session"):
        mark_authenticated(request)


class AccountsConfig(AppConfig):
    name = "indsats.accounts"
    label = "accounts"
    verbose_name = _("Organisationer og personer")

    def ready(self) -> None:
        from indsats.accounts import panels  # noqa: F401 - registers the front-page panels on import

        user_logged_in.connect(_password_just_typed, dispatch_uid="indsats.accounts.mark_authenticated")
