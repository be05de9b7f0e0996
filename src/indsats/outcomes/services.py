"""Every write of result documentation: one transaction, one permission check, one audit entry.

CPR numbers enter only as arguments and leave only as pseudonyms (engine/cpr.py); they are never stored,
logged, audited or put in an error message.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indsats.accounts.models import Organisation, OrganisationKind
from indsats.accounts.permissions import (
    MANAGE_INSTRUMENTS,
    MANAGE_INTERVENTIONS,
    RECORD_OUTCOMES,
    require_municipality,
    require_permission,
)
from indsats.audit.models import AuditAction
from indsats.audit.services import record, record_create, record_delete, record_update, snapshot
from indsats.engine.cpr import CprError, age_on, pseudonym, validate_cpr
from indsats.engine.instruments import InstrumentDefinitionError, parse_instrument
from indsats.engine.scoring import AnswerError, score
from indsats.outcomes import importing
from indsats.outcomes.models import (
    ColumnMapping,
    Enrolment,
    EvaluatorAssignment,
    ImportJob,
    ImportStatus,
    Instrument,
    InstrumentExplanation,
    InstrumentList,
    Measurement,
    MeasurementRound,
    Participant,
    RetentionPolicy,
    RoundKind,
)
from indsats.outcomes.registry import engine_instrument
from indsats.ui import formatting

BATCH_SIZE = 5000
ProgressCallback = Callable[[int, int], None]


def pseudonym_key() -> bytes:
    key = settings.PSEUDONYM_KEY
    return key.encode() if isinstance(key, str) else bytes(key)


# --- instruments -----------------------------------------------------------------------------------------


@transaction.atomic
def set_instrument_list(
    *, actor: Any, instrument: Instrument, list_status: str, is_active: bool = True
) -> Instrument:
    """Put an instrument on the agency's short list, the longer list or neither."""
    require_permission(actor, MANAGE_INSTRUMENTS)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    before = snapshot(instrument)
    if list_status not in InstrumentList.values:
        raise ValidationError({"list_status": _("Vælg kortlisten, den lange liste eller ingen liste.")})
    instrument.list_status = list_status
    instrument.is_active = is_active
    instrument.save(update_fields=["list_status", "is_active", "updated_at"])
    record_update(actor=actor, instance=instrument, before=before)
    return instrument


@transaction.atomic
def add_instrument(
    *, actor: Any, definition: dict[str, Any], list_status: str = InstrumentList.LONG
) -> Instrument:
    """Add an instrument (or a new version of one) from its JSON definition: no new code needed."""
    require_permission(actor, MANAGE_INSTRUMENTS)
    try:
        parsed = parse_instrument(definition)
    except InstrumentDefinitionError as error:
        raise ValidationError(
            {
                "definition": _("Definitionen er ikke gyldig: %(field)s: %(message)s")
                % {"field": error.field, "message": error.message}
            }
        ) from None
    if Instrument.objects.filter(key=parsed.key, version=parsed.version).exists():
        raise ValidationError(
            {
                "definition": _(
                    "%(key)s version %(version)s findes allerede. Giv den nye definition et højere "
                    "versionsnummer."
                )
                % {"key": parsed.key, "version": parsed.version}
            }
        )
    instrument = Instrument.objects.create(
        key=parsed.key,
        version=parsed.version,
        name=parsed.name.da,
        definition=definition,
        list_status=list_status,
    )
    record_create(actor=actor, instance=instrument)
    return instrument


