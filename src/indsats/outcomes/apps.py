from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "indsats.outcomes"
    label = "outcomes"
    verbose_name = _("Resultatdokumentation")

    def ready(self) -> None:
        from indsats.outcomes import panels, visibility  # noqa: F401 - registration on import
