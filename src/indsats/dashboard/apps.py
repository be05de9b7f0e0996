from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "indsats.dashboard"
    label = "dashboard"
    verbose_name = _("Forside")

    def ready(self) -> None:
        # Registers the foundation's front-page panels.
        from indsats.dashboard import selectors  # noqa: F401
