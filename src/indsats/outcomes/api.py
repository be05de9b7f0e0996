"""The outcomes API (django-ninja): instruments, a municipality's participants and measurements, import
progress and completeness counts. The same selectors and services as the pages, so the same scoping applies:
a municipality sees its own children, the agency aggregates only, and no CPR number is ever returned."""

from __future__ import annotations

import datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from indsats.interventions.models import Intervention
from indsats.outcomes import access, selectors
from indsats.ui.api_schemas import FORBIDDEN, FORBIDDEN_OR_NOT_FOUND
from indsats.ui.converters import DatabaseId

router = Router(tags=["outcomes"])


class InstrumentOut(Schema):
    id: int
    key: str
    version: int
    name: str
    list_status: str
    is_active: bool


class ParticipantOut(Schema):
    id: int
    pseudonym: str
    municipality_code: str
    birth_year: int
    sex: str
    measurement_count: int


class MeasurementOut(Schema):
    id: int
    round: str
    instrument: str
    instrument_version: int
    measured_on: datetime.date
    age: int | None
    answers: list[float | None]
    scores: dict[str, float | None]
    bands: dict[str, str]


class ImportJobOut(Schema):
    id: int
    status: str
    total_rows: int
    done_rows: int
    percent: int
    error_count: int
    message: str


class CompletenessOut(Schema):
    municipality: str
    round: str
    enrolled: int
    measured: int


def _require_recorder(request: HttpRequest) -> None:
    if not access.can_record_outcomes(request.user):
        raise HttpError(403, "Du har ikke adgang til børnenes data.")


@router.get("/instruments", response={200: list[InstrumentOut], **FORBIDDEN})
def instruments(request: HttpRequest) -> list[InstrumentOut]:
    return [
        InstrumentOut(
            id=i.pk,
            key=i.key,
            version=i.version,
            name=i.name,
            list_status=i.list_status,
            is_active=i.is_active,
        )
        for i in selectors.instruments()
    ]


@router.get("/participants", response={200: list[ParticipantOut], **FORBIDDEN})
def participants(request: HttpRequest) -> list[ParticipantOut]:
    _require_recorder(request)
    return [
        ParticipantOut(
            id=p.pk,
            pseudonym=p.pseudonym,
            municipality_code=p.municipality.municipality_code,
            birth_year=p.birth_year,
            sex=p.sex,
            measurement_count=p.measurement_count,  # type: ignore[attr-defined]
        )
        for p in selectors.participants(user=request.user)[:1000]
    ]


@router.get("/participants/{pk}/measurements", response={200: list[MeasurementOut], **FORBIDDEN_OR_NOT_FOUND})
def participant_measurements(request: HttpRequest, pk: DatabaseId) -> list[MeasurementOut]:
    _require_recorder(request)
    try:
        participant = selectors.participant_detail(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise HttpError(404, "Ikke fundet.") from None
    return [
        MeasurementOut(
            id=m.pk,
            round=m.round.kind,
            instrument=m.instrument.key,
            instrument_version=m.instrument.version,
            measured_on=m.measured_on,
            age=m.age,
            answers=m.answers,
            scores=m.scores,
            bands=m.bands,
        )
        for m in selectors.participant_measurements(participant=participant)
    ]


@router.get("/imports/{pk}", response={200: ImportJobOut, **FORBIDDEN_OR_NOT_FOUND})
def import_job(request: HttpRequest, pk: DatabaseId) -> ImportJobOut:
    _require_recorder(request)
    try:
        job = selectors.import_job(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise HttpError(404, "Ikke fundet.") from None
    return ImportJobOut(
        id=job.pk,
        status=job.status,
        total_rows=job.total_rows,
        done_rows=job.done_rows,
        percent=job.percent,
        error_count=job.error_count,
        message=job.message,
    )


@router.get("/completeness", response={200: list[CompletenessOut], **FORBIDDEN_OR_NOT_FOUND})
def completeness(
    request: HttpRequest, intervention: DatabaseId, instrument: DatabaseId
) -> list[CompletenessOut]:
    found_intervention = Intervention.objects.filter(pk=intervention).first()
    found_instrument = selectors.instrument(pk=instrument)
    if found_intervention is None or found_instrument is None:
        raise HttpError(404, "Ikke fundet.")
    try:
        rounds, rows = selectors.completeness(
            user=request.user, intervention=found_intervention, instrument=found_instrument
        )
    except PermissionDenied:
        raise HttpError(403, "Ingen adgang.") from None
    return [
        CompletenessOut(
            municipality=row.municipality.name, round=r.kind, enrolled=cell.enrolled, measured=cell.measured
        )
        for row in rows
        for r, cell in zip(rounds, row.cells, strict=True)
    ]