@transaction.atomic
def explain_instrument_choice(
    *, actor: Any, municipality: Organisation, intervention: Any, instrument: Instrument, reason: str
) -> InstrumentExplanation:
    """A municipality says why it documents an intervention without a short-list instrument."""
    require_permission(actor, RECORD_OUTCOMES)
    require_municipality(actor, municipality.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv hvorfor I ikke bruger et redskab fra kortlisten.")})
    explanation, created = InstrumentExplanation.objects.get_or_create(
        municipality=municipality,
        intervention=intervention,
        instrument=instrument,
        defaults={"reason": reason.strip(), "created_by": actor},
    )
    if created:
        record_create(actor=actor, instance=explanation)
    else:
        before = snapshot(explanation)
        explanation.reason = reason.strip()
        explanation.save(update_fields=["reason"])
        record_update(actor=actor, instance=explanation, before=before)
    return explanation


def needs_explanation(*, municipality: Organisation, intervention: Any, instrument: Instrument) -> bool:
    """True when the instrument is not on the short list and the municipality has given no reason yet."""
    if instrument.list_status == InstrumentList.SHORT:
        return False
    return not InstrumentExplanation.objects.filter(
        municipality=municipality, intervention=intervention, instrument=instrument
    ).exists()


# --- rounds, participants and measurements ---------------------------------------------------------------


ROUND_KIND_RANK = {kind: rank for rank, kind in enumerate(RoundKind.values)}
MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 50 * 366


def _check_round(
    *,
    intervention: Any,
    kind: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    order: int,
    exclude_pk: int | None = None,
) -> None:
    """A round fits the intervention's other rounds: its own kind and number, dates that overlap no other
    round (an answer belongs to exactly one round), and the same order by number, by date and by kind
    (baseline first, follow-up last). Raises ValidationError naming the field."""
    if kind not in RoundKind.values:
        raise ValidationError({"kind": _("Vælg et målepunkt.")})
    if order < 0:
        raise ValidationError({"order": _("Rækkefølgen skal være 0 eller et positivt tal.")})
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("Runden skal lukke samme dag som eller efter den åbner.")})
    others = MeasurementRound.objects.filter(intervention=intervention)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other in others.order_by("order", "opens_on"):
        label = other.get_kind_display()
        if other.kind == kind:
            raise ValidationError(
                {"kind": _("Indsatsen har allerede en runde med målepunktet %(kind)s.") % {"kind": label}}
            )
        if other.order == order:
            raise ValidationError(
                {
                    "order": _("Rækkefølgen %(order)s bruges allerede af runden %(kind)s.")
                    % {"order": order, "kind": label}
                }
            )
        if other.opens_on <= closes_on and opens_on <= other.closes_on:
            raise ValidationError(
                {
                    "opens_on": _(
                        "Datoerne overlapper runden %(kind)s (%(start)s til %(end)s). En besvarelse skal "
                        "kun kunne høre til én runde."
                    )
                    % {
                        "kind": label,
                        "start": formatting.date(other.opens_on),
                        "end": formatting.date(other.closes_on),
                    }
                }
            )
        if (other.order < order) != (other.opens_on < opens_on):
            raise ValidationError(
                {
                    "order": _(
                        "Rækkefølgen passer ikke med datoerne: runden %(kind)s (%(start)s til %(end)s) har "
                        "nummer %(order)s."
                    )
                    % {
                        "kind": label,
                        "start": formatting.date(other.opens_on),
                        "end": formatting.date(other.closes_on),
                        "order": other.order,
                    }
                }
            )
        if (other.order < order) != (ROUND_KIND_RANK[other.kind] < ROUND_KIND_RANK[kind]):
            raise ValidationError(
                {
                    "kind": _(
                        "Målepunktet passer ikke med rækkefølgen: runden %(kind)s har nummer %(order)s. "
                        "Før (baseline) kommer først, så 3, 6 og 12 måneder og til sidst opfølgning."
                    )
                    % {"kind": label, "order": other.order}
                }
            )


@transaction.atomic
def create_round(
    *,
    actor: Any,
    intervention: Any,
    kind: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    order: int = 0,
) -> MeasurementRound:
    """Add a measurement round to an intervention (the agency), checked against its other rounds."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    # lock the intervention's rounds so two simultaneous additions cannot both pass the overlap check
    list(MeasurementRound.objects.select_for_update().filter(intervention=intervention))
    _check_round(intervention=intervention, kind=kind, opens_on=opens_on, closes_on=closes_on, order=order)
    measurement_round = MeasurementRound(
        intervention=intervention, kind=kind, opens_on=opens_on, closes_on=closes_on, order=order
    )
    measurement_round.full_clean()
    measurement_round.save()
    record_create(actor=actor, instance=measurement_round)
    return measurement_round


@transaction.atomic
def update_round(
    *,
    actor: Any,
    measurement_round: MeasurementRound,
    kind: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    order: int,
) -> MeasurementRound:
    """Change a round's kind, dates or number. A round with measurements keeps its kind, and its dates
    must still hold every measurement already made in it."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    list(
        MeasurementRound.objects.select_for_update().filter(intervention_id=measurement_round.intervention_id)
    )
    measurement_round = MeasurementRound.objects.select_related("intervention").get(pk=measurement_round.pk)
    before = snapshot(measurement_round)
    _check_round(
        intervention=measurement_round.intervention,
        kind=kind,
        opens_on=opens_on,
        closes_on=closes_on,
        order=order,
        exclude_pk=measurement_round.pk,
    )
    measurements = Measurement.objects.filter(round=measurement_round)
    if kind != measurement_round.kind and measurements.exists():
        raise ValidationError({"kind": _("Runden har målinger, så dens målepunkt kan ikke ændres.")})
    outside = measurements.exclude(measured_on__gte=opens_on, measured_on__lte=closes_on).count()
    if outside:
        raise ValidationError(
            {
                "opens_on": ngettext(
                    "%(n)s måling i runden ligger uden for de nye datoer. Vælg datoer, der rummer den.",
                    "%(n)s målinger i runden ligger uden for de nye datoer. Vælg datoer, der rummer dem.",
                    outside,
                )
                % {"n": outside}
            }
        )
    measurement_round.kind = kind
    measurement_round.opens_on = opens_on
    measurement_round.closes_on = closes_on
    measurement_round.order = order
    measurement_round.full_clean(validate_unique=False)
    measurement_round.save(update_fields=["kind", "opens_on", "closes_on", "order"])
    record_update(actor=actor, instance=measurement_round, before=before)
    return measurement_round


