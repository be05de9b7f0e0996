from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "indsats.outcomes"
    label = "outcomes"
    verbose_name = _("Resultatdokumentation")

    def ready(self) -> None:
        # imported here, not at the top: models may be imported only once every app is loaded
        from indsats.accounts.permissions import register_visibility_rule
        from indsats.operations.leases import register_interruption_handler
        from indsats.outcomes import access, panels, scheduled_jobs, tasks  # noqa: F401 - register on import

        # models load only once the app registry is ready
        from indsats.outcomes.models import (
            ColumnMapping,
            ImportJob,
            InstrumentExplanation,
            Measurement,
            Participant,
        )

        # a child's records: their own municipality only (the agency through VIEW_ALL_AUDIT)
        for model in (Participant, Measurement, ImportJob, ColumnMapping, InstrumentExplanation):
            register_visibility_rule(model, access.is_own_municipality_record)

        register_interruption_handler(tasks.run_import, tasks.import_interrupted)
