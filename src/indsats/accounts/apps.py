from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "indsats.accounts"
    label = "accounts"
    verbose_name = _("Organisationer og personer")

    def ready(self) -> None:
        from indsats.accounts import panels  # noqa: F401 - registers the front-page panels on import