@transaction.atomic
def delete_round(*, actor: Any, measurement_round: MeasurementRound) -> None:
    """Delete a round that nothing uses yet. A round with measurements (or imports, or a study) stays."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    measurement_round = MeasurementRound.objects.select_for_update().get(pk=measurement_round.pk)
    count = Measurement.objects.filter(round=measurement_round).count()
    if count:
        raise ValidationError(
            ngettext(
                "Runden %(kind)s kan ikke slettes, fordi der er %(n)s måling i den. Målinger slettes kun "
                "med opbevaringstiden eller på anmodning.",
                "Runden %(kind)s kan ikke slettes, fordi der er %(n)s målinger i den. Målinger slettes "
                "kun med opbevaringstiden eller på anmodning.",
                count,
            )
            % {"kind": measurement_round.get_kind_display(), "n": count},
            code="protected",
        )
    record_delete(actor=actor, instance=measurement_round)
    try:
        with transaction.atomic():
            measurement_round.delete()
    except ProtectedError as protected:
        names = sorted({str(obj._meta.verbose_name) for obj in protected.protected_objects})
        raise ValidationError(
            _("Runden %(kind)s kan ikke slettes, fordi den bruges af: %(users)s.")
            % {"kind": measurement_round.get_kind_display(), "users": ", ".join(names)},
            code="protected",
        ) from None


def _cpr_validation_error(error: CprError) -> ValidationError:
    return ValidationError({"cpr": error.message_da})


@transaction.atomic
def register_participant(
    *,
    actor: Any,
    municipality: Organisation,
    intervention: Any,
    cpr: str,
    enrolled_on: datetime.date | None = None,
) -> Participant:
    """Enrol a child in an intervention. The CPR number is checked and replaced by its pseudonym."""
    require_permission(actor, RECORD_OUTCOMES)
    require_municipality(actor, municipality.pk)
    try:
        info = validate_cpr(cpr)
        code = pseudonym(cpr, key=pseudonym_key(), municipality_code=municipality.municipality_code)
    except CprError as error:
        raise _cpr_validation_error(error) from None
    participant, created = Participant.objects.get_or_create(
        municipality=municipality,
        pseudonym=code,
        defaults={"birth_year": info.birth_date.year, "sex": info.sex},
    )
    if created:
        record_create(actor=actor, instance=participant)
    enrolment, enrolled = Enrolment.objects.get_or_create(
        participant=participant, intervention=intervention, defaults={"enrolled_on": enrolled_on}
    )
    if enrolled:
        record_create(actor=actor, instance=enrolment)
    return participant


@transaction.atomic
def record_measurement(
    *,
    actor: Any,
    participant: Participant,
    measurement_round: MeasurementRound,
    instrument: Instrument,
    measured_on: datetime.date,
    answers: Sequence[float | None],
    cpr: str | None = None,
) -> Measurement:
    """Enter one questionnaire. The engine scores it; the raw answers are kept for re-scoring.

    ``cpr`` (optional) is used only to derive the exact age on the day; otherwise the age is estimated
    from the birth year.
    """
    require_permission(actor, RECORD_OUTCOMES)
    require_municipality(actor, participant.municipality_id)
    if not Enrolment.objects.filter(
        participant=participant, intervention_id=measurement_round.intervention_id
    ).exists():
        raise ValidationError({"round": _("Barnet deltager ikke i den indsats, runden hører til.")})
    if not measurement_round.opens_on <= measured_on <= measurement_round.closes_on:
        raise ValidationError(
            {
                "measured_on": _("Datoen skal ligge i målerunden (%(start)s til %(end)s).")
                % {
                    "start": measurement_round.opens_on.isoformat(),
                    "end": measurement_round.closes_on.isoformat(),
                }
            }
        )
    if Measurement.objects.filter(
        participant=participant, round=measurement_round, instrument=instrument
    ).exists():
        raise ValidationError({"round": _("Barnet er allerede målt med dette redskab i denne runde.")})
    engine = engine_instrument(instrument)
    matrix = np.array([[np.nan if a is None else float(a) for a in answers]], dtype=np.float64)
    try:
        result = score(engine, matrix)
    except AnswerError as error:
        raise ValidationError(
            {(error.problems[0].item if error.problems else "answers"): _("Svaret ligger uden for skalaen.")}
        ) from None
    age = None
    if cpr:
        try:
            age = age_on(validate_cpr(cpr).birth_date, measured_on)
        except (CprError, ValueError):
            age = None
    if age is None:
        age = max(0, measured_on.year - participant.birth_year)
    measurement = Measurement.objects.create(
        participant=participant,
        round=measurement_round,
        instrument=instrument,
        municipality_id=participant.municipality_id,
        measured_on=measured_on,
        age=age,
        answers=[None if math.isnan(v) else v for v in matrix[0].tolist()],
        scores={k: _json_float(result.scores[k][0]) for k in result.score_keys},
        bands={k: str(v[0]) for k, v in result.bands.items()},
        engine_version=result.engine_version,
    )
    record_create(actor=actor, instance=measurement)
    return measurement


def _json_float(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@transaction.atomic
def delete_participant(*, actor: Any, participant: Participant, reason: str = "") -> int:
    """Delete a child's data on request (GDPR art. 17): the participant, enrolments and measurements."""
    require_permission(actor, RECORD_OUTCOMES)
    require_municipality(actor, participant.municipality_id)
    count = participant.measurements.count()
    record_delete(
        actor=actor,
        instance=participant,
        message=(_("Slettet på anmodning (%(n)s målinger). %(reason)s") % {"n": count, "reason": reason})[
            :500
        ],
    )
    participant.delete()
    return count


