"""Children in an intervention and their questionnaires, one at a time (files go through ``imports``)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation, User
from indsats.audit.services import record_create, record_update, snapshot
from indsats.engine.cpr import CprError, age_on, mask_cpr, pseudonym, validate_cpr
from indsats.engine.scoring import AnswerError, score
from indsats.errors import DomainError
from indsats.interventions.models import Intervention
from indsats.outcomes import access
from indsats.outcomes.models import Enrolment, Instrument, Measurement, MeasurementRound, Participant
from indsats.outcomes.pseudonyms import pseudonym_key
from indsats.outcomes.registry import engine_instrument
from indsats.outcomes.services.insight_summary import enrolments_changed, measurements_changed
from indsats.outcomes.totals import recount
from indsats.ui.engine_messages import engine_message

LOCAL_REFERENCE_MAX_LENGTH = 40


def clean_local_reference(value: str) -> str:
    """The municipality's own case or journal reference, trimmed; refused when it looks like a CPR
    number (the message never repeats the value)."""
    value = " ".join(value.split())
    if mask_cpr(value) != value:
        raise DomainError(
            _(
                "Lokal reference må ikke være eller indeholde et CPR-nummer. "
                "Brug kommunens sags- eller journalnummer."
            ),
            field="local_reference",
        )
    if len(value) > LOCAL_REFERENCE_MAX_LENGTH:
        raise DomainError(
            _("Lokal reference må højst være %(max)d tegn.") % {"max": LOCAL_REFERENCE_MAX_LENGTH},
            field="local_reference",
        )
    return value


@transaction.atomic
def register_participant(
    *,
    actor: User,
    municipality: Organisation,
    intervention: Intervention,
    cpr: str,
    enrolled_on: datetime.date | None = None,
    local_reference: str = "",
) -> Participant:
    """Enrol a child in an intervention. The CPR number is checked and replaced by its pseudonym.

    ``local_reference`` (optional) is the municipality's own case reference; a child registered again
    with a new reference gets it, one registered again without keeps the one it has."""
    access.require_recorder_for(actor, municipality.pk)
    reference = clean_local_reference(local_reference)
    try:
        info = validate_cpr(cpr)
        code = pseudonym(cpr, key=pseudonym_key(), municipality_code=municipality.municipality_code)
    except CprError as error:
        raise DomainError(engine_message(error), field="cpr") from None
    participant, created = Participant.objects.get_or_create(
        municipality=municipality,
        pseudonym=code,
        defaults={"birth_year": info.birth_date.year, "sex": info.sex, "local_reference": reference},
    )
    if created:
        record_create(actor=actor, instance=participant)
    elif reference and reference != participant.local_reference:
        before = snapshot(participant)
        participant.local_reference = reference
        participant.save(update_fields=["local_reference"])
        record_update(actor=actor, instance=participant, before=before)
    enrolment, enrolled = Enrolment.objects.get_or_create(
        participant=participant, intervention=intervention, defaults={"enrolled_on": enrolled_on}
    )
    if enrolled:
        record_create(actor=actor, instance=enrolment)
        enrolments_changed([intervention.pk])
    if created:
        recount([municipality.pk])
    return participant


@transaction.atomic
def set_local_reference(*, actor: User, participant: Participant, local_reference: str) -> Participant:
    """Change (or clear, with an empty text) a child's local reference."""
    access.require_recorder_for(actor, participant.municipality_id)
    reference = clean_local_reference(local_reference)
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if reference != participant.local_reference:
        before = snapshot(participant)
        participant.local_reference = reference
        participant.save(update_fields=["local_reference"])
        record_update(actor=actor, instance=participant, before=before)
    return participant


@transaction.atomic
def record_measurement(
    *,
    actor: User,
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
    access.require_recorder_for(actor, participant.municipality_id)
    if not Enrolment.objects.filter(
        participant=participant, intervention_id=measurement_round.intervention_id
    ).exists():
        raise DomainError(_("Barnet deltager ikke i den indsats, runden hører til."), field="round")
    if not measurement_round.opens_on <= measured_on <= measurement_round.closes_on:
        raise DomainError(
            _("Datoen skal ligge i målerunden (%(start)s til %(end)s).")
            % {
                "start": measurement_round.opens_on.isoformat(),
                "end": measurement_round.closes_on.isoformat(),
            },
            field="measured_on",
        )
    if Measurement.objects.filter(
        participant=participant, round=measurement_round, instrument=instrument
    ).exists():
        raise DomainError(_("Barnet er allerede målt med dette redskab i denne runde."), field="round")
    engine = engine_instrument(instrument)
    matrix = np.array([[np.nan if a is None else float(a) for a in answers]], dtype=np.float64)
    try:
        result = score(engine, matrix)
    except AnswerError as error:
        raise DomainError(
            _("Svaret ligger uden for skalaen."),
            field=error.problems[0].item if error.problems else "answers",
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
    measurements_changed([(measurement_round.intervention_id, instrument.pk)])
    recount([measurement.municipality_id])
    return measurement


def _json_float(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
