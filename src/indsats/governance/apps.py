from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "indsats.governance"
    label = "governance"
    verbose_name = _("Styregruppen")

    def ready(self) -> None:
        from indsats.governance import (  # noqa: F401 - registration on import
            evidence,
            panels,
            scheduled_jobs,
            visibility,
        )
