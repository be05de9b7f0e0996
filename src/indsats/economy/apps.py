from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EconomyConfig(AppConfig):
    name = "indsats.economy"
    label = "economy"
    verbose_name = _("Økonomi")

    def ready(self) -> None:
        # imported here, not at the top: models may be imported only once every app is loaded
        from indsats.accounts.permissions import register_visibility_rule
        from indsats.economy import access, evidence, panels, tasks  # noqa: F401 - evidence and panels register

        # models load only once the app registry is ready
        from indsats.economy.models import BusinessCase, BusinessCaseResult, PriceCatalogue, UnitPrice
        from indsats.operations.leases import register_interruption_handler

        register_visibility_rule(BusinessCase, lambda user, case: access.can_see_case(user, case.pk))
        register_visibility_rule(
            BusinessCaseResult, lambda user, result: access.can_see_case(user, result.case_id)
        )
        register_visibility_rule(
            PriceCatalogue, lambda user, _catalogue: access.can_read_reference_data(user)
        )
        register_visibility_rule(UnitPrice, lambda user, _price: access.can_read_reference_data(user))
        register_interruption_handler(tasks.compute_business_case_result, tasks.computation_interrupted)
