"""Files of questionnaires from a case system: the saved column mappings, the file checked in full before
anything is written, and the validated file handed to the background worker (``import_commit`` writes
it)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation, User
from indsats.audit.services import record_create, record_delete, record_update, snapshot
from indsats.engine.cpr import mask_cpr
from indsats.errors import DomainError
from indsats.outcomes import access, bulk_write, importing, selectors, tasks
from indsats.outcomes.models import ColumnMapping, ImportJob, ImportStatus, Instrument, MeasurementRound
from indsats.outcomes.pseudonyms import pseudonym_key
from indsats.outcomes.registry import engine_instrument
from indsats.outcomes.services.instruments import explain_instrument_choice
from indsats.uploads import safe_file_name


def _masked(error: dict[str, object]) -> dict[str, object]:
    """An error as stored in the job: the checks never quote a CPR number, and this makes sure of it."""
    return {key: mask_cpr(value) if isinstance(value, str) else value for key, value in error.items()}


@transaction.atomic
def save_column_mapping(
    *,
    actor: User,
    municipality: Organisation,
    source_system: str,
    instrument_key: str,
    mapping: dict[str, str],
) -> ColumnMapping:
    """Keep a municipality's mapping of a case system's headings to Indsats' columns for next time."""
    access.require_recorder_for(actor, municipality.pk)
    saved, created = ColumnMapping.objects.get_or_create(
        municipality=municipality, source_system=source_system, instrument_key=instrument_key
    )
    before = snapshot(saved)
    saved.mapping = {mask_cpr(str(k).strip()): mask_cpr(str(v).strip()) for k, v in mapping.items()}
    saved.save()
    if created:
        record_create(actor=actor, instance=saved)
    else:
        record_update(actor=actor, instance=saved, before=before)
    return saved


def prepare_import(
    *,
    actor: User,
    municipality: Organisation,
    measurement_round: MeasurementRound,
    instrument: Instrument,
    content: bytes,
    file_name: str,
    mapping: dict[str, str] | None = None,
    reason: str = "",
) -> ImportJob:
    """Read and check every row of a file. Nothing is imported yet: the job holds the result.

    An instrument outside the agency's short list needs the municipality's ``reason`` (once per
    intervention). A valid file leaves a job ``validated`` with the pseudonymised rows (never CPR numbers)
    kept on it for the write (``commit_import``, later and perhaps in another process) and a preview; an
    invalid one a job ``invalid`` with every error by row and column.
    """
    job, _rows = _check_file(
        actor=actor,
        municipality=municipality,
        measurement_round=measurement_round,
        instrument=instrument,
        content=content,
        file_name=file_name,
        mapping=mapping,
        reason=reason,
        keep_rows=True,
    )
    return job


def check_import_in_memory(
    *,
    actor: User,
    municipality: Organisation,
    measurement_round: MeasurementRound,
    instrument: Instrument,
    content: bytes,
    file_name: str,
    mapping: dict[str, str] | None = None,
    reason: str = "",
) -> tuple[ImportJob, importing.ValidatedRows | None]:
    """``prepare_import`` for a caller that writes the rows itself in the same process (the command line):
    the checked rows are returned, not kept on the job (storing and loading them back costs seconds per
    million rows). Pass them to ``commit_import(rows=...)``. A job checked this way cannot be written by
    another process: it has no rows kept."""
    return _check_file(
        actor=actor,
        municipality=municipality,
        measurement_round=measurement_round,
        instrument=instrument,
        content=content,
        file_name=file_name,
        mapping=mapping,
        reason=reason,
        keep_rows=False,
    )


