from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "indsats.operations"
    label = "operations"
    verbose_name = _("Drift")

    def ready(self) -> None:
        # imported here, not at the top: these modules use models, loaded once every app is
        from indsats.operations import leases, tasks
        from indsats.operations.models import RunStatus, ScheduledRun

        leases.connect_signals()

        def scheduled_run_interrupted(*, run_id: int, will_retry: bool) -> None:
            ScheduledRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
                status=RunStatus.QUEUED if will_retry else RunStatus.FAILED,
                message="" if will_retry else "WorkerLost (se loggen)",
            )

        leases.register_interruption_handler(tasks.run_scheduled_job, scheduled_run_interrupted)
