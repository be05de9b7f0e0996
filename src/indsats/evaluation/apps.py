from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "indsats.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluering")

    def ready(self) -> None:
        # imported here, not at the top: models may be imported only once every app is loaded
        from indsats.accounts.permissions import register_visibility_rule
        from indsats.evaluation import access, evidence, panels, setup_links, tasks  # noqa: F401 - register on import

        # models load only once the app registry is ready
        from indsats.evaluation.models import Analysis, Exposure, Study
        from indsats.history.redaction import register_personal_fields
        from indsats.operations.leases import register_interruption_handler

        register_visibility_rule(Study, access.can_see_study)
        register_visibility_rule(Analysis, lambda user, analysis: access.can_see_study(user, analysis.study))
        register_interruption_handler(tasks.render_report_pdf, tasks.rendering_interrupted)
        # a child's dose and fidelity in the audit trail: their own municipality only
        register_personal_fields(Exposure, ("sessions", "fidelity"), access.may_read_exposure_values)
