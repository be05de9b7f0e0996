from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "indsats.grants"
    label = "grants"
    verbose_name = _("Puljer og tilskud")

    def ready(self) -> None:
        from indsats.grants import evidence, panels, scheduled_jobs, visibility  # noqa: F401 - registration on import
