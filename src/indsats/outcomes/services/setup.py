"""The set-up of an intervention's result documentation (the agency): its measurement rounds, how long its
data is kept and which evaluator organisations may read it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indsats.accounts.models import Organisation, OrganisationKind, User
from indsats.audit.services import record_create, record_delete, record_update, snapshot
from indsats.errors import DomainError
from indsats.interventions.models import Intervention
from indsats.outcomes import access
from indsats.outcomes.models import (
    EvaluatorAssignment,
    Measurement,
    MeasurementRound,
    RetentionPolicy,
    RoundKind,
)
from indsats.ui import formatting

ROUND_KIND_RANK = {kind: rank for rank, kind in enumerate(RoundKind.values)}
MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 50 * 366


# --- measurement rounds --------------------------------------------------------------------------------


def _check_round(
    *,
    intervention: Intervention,
    kind: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    order: int,
    exclude_pk: int | None = None,
) -> None:
    """A round fits the intervention's other rounds: its own kind and number, dates that overlap no other
    round (an answer belongs to exactly one round), and the same order by number, by date and by kind
    (baseline first, follow-up last). Raises a DomainError naming the field."""
    if kind not in RoundKind.values:
        raise DomainError(_("Vælg et målepunkt."), field="kind")
    if order < 0:
        raise DomainError(_("Rækkefølgen skal være 0 eller et positivt tal."), field="order")
    if closes_on < opens_on:
        raise DomainError(_("Runden skal lukke samme dag som eller efter den åbner."), field="closes_on")
    others = MeasurementRound.objects.filter(intervention=intervention)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other in others.order_by("order", "opens_on"):
        label = other.get_kind_display()
        if other.kind == kind:
            raise DomainError(
                _("Indsatsen har allerede en runde med målepunktet %(kind)s.") % {"kind": label}, field="kind"
            )
        if other.order == order:
            raise DomainError(
                _("Rækkefølgen %(order)s bruges allerede af runden %(kind)s.")
                % {"order": order, "kind": label},
                field="order",
            )
        if other.opens_on <= closes_on and opens_on <= other.closes_on:
            raise DomainError(
                _(
                    "Datoerne overlapper runden %(kind)s (%(start)s til %(end)s). En besvarelse skal "
                    "kun kunne høre til én runde."
                )
                % {
                    "kind": label,
                    "start": formatting.date(other.opens_on),
                    "end": formatting.date(other.closes_on),
                },
                field="opens_on",
            )
        if (other.order < order) != (other.opens_on < opens_on):
            raise DomainError(
                _(
                    "Rækkefølgen passer ikke med datoerne: runden %(kind)s (%(start)s til %(end)s) har "
                    "nummer %(order)s."
                )
                % {
                    "kind": label,
                    "start": formatting.date(other.opens_on),
                    "end": formatting.date(other.closes_on),
                    "order": other.order,
                },
                field="order",
            )
        if (other.order < order) != (ROUND_KIND_RANK[other.kind] < ROUND_KIND_RANK[kind]):
            raise DomainError(
                _(
                    "Målepunktet passer ikke med rækkefølgen: runden %(kind)s har nummer %(order)s. "
                    "Før (baseline) kommer først, så 3, 6 og 12 måneder og til sidst opfølgning."
                )
                % {"kind": label, "order": other.order},
                field="kind",
            )


@transaction.atomic
def create_round(
    *,
    actor: User,
    intervention: Intervention,
    kind: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    order: int = 0,
) -> MeasurementRound:
    """Add a measurement round to an intervention (the agency), checked against its other rounds."""
    access.require_setup_manager(actor)
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
    actor: User,
    measurement_round: MeasurementRound,
    kind: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    order: int,
) -> MeasurementRound:
    """Change a round's kind, dates or number. A round with measurements keeps its kind, and its dates
    must still hold every measurement already made in it."""
    access.require_setup_manager(actor)
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
        raise DomainError(_("Runden har målinger, så dens målepunkt kan ikke ændres."), field="kind")
    outside = measurements.exclude(measured_on__gte=opens_on, measured_on__lte=closes_on).count()
    if outside:
        raise DomainError(
            ngettext(
                "%(n)s måling i runden ligger uden for de nye datoer. Vælg datoer, der rummer den.",
                "%(n)s målinger i runden ligger uden for de nye datoer. Vælg datoer, der rummer dem.",
                outside,
            )
            % {"n": outside},
            field="opens_on",
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
def delete_round(*, actor: User, measurement_round: MeasurementRound) -> None:
    """Delete a round that nothing uses yet. A round with measurements (or imports, or a study) stays."""
    access.require_setup_manager(actor)
    # locked: an import into this round holds it FOR KEY SHARE until it commits, so its measurements are
    # counted below (measurements have no database foreign key; docs/ARCHITECTURE.md)
    measurement_round = MeasurementRound.objects.select_for_update().get(pk=measurement_round.pk)
    count = Measurement.objects.filter(round=measurement_round).count()
    if count:
        raise DomainError(
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
        raise DomainError(
            _("Runden %(kind)s kan ikke slettes, fordi den bruges af: %(users)s.")
            % {"kind": measurement_round.get_kind_display(), "users": ", ".join(names)},
            code="protected",
        ) from None


# --- retention -----------------------------------------------------------------------------------------


@transaction.atomic
def set_retention(*, actor: User, intervention: Intervention, retention_days: int) -> RetentionPolicy:
    """Set how many days an intervention's outcome data is kept; `purge_expired_outcomes` deletes older."""
    access.require_setup_manager(actor)
    if not MIN_RETENTION_DAYS <= retention_days <= MAX_RETENTION_DAYS:
        raise DomainError(
            _("Opbevaringstiden skal være mellem %(low)s og %(high)s dage.")
            % {"low": MIN_RETENTION_DAYS, "high": MAX_RETENTION_DAYS},
            field="retention_days",
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


# --- evaluators ----------------------------------------------------------------------------------------


@transaction.atomic
def assign_evaluator(
    *, actor: User, intervention: Intervention, evaluator: Organisation
) -> EvaluatorAssignment:
    """Assign an evaluator organisation to an intervention: its people may then read and export the
    intervention's pseudonymised outcome data and run its studies."""
    access.require_setup_manager(actor)
    if evaluator.kind != OrganisationKind.EVALUATOR:
        raise DomainError(
            _("Kun organisationer af typen evaluator kan tilknyttes som evaluator."), field="evaluator"
        )
    if not evaluator.is_active:
        raise DomainError(_("%(name)s er ikke aktiv.") % {"name": evaluator.name}, field="evaluator")
    if EvaluatorAssignment.objects.filter(evaluator=evaluator, intervention=intervention).exists():
        raise DomainError(
            _("%(name)s er allerede tilknyttet indsatsen.") % {"name": evaluator.name}, field="evaluator"
        )
    assignment = EvaluatorAssignment.objects.create(evaluator=evaluator, intervention=intervention)
    record_create(actor=actor, instance=assignment)
    return assignment


@transaction.atomic
def remove_evaluator(*, actor: User, assignment: EvaluatorAssignment) -> None:
    """End an evaluator organisation's assignment: its people no longer see the intervention's data."""
    access.require_setup_manager(actor)
    record_delete(actor=actor, instance=assignment)
    assignment.delete()
