from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HistoryConfig(AppConfig):
    """The pages that show the audit trail: one record's history and the whole trail for the agency.

    The trail itself (the AuditEntry model and the services that write it) lives in `indsats.audit`, at the
    bottom of the house, so every app can write it; these pages sit above accounts, whose permissions they
    ask."""

    name = "indsats.history"
    label = "history"
    verbose_name = _("Historik")

    def ready(self) -> None:
        from indsats.history import panels  # noqa: F401 - registers the front-page panel on import
