"""The instruments: the agency's short and long lists, new instruments (or versions) from their JSON
definition, and a municipality's reason for documenting with an instrument outside the short list."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation, User
from indsats.audit.services import record_create, record_update, snapshot
from indsats.engine.instruments import InstrumentDefinitionError, parse_instrument
from indsats.errors import DomainError
from indsats.interventions.models import Intervention
from indsats.outcomes import access
from indsats.outcomes.models import Instrument, InstrumentExplanation, InstrumentList
from indsats.ui.engine_messages import engine_message


@transaction.atomic
def set_instrument_list(
    *, actor: User, instrument: Instrument, list_status: str, is_active: bool = True
) -> Instrument:
    """Put an instrument on the agency's short list, the longer list or neither."""
    access.require_instrument_manager(actor)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    before = snapshot(instrument)
    if list_status not in InstrumentList.values:
        raise DomainError(_("Vælg kortlisten, den lange liste eller ingen liste."), field="list_status")
    instrument.list_status = list_status
    instrument.is_active = is_active
    instrument.save(update_fields=["list_status", "is_active", "updated_at"])
    record_update(actor=actor, instance=instrument, before=before)
    return instrument


@transaction.atomic
def add_instrument(
    *, actor: User, definition: dict[str, Any], list_status: str = InstrumentList.LONG
) -> Instrument:
    """Add an instrument (or a new version of one) from its JSON definition: no new code needed."""
    access.require_instrument_manager(actor)
    try:
        parsed = parse_instrument(definition)
    except InstrumentDefinitionError as error:
        raise DomainError(
            _("Definitionen er ikke gyldig: %(field)s: %(message)s")
            % {"field": error.field, "message": engine_message(error)},
            field="definition",
        ) from None
    if Instrument.objects.filter(key=parsed.key, version=parsed.version).exists():
        raise DomainError(
            _("%(key)s version %(version)s findes allerede. Giv den nye definition et højere versionsnummer.")
            % {"key": parsed.key, "version": parsed.version},
            field="definition",
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
    *,
    actor: User,
    municipality: Organisation,
    intervention: Intervention,
    instrument: Instrument,
    reason: str,
) -> InstrumentExplanation:
    """A municipality says why it documents an intervention without a short-list instrument."""
    access.require_recorder_for(actor, municipality.pk)
    if not reason.strip():
        raise DomainError(_("Skriv hvorfor I ikke bruger et redskab fra kortlisten."), field="reason")
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
