from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "indsats.outcomes"
    label = "outcomes"
    verbose_name = _("Resultatdokumentation")

    def ready(self) -> None:
        # imported here, not at the top: models may be imported only once every app is loaded
        from indsats.accounts.permissions import register_visibility_rule
        from indsats.history.redaction import register_personal_fields
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
        register_interruption_handler(tasks.refresh_insight, tasks.insight_refresh_interrupted)
        # a child's values in the audit trail: their own municipality only (the agency sees that a record
        # changed, not the answers, scores, age or sex)
        register_personal_fields(
            Measurement, ("answers", "scores", "bands", "age"), access.may_read_personal_values
        )
        register_personal_fields(Participant, ("birth_year", "sex"), access.may_read_personal_values)
