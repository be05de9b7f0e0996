from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "indsats.governance"
    label = "governance"
    verbose_name = _("Styregruppen")

    def ready(self) -> None:
        from indsats.governance import evidence, panels, visibility  # noqa: F401 - registration on import