def record_data_access(*, actor: Any, participant: Participant) -> None:
    """Log that a participant's data was shown in full (GDPR art. 15 insight)."""
    require_permission(actor, RECORD_OUTCOMES)
    require_municipality(actor, participant.municipality_id)
    record(
        actor=actor, action=AuditAction.VIEW, instance=participant, message=_("Indsigt i deltagerens data")
    )


# --- column mappings -------------------------------------------------------------------------------------


@transaction.atomic
def save_column_mapping(
    *,
    actor: Any,
    municipality: Organisation,
    source_system: str,
    instrument_key: str,
    mapping: dict[str, str],
) -> ColumnMapping:
    require_permission(actor, RECORD_OUTCOMES)
    require_municipality(actor, municipality.pk)
    saved, created = ColumnMapping.objects.get_or_create(
        municipality=municipality, source_system=source_system, instrument_key=instrument_key
    )
    before = snapshot(saved)
    saved.mapping = {str(k).strip(): str(v).strip() for k, v in mapping.items()}
    saved.save()
    if created:
        record_create(actor=actor, instance=saved)
    else:
        record_update(actor=actor, instance=saved, before=before)
    return saved


def parse_mapping_text(text: str) -> dict[str, str]:
    """``Kolonne i filen = cpr`` per line (an empty right side ignores the column)."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if "=" not in line:
            raise ValidationError(
                {
                    "mapping": _("Linje %(n)s mangler et lighedstegn: skriv “Kolonne i filen = sdq1”.")
                    % {"n": number}
                }
            )
        source, target = line.split("=", 1)
        mapping[source.strip()] = target.strip().lower()
    return mapping


# --- bulk import -----------------------------------------------------------------------------------------


def _already_measured(
    measurement_round: MeasurementRound, instrument: Instrument, municipality: Organisation
) -> list[str]:
    return list(
        Measurement.objects.filter(
            round=measurement_round, instrument=instrument, municipality=municipality
        ).values_list("participant__pseudonym", flat=True)
    )


@transaction.atomic
def prepare_import(
    *,
    actor: Any,
    municipality: Organisation,
    measurement_round: MeasurementRound,
    instrument: Instrument,
    content: bytes,
    file_name: str,
    mapping: dict[str, str] | None = None,
) -> ImportJob:
    """Read and check every row of a file. Nothing is imported yet: the job holds the result.

    A valid file leaves a job ``validated`` with the pseudonymised rows (never CPR numbers) and a preview;
    an invalid one a job ``invalid`` with every error by row and column.
    """
    require_permission(actor, RECORD_OUTCOMES)
    require_municipality(actor, municipality.pk)
    job = ImportJob(
        municipality=municipality,
        round=measurement_round,
        instrument=instrument,
        created_by=actor if getattr(actor, "pk", None) else None,
        file_name=file_name[:255],
        status=ImportStatus.INVALID,
    )
    try:
        table = importing.read_table(content, file_name)
    except importing.ImportFileError as error:
        job.errors = [importing.RowError(0, "", error.message).as_dict()]
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
            already_measured=_already_measured(measurement_round, instrument, municipality),
        )
        job.total_rows = report.total_rows
        job.errors = [error.as_dict() for error in report.errors]
        job.error_count = report.error_count
        if report.is_valid and report.rows is not None:
            job.status = ImportStatus.VALIDATED
            job.preview = report.preview
    job.save()
    if job.status == ImportStatus.VALIDATED and report.rows is not None:
        _store_payload(job, report.rows.to_bytes())
    record_create(actor=actor, instance=job)
    return job


def _server_cursor() -> Any:
    """A psycopg cursor with server-side parameter binding on Django's own connection (so inside the
    current transaction). Django's cursors bind on the client: they would quote megabytes of bytes or
    100,000-element arrays into the SQL text."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _store_payload(job: ImportJob, data: bytes) -> None:
    """Keep the validated rows on the job. On PostgreSQL through psycopg's own cursor, which sends the bytes
    as a binary parameter (Django's cursor would quote tens of megabytes into the SQL text)."""
    if connection.vendor == "postgresql":
        with _server_cursor() as cursor:
            cursor.execute("UPDATE outcomes_importjob SET payload = %b WHERE id = %s", [data, job.pk])
    else:
        ImportJob.objects.filter(pk=job.pk).update(payload=data)
    job.payload = data


