from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "indsats.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluering")

    def ready(self) -> None:
        from indsats.accounts.permissions import register_visibility_rule
        from indsats.evaluation import evidence  # noqa: F401 - registers the effect provider
        from indsats.evaluation.models import Analysis, Study
        from indsats.evaluation.selectors import can_see_study

        register_visibility_rule(Study, can_see_study)
        register_visibility_rule(Analysis, lambda user, analysis: can_see_study(user, analysis.study))
