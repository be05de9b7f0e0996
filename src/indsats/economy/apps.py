from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EconomyConfig(AppConfig):
    name = "indsats.economy"
    label = "economy"
    verbose_name = _("Økonomi")

    def ready(self) -> None:
        from indsats.accounts.permissions import register_visibility_rule
        from indsats.economy import evidence, panels  # noqa: F401 - registers providers
        from indsats.economy.models import BusinessCase, BusinessCaseResult, PriceCatalogue, UnitPrice
        from indsats.economy.selectors import can_read_business_cases

        register_visibility_rule(BusinessCase, lambda user, _case: can_read_business_cases(user))
        register_visibility_rule(BusinessCaseResult, lambda user, _result: can_read_business_cases(user))
        register_visibility_rule(PriceCatalogue, lambda user, _catalogue: bool(user.is_authenticated))
        register_visibility_rule(UnitPrice, lambda user, _price: bool(user.is_authenticated))