def _load_payload(job: ImportJob) -> bytes | None:
    if connection.vendor == "postgresql":
        with _server_cursor() as cursor:
            found = cursor.execute(
                "SELECT payload FROM outcomes_importjob WHERE id = %s", [job.pk], binary=True
            ).fetchone()
        return bytes(found[0]) if found and found[0] is not None else None
    value = ImportJob.objects.filter(pk=job.pk).values_list("payload", flat=True).first()
    return bytes(value) if value is not None else None


class ImportNotReady(Exception):
    """The job is not a validated import waiting to be committed."""


@transaction.atomic
def queue_import(*, actor: Any, job: ImportJob) -> ImportJob:
    """Hand a validated import to a background worker (Django's Tasks API)."""
    require_permission(actor, RECORD_OUTCOMES)
    require_municipality(actor, job.municipality_id)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.VALIDATED:
        raise ImportNotReady(job.status)
    before = snapshot(job)
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["status"])
    record_update(actor=actor, instance=job, before=before)
    from indsats.outcomes.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job_id=job.pk, actor_id=getattr(actor, "pk", None)))
    return job


def _progress_writer(job_id: int) -> ProgressCallback | None:
    """Progress is written on a second connection so that a browser sees it while the import's own
    transaction is still open. SQLite allows one writer only: there the progress is written at the end."""
    if connection.vendor != "postgresql":
        return None
    side = connections.create_connection("default")

    def write(done: int, total: int) -> None:
        with side.cursor() as cursor:
            cursor.execute("UPDATE outcomes_importjob SET done_rows = %s WHERE id = %s", [done, job_id])

    return write


def commit_import(*, actor: Any, job: ImportJob, progress: ProgressCallback | None = None) -> ImportJob:
    """Write a validated import all or nothing: participants, enrolments and measurements in one transaction.

    ``progress(done, total)`` is called after every batch (the CLI's bar, the job's progress). Anything that
    goes wrong, or a process killed half-way, leaves the database as it was.
    """
    require_permission(actor, RECORD_OUTCOMES)
    require_municipality(actor, job.municipality_id)
    job = (
        ImportJob.objects.select_related("round", "instrument", "municipality")
        .defer("payload")
        .get(pk=job.pk)
    )
    payload = _load_payload(job) if job.status in {ImportStatus.VALIDATED, ImportStatus.QUEUED} else None
    if payload is None:
        raise ImportNotReady(job.status)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, done_rows=0)
    side_progress = _progress_writer(job.pk)

    def report(done: int, total: int) -> None:
        if side_progress is not None:
            side_progress(done, total)
        if progress is not None:
            progress(done, total)

    rows = importing.ValidatedRows.from_bytes(payload)
    try:
        with transaction.atomic():
            count = _write_rows(job=job, rows=rows, progress=report)
            before = snapshot(job)
            job.status = ImportStatus.DONE
            job.done_rows = count
            job.payload = None
            job.finished_at = timezone.now()
            job.message = _("%(n)s målinger importeret.") % {"n": count}
            job.save(update_fields=["status", "done_rows", "payload", "finished_at", "message"])
            record_update(actor=actor, instance=job, before=before, message=job.message)
    except Exception:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            done_rows=0,
            finished_at=timezone.now(),
            message=_("Importen mislykkedes, og intet blev gemt. Prøv igen, eller kontakt support."),
        )
        raise
    return job


