"""A validated import written all or nothing. The background worker (outcomes.tasks), the command line
(`indsats import-outcomes`) and the demo call it; the rows go through `bulk_write`."""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.audit.services import record_update, snapshot
from indsats.outcomes import access, bulk_write, importing, totals
from indsats.outcomes.models import ImportJob, ImportStatus
from indsats.outcomes.services import insight_summary


def commit_import(
    *,
    actor: User,
    job: ImportJob,
    rows: importing.ValidatedRows | None = None,
    progress: bulk_write.ProgressCallback | None = None,
    on_phase: bulk_write.PhaseCallback | None = None,
) -> ImportJob:
    """Write a validated import all or nothing: participants, enrolments and measurements in one transaction.

    ``progress(done, total)`` is called after every batch (the CLI's bar, the job's progress) and
    ``on_phase(name, seconds)`` after each phase of the write (the CLI, the benchmark). Anything that
    goes wrong, or a process killed half-way, leaves the database as it was; the job is then marked failed
    (outside the import's transaction, so that mark stays).

    ``rows`` are the checked rows when the caller checked the file itself in this process
    (``imports.check_import_in_memory``, the command line); otherwise they are loaded from the job (the
    worker, after the web's ``prepare_import``).
    """
    access.require_recorder_for(actor, job.municipality_id)
    job = (
        ImportJob.objects.select_related("round", "instrument", "municipality")
        .defer("payload")
        .get(pk=job.pk)
    )
    started = time.perf_counter()
    if not access.is_ready_to_commit(job):
        raise access.ImportNotReady()
    if rows is None:
        rows = bulk_write.load_payload(job)
        if rows is None:
            raise access.ImportNotReady()
        if on_phase is not None:
            on_phase("load validated rows", time.perf_counter() - started)
    elif len(rows) != job.total_rows:
        raise access.ImportNotReady()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, done_rows=0)
    side_progress = bulk_write.progress_writer(job.pk)

    def report(done: int, total: int) -> None:
        if side_progress is not None:
            side_progress(done, total)
        if progress is not None:
            progress(done, total)

    try:
        with transaction.atomic():
            count = bulk_write.write_rows(job=job, rows=rows, progress=report, on_phase=on_phase)
            started = time.perf_counter()
            before = snapshot(job)
            job.status = ImportStatus.DONE
            job.done_rows = count
            job.payload = None
            job.finished_at = timezone.now()
            job.message = _("%(n)s målinger importeret.") % {"n": count}
            job.save(update_fields=["status", "done_rows", "payload", "finished_at", "message"])
            record_update(actor=actor, instance=job, before=before, message=job.message)
            insight_summary.measurements_changed([(job.round.intervention_id, job.instrument_id)])
            # an import enrols the children it does not know yet in the intervention
            insight_summary.enrolments_changed([job.round.intervention_id])
            # last, after the versions' rows, as every write locks them: no two writes wait for each other
            totals.recount([job.municipality_id])
        if on_phase is not None:  # the commit: unique checks are done, no deferred foreign keys are left
            on_phase("commit", time.perf_counter() - started)
    except Exception:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            done_rows=0,
            finished_at=timezone.now(),
            message=_("Importen mislykkedes, og intet blev gemt. Prøv igen, eller kontakt support."),
        )
        raise
    finally:
        if side_progress is not None:
            side_progress.close()
    return job
