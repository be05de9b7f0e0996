from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "indsats.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluering")

    def ready(self) -> None:
        # imported here, not at the top: models may be imported only once every app is loaded
        from indsats.accounts.permissions import register_visibility_rule
        from indsats.evaluation import access, evidence, panels, setup_links  # noqa: F401 - register on import

        # models load only once the app registry is ready
        from indsats.evaluation.models import Analysis, Study

        register_visibility_rule(Study, access.can_see_study)
        register_visibility_rule(Analysis, lambda user, analysis: access.can_see_study(user, analysis.study))