def _write_rows(*, job: ImportJob, rows: importing.ValidatedRows, progress: ProgressCallback) -> int:
    instrument = engine_instrument(job.instrument)
    result = score(instrument, rows.answers)
    municipality_id = job.municipality_id
    intervention_id = job.round.intervention_id
    total = len(rows)

    # participants: the ones already known, then the new ones; every one enrolled in the intervention
    codes = rows.pseudonyms.tolist()
    first_row = {code: i for i, code in reversed(list(enumerate(codes)))}
    unique = list(first_row)
    birth_years = [int(rows.birth_years[first_row[code]]) for code in unique]
    sexes = [str(rows.sexes[first_row[code]]) for code in unique]
    if connection.vendor == "postgresql":
        participant_ids = _ensure_participants_postgresql(
            municipality_id=municipality_id,
            intervention_id=intervention_id,
            codes=unique,
            birth_years=birth_years,
            sexes=sexes,
        )
    else:
        participant_ids = _ensure_participants_sql(
            municipality_id=municipality_id,
            intervention_id=intervention_id,
            codes=unique,
            birth_years=birth_years,
            sexes=sexes,
        )

    # measurements, in batches; the JSON columns are formatted vectorised, once (see _json_rows)
    band_lists = {k: v.tolist() for k, v in result.bands.items()}
    dates = rows.dates.astype("datetime64[D]").tolist()
    ages = rows.ages.tolist()
    answer_json = _json_rows(rows.answers, "[", "]", None)
    score_json = _json_rows(
        np.column_stack([result.scores[k] for k in result.score_keys]), "{", "}", result.score_keys
    )
    if connection.vendor == "postgresql":
        return _copy_measurements(
            job=job,
            participant_ids=[participant_ids[code] for code in codes],
            dates=dates,
            ages=ages,
            answer_json=answer_json,
            score_json=score_json,
            band_lists=band_lists,
            engine_version=result.engine_version,
            progress=progress,
        )
    return _insert_measurements_sql(
        job=job,
        participant_ids=[participant_ids[code] for code in codes],
        dates=dates,
        ages=ages,
        answer_json=answer_json,
        score_json=score_json,
        band_json=_band_json_rows(band_lists, total),
        engine_version=result.engine_version,
        progress=progress,
    )


def _band_json_rows(band_lists: dict[str, list[str]], total: int) -> list[str]:
    """Each row's bands as a JSON object. Band codes are plain identifiers (engine definitions), so they
    need no escaping."""
    keys = list(band_lists)
    return ["{" + ",".join(f'"{k}":"{band_lists[k][i]}"' for k in keys) + "}" for i in range(total)]


def _ensure_participants_sql(
    *, municipality_id: int, intervention_id: int, codes: list[str], birth_years: list[int], sexes: list[str]
) -> dict[str, int]:
    """Known participants by pseudonym, new ones inserted, every one enrolled: a few statements per 5,000
    children through the cursor (the ORM's bulk_create prepares each value in Python, 20 times slower)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    participant_ids: dict[str, int] = {}

    def known(batch: list[str]) -> dict[str, int]:
        # plain SQL: the ORM would prepare each of the 5,000 parameters of the IN list in Python
        placeholders = ", ".join(["%s"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pseudonym, id FROM outcomes_participant "  # noqa: S608 (placeholders only)
                f"WHERE municipality_id = %s AND pseudonym IN ({placeholders})",
                [municipality_id, *batch],
            )
            return dict(cursor.fetchall())

    for start in range(0, len(codes), BATCH_SIZE):
        participant_ids.update(known(codes[start : start + BATCH_SIZE]))
    new = [
        (municipality_id, code, year, sex, now)
        for code, year, sex in zip(codes, birth_years, sexes, strict=True)
        if code not in participant_ids
    ]
    if new:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO outcomes_participant (municipality_id, pseudonym, birth_year, sex, created_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                new,
            )
        new_codes = [row[1] for row in new]
        for start in range(0, len(new_codes), BATCH_SIZE):
            participant_ids.update(known(new_codes[start : start + BATCH_SIZE]))
    enrolled = set(
        Enrolment.objects.filter(
            intervention_id=intervention_id, participant__municipality_id=municipality_id
        ).values_list("participant_id", flat=True)
    )
    missing = [(pid, intervention_id, now) for pid in participant_ids.values() if pid not in enrolled]
    if missing:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO outcomes_enrolment (participant_id, intervention_id, created_at) "
                "VALUES (%s, %s, %s)",
                missing,
            )
    return participant_ids


def _insert_measurements_sql(
    *,
    job: ImportJob,
    participant_ids: list[int],
    dates: list[Any],
    ages: list[int],
    answer_json: list[str],
    score_json: list[str],
    band_json: list[str],
    engine_version: str,
    progress: ProgressCallback,
) -> int:
    """Databases other than PostgreSQL (SQLite in development and tests): one executemany per batch of
    already formatted values, inside the import's transaction."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    total = len(participant_ids)
    fixed = (job.round_id, job.instrument_id, job.municipality_id)
    with connection.cursor() as cursor:
        for start in range(0, total, BATCH_SIZE):
            stop = min(total, start + BATCH_SIZE)
            cursor.executemany(
                "INSERT INTO outcomes_measurement (participant_id, round_id, instrument_id, municipality_id, "
                "measured_on, age, answers, scores, bands, engine_version, import_job_id, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        participant_ids[i],
                        *fixed,
                        dates[i].isoformat(),
                        ages[i],
                        answer_json[i],
                        score_json[i],
                        band_json[i],
                        engine_version,
                        job.pk,
                        now,
                    )
                    for i in range(start, stop)
                ],
            )
            progress(stop, total)
    return total


