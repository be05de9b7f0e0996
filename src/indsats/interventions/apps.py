from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterventionsConfig(AppConfig):
    name = "indsats.interventions"
    label = "interventions"
    verbose_name = _("Indsatser")

    def ready(self) -> None:
        # Imported here, once the models are loaded: these modules register panels, visibility rules and
        # evidence providers with the registries below this app.
        from indsats.interventions import panels, scheduled_jobs, visibility  # noqa: F401 - they register

        # providers import models, which load only once the app registry is ready
        from indsats.interventions.evidence import register_builtin_providers

        register_builtin_providers()