@transaction.atomic
def _check_file(
    *,
    actor: User,
    municipality: Organisation,
    measurement_round: MeasurementRound,
    instrument: Instrument,
    content: bytes,
    file_name: str,
    mapping: dict[str, str] | None,
    reason: str,
    keep_rows: bool,
) -> tuple[ImportJob, importing.ValidatedRows | None]:
    access.require_recorder_for(actor, municipality.pk)
    intervention = measurement_round.intervention
    if selectors.needs_explanation(
        municipality=municipality, intervention=intervention, instrument=instrument
    ):
        if not reason.strip():
            raise DomainError(
                _("Redskabet er ikke på styrelsens kortliste. Skriv hvorfor I bruger det."), field="reason"
            )
        explain_instrument_choice(
            actor=actor,
            municipality=municipality,
            intervention=intervention,
            instrument=instrument,
            reason=reason,
        )
    job = ImportJob(
        municipality=municipality,
        round=measurement_round,
        instrument=instrument,
        created_by=actor,
        file_name=safe_file_name(file_name)[:255],
        status=ImportStatus.INVALID,
    )
    rows = None
    try:
        table = importing.read_table(content, file_name)
    except importing.ImportFileError as error:
        job.errors = [_masked(importing.RowError(0, "", error.text).as_dict())]
        job.error_count = 1
    else:
        report = importing.validate_import(
            table,
            instrument=engine_instrument(instrument),
            mapping=mapping or {},
            key=pseudonym_key(),
            municipality_code=municipality.municipality_code,
            opens_on=measurement_round.opens_on,
            closes_on=measurement_round.closes_on,
            already_measured=selectors.measured_pseudonyms(
                measurement_round=measurement_round, instrument=instrument, municipality=municipality
            ),
        )
        job.total_rows = report.total_rows
        job.errors = [_masked(error.as_dict()) for error in report.errors]
        job.error_count = report.error_count
        if report.is_valid and report.rows is not None:
            job.status = ImportStatus.VALIDATED
            job.preview = report.preview
            rows = report.rows
        del table, report  # the file's raw cells are not kept while the rows are stored
    job.save()
    if rows is not None and keep_rows:
        bulk_write.store_payload(job, rows)
    record_create(actor=actor, instance=job)
    return job, rows


@transaction.atomic
def queue_import(*, actor: User, job: ImportJob) -> ImportJob:
    """Hand a validated import to a background worker (Django's Tasks API); ImportNotReady otherwise."""
    access.require_recorder_for(actor, job.municipality_id)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not access.is_ready_to_queue(job):
        raise access.ImportNotReady()
    before = snapshot(job)
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["status"])
    record_update(actor=actor, instance=job, before=before)
    transaction.on_commit(lambda: tasks.run_import.enqueue(job_id=job.pk, actor_id=actor.pk))
    return job


@transaction.atomic
def retry_import(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue an import again whose worker died (shown as interrupted). Safe: nothing of it was saved, and
    the stored, validated rows are written all or nothing as the first time. ImportNotReady otherwise."""
    access.require_recorder_for(actor, job.municipality_id)
    job = ImportJob.objects.select_for_update().defer("payload").get(pk=job.pk)
    if not access.is_retryable(job):
        raise access.ImportNotReady()
    before = snapshot(job)
    job.status = ImportStatus.QUEUED
    job.done_rows = 0
    job.message = ""
    job.finished_at = None
    job.save(update_fields=["status", "done_rows", "message", "finished_at"])
    record_update(actor=actor, instance=job, before=before, message=_("Startet igen efter afbrydelse"))
    transaction.on_commit(lambda: tasks.run_import.enqueue(job_id=job.pk, actor_id=actor.pk))
    return job


ABANDONED_STATUSES = (ImportStatus.VALIDATED, ImportStatus.INVALID, ImportStatus.ABORTED, ImportStatus.FAILED)


@transaction.atomic
def purge_abandoned_imports(*, now: datetime.datetime | None = None) -> int:
    """System action (the scheduled job purge-abandoned-imports): imports never saved – validated and left,
    invalid, interrupted or failed – are deleted with their stored rows ABANDONED_IMPORT_DAYS after they
    were made. Audited as the system; returns how many were deleted."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.ABANDONED_IMPORT_DAYS)
    abandoned = ImportJob.objects.filter(status__in=ABANDONED_STATUSES, created_at__lt=cutoff)
    count = 0
    for job in abandoned.defer("payload"):
        record_delete(actor=None, instance=job, message=_("Forladt import slettet"))
        job.delete()
        count += 1
    return count