def _ensure_participants_postgresql(
    *, municipality_id: int, intervention_id: int, codes: list[str], birth_years: list[int], sexes: list[str]
) -> dict[str, int]:
    """The same as the ORM version in three set-based statements (arrays unnested by PostgreSQL)."""
    now = timezone.now()
    # the 100,000-element arrays are bound on the server; same connection, so inside the import's transaction
    with _server_cursor() as cursor:
        cursor.execute(
            "SELECT pseudonym, id FROM outcomes_participant "
            "WHERE municipality_id = %s AND pseudonym = ANY(%s)",
            [municipality_id, codes],
        )
        participant_ids: dict[str, int] = dict(cursor.fetchall())
        new = [i for i, code in enumerate(codes) if code not in participant_ids]
        if new:
            cursor.execute(
                "INSERT INTO outcomes_participant (municipality_id, pseudonym, birth_year, sex, created_at) "
                "SELECT %s, p, b, s, %s FROM unnest(%s::text[], %s::int[], %s::text[]) AS t(p, b, s) "
                "RETURNING pseudonym, id",
                [
                    municipality_id,
                    now,
                    [codes[i] for i in new],
                    [birth_years[i] for i in new],
                    [sexes[i] for i in new],
                ],
            )
            participant_ids.update(cursor.fetchall())
        cursor.execute(
            "INSERT INTO outcomes_enrolment (participant_id, intervention_id, created_at) "
            "SELECT p, %s, %s FROM unnest(%s::bigint[]) AS t(p) ON CONFLICT DO NOTHING",
            [intervention_id, now, list(participant_ids.values())],
        )
    return participant_ids


def _json_rows(matrix: Any, opening: str, closing: str, keys: Sequence[str] | None) -> list[str]:
    """Each row of a float matrix as JSON (a list, or an object with ``keys``), NaN as null. Every distinct
    value is formatted once: answers and scores take few distinct values."""
    import pandas as pd

    codes, distinct = pd.factorize(np.asarray(matrix, dtype=np.float64).ravel(), use_na_sentinel=True)
    texts = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in distinct]
    tokens = np.array([*texts, "null"], dtype=object)  # code -1 (NaN) picks the last: null
    table = tokens[codes].reshape(np.shape(matrix))
    if keys is not None:
        prefixes = np.array([f'"{key}":' for key in keys], dtype=object)
        table = prefixes + table
    return [opening + ",".join(row) + closing for row in table.tolist()]


def _copy_measurements(
    *,
    job: ImportJob,
    participant_ids: list[int],
    dates: list[Any],
    ages: list[int],
    answer_json: list[str],
    score_json: list[str],
    band_lists: dict[str, list[str]],
    engine_version: str,
    progress: ProgressCallback,
) -> int:
    """PostgreSQL: stream the measurements with COPY (text format) into the real table, inside the import's
    transaction. The JSON columns hold only numbers, null and band codes, so no COPY escaping is needed."""
    now = timezone.now().isoformat()
    total = len(participant_ids)
    columns = (
        "participant_id, round_id, instrument_id, municipality_id, measured_on, age, answers, scores, bands, "
        "engine_version, import_job_id, created_at"
    )
    band_keys = list(band_lists)
    fixed_head = f"\t{job.round_id}\t{job.instrument_id}\t{job.municipality_id}\t"
    fixed_tail = f"\t{engine_version}\t{job.pk}\t{now}\n"
    with _server_cursor() as cursor:
        for start in range(0, total, BATCH_SIZE):
            stop = min(total, start + BATCH_SIZE)
            lines = []
            for i in range(start, stop):
                band_json = "{" + ",".join(f'"{k}":"{band_lists[k][i]}"' for k in band_keys) + "}"
                lines.append(
                    f"{participant_ids[i]}{fixed_head}{dates[i].isoformat()}\t{ages[i]}\t"
                    f"{answer_json[i]}\t{score_json[i]}\t{band_json}{fixed_tail}"
                )
            with cursor.copy(f"COPY outcomes_measurement ({columns}) FROM STDIN") as copy:  # noqa: S608
                copy.write("".join(lines))
            progress(stop, total)
    return total


# --- retention -------------------------------------------------------------------------------------------


def default_retention_days() -> int:
    """The retention period of an intervention without its own (settings.DEFAULT_RETENTION_DAYS)."""
    return int(getattr(settings, "DEFAULT_RETENTION_DAYS", 5 * 365))


@transaction.atomic
def set_retention(*, actor: Any, intervention: Any, retention_days: int) -> RetentionPolicy:
    """Set how many days an intervention's outcome data is kept; `purge_expired_outcomes` deletes older."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    if not MIN_RETENTION_DAYS <= retention_days <= MAX_RETENTION_DAYS:
        raise ValidationError(
            {
                "retention_days": _("Opbevaringstiden skal være mellem %(low)s og %(high)s dage.")
                % {"low": MIN_RETENTION_DAYS, "high": MAX_RETENTION_DAYS}
            }
        )
    policy = RetentionPolicy.objects.select_for_update().filter(intervention=intervention).first()
    if policy is None:
        policy = RetentionPolicy.objects.create(intervention=intervention, retention_days=retention_days)
        record_create(actor=actor, instance=policy)
    else:
        before = snapshot(policy)
        policy.retention_days = retention_days
        policy.save(update_fields=["retention_days"])
        record_update(actor=actor, instance=policy, before=before)
    return policy


# --- evaluators ------------------------------------------------------------------------------------------


@transaction.atomic
def assign_evaluator(*, actor: Any, intervention: Any, evaluator: Organisation) -> EvaluatorAssignment:
    """Assign an evaluator organisation to an intervention: its people may then read and export the
    intervention's pseudonymised outcome data and run its studies."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    if evaluator.kind != OrganisationKind.EVALUATOR:
        raise ValidationError(
            {"evaluator": _("Kun organisationer af typen evaluator kan tilknyttes som evaluator.")}
        )
    if not evaluator.is_active:
        raise ValidationError({"evaluator": _("%(name)s er ikke aktiv.") % {"name": evaluator.name}})
    if EvaluatorAssignment.objects.filter(evaluator=evaluator, intervention=intervention).exists():
        raise ValidationError(
            {"evaluator": _("%(name)s er allerede tilknyttet indsatsen.") % {"name": evaluator.name}}
        )
    assignment = EvaluatorAssignment.objects.create(evaluator=evaluator, intervention=intervention)
    record_create(actor=actor, instance=assignment)
    return assignment


@transaction.atomic
def remove_evaluator(*, actor: Any, assignment: EvaluatorAssignment) -> None:
    """End an evaluator organisation's assignment: its people no longer see the intervention's data."""
    require_permission(actor, MANAGE_INTERVENTIONS)
    record_delete(actor=actor, instance=assignment)
    assignment.delete()


@transaction.atomic
def purge_expired_outcomes(*, today: datetime.date | None = None) -> dict[str, int]:
    """Delete measurements older than their intervention's retention period (the default from settings),
    then participants left without measurements. Run by `indsats purge-expired-outcomes`; audited as the
    system."""
    today = today or timezone.localdate()
    default_days = default_retention_days()
    policies = dict(RetentionPolicy.objects.values_list("intervention_id", "retention_days"))
    deleted_measurements = 0
    for intervention_id in MeasurementRound.objects.values_list("intervention_id", flat=True).distinct():
        days = policies.get(intervention_id, default_days)
        cutoff = today - datetime.timedelta(days=days)
        expired = Measurement.objects.filter(round__intervention_id=intervention_id, measured_on__lt=cutoff)
        count = expired.count()
        if count:
            first = expired.select_related("round").first()
            if first is not None:
                record(
                    actor=None,
                    action=AuditAction.DELETE,
                    instance=first.round,
                    message=f"Opbevaringstiden ({days} dage) er udløbet: {count} målinger fra før "
                    f"{cutoff} slettet.",
                )
            expired._raw_delete(expired.db)  # no signals or cascades hang on measurements
            deleted_measurements += count
    orphans = Participant.objects.filter(
        measurements__isnull=True, created_at__date__lt=today - datetime.timedelta(days=default_days)
    )
    orphan_count = orphans.count()
    for participant in orphans[:1]:
        record(
            actor=None,
            action=AuditAction.DELETE,
            instance=participant,
            message=f"{orphan_count} deltagere uden målinger efter opbevaringstiden slettet.",
        )
    orphans.delete()
    return {"measurements": deleted_measurements, "participants": orphan_count}
