"""What a person may do with result documentation now: the outcomes app's one home of can_*/require_*.

Views and services ask here, never restate a rule; selectors use it to scope what they read. Who may what:

* municipality staff who record outcomes (RECORD_OUTCOMES) act for their own municipalities only: they
  register children, enter questionnaires, import files and see their own children, never another
  municipality's;
* the agency reads aggregates (VIEW_OUTCOME_AGGREGATES), never a single child, keeps the instrument lists
  (MANAGE_INSTRUMENTS) and sets up the interventions' rounds, retention and evaluators
  (MANAGE_INTERVENTIONS);
* the people of an evaluator organisation assigned to an intervention export its pseudonymised rows
  (EXPORT_OUTCOMES); a municipal manager with that permission exports their own municipality's rows.

A record of a child (participant, measurement, import, column mapping, reason for an instrument) is
visible to its own municipality only; the agency sees every record's audit history through
VIEW_ALL_AUDIT (accounts.permissions.can_view_object).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from indsats.accounts.models import Organisation, User
from indsats.accounts.permissions import (
    EXPORT_OUTCOMES,
    MANAGE_INSTRUMENTS,
    MANAGE_INTERVENTIONS,
    RECORD_OUTCOMES,
    VIEW_OUTCOME_AGGREGATES,
    can_act_for_municipality,
    has_permission,
    is_agency,
    municipality_ids_of,
    organisation_ids_of,
    permissions_of,
    require_permission,
)
from indsats.audit.models import AuditEntry
from indsats.errors import DomainError
from indsats.interventions.models import Intervention
from indsats.outcomes.models import EvaluatorAssignment, ImportJob, ImportStatus

OUTCOME_PERMISSIONS = frozenset(
    {RECORD_OUTCOMES, VIEW_OUTCOME_AGGREGATES, EXPORT_OUTCOMES, MANAGE_INSTRUMENTS}
)


class ImportNotReady(DomainError):
    """The import is not a validated file waiting to be saved (it is invalid, already saved or saving)."""

    def __init__(self) -> None:
        super().__init__(_("Importen er ikke klar til at blive gemt."), code="import_not_ready")


# --- the pages of result documentation ---------------------------------------------------------------


def has_outcome_access(user: User | AnonymousUser) -> bool:
    """Holds any permission of result documentation (the pages beyond the introduction)."""
    return bool(permissions_of(user) & OUTCOME_PERMISSIONS)


def require_outcome_access(user: User | AnonymousUser) -> None:
    if not has_outcome_access(user):
        raise PermissionDenied("outcomes")


def can_see_aggregates(user: User | AnonymousUser) -> bool:
    """Every municipality's counts and means (the agency): never a single child."""
    return has_permission(user, VIEW_OUTCOME_AGGREGATES)


def can_export(user: User | AnonymousUser) -> bool:
    return has_permission(user, EXPORT_OUTCOMES)


def require_exporter(user: User | AnonymousUser) -> None:
    """Exports rows (which rows is `require_export_scope`)."""
    require_permission(user, EXPORT_OUTCOMES)


# --- a municipality's children -------------------------------------------------------------------------


def can_record_outcomes(user: User | AnonymousUser) -> bool:
    return has_permission(user, RECORD_OUTCOMES)


def require_recorder(user: User | AnonymousUser) -> None:
    """Records outcomes (for which municipality is asked with `require_recorder_for`)."""
    require_permission(user, RECORD_OUTCOMES)


def is_municipal_recorder(user: User | AnonymousUser) -> bool:
    """Records outcomes for at least one municipality: registers children, fills in and imports."""
    return bool(municipality_ids_of(user)) and can_record_outcomes(user)


def require_recorder_for(user: User | AnonymousUser, municipality_id: int | None) -> None:
    """Records outcomes, and for this municipality."""
    require_permission(user, RECORD_OUTCOMES)
    if not can_act_for_municipality(user, municipality_id):
        raise PermissionDenied("municipality")


def is_own_municipality_record(user: User | AnonymousUser, record: Any) -> bool:
    """The visibility rule of a child's records (registered for the audit history in apps.py)."""
    return bool(record.municipality_id in municipality_ids_of(user))


def may_read_personal_values(user: User | AnonymousUser, entry: AuditEntry) -> bool:
    """Whether the person reads a child's personal values in an audit entry of a measurement or a
    participant (registered for the history pages in apps.py): the child's own municipality only. The
    municipality is the one the entry recorded, else the record's own (entries of updates name only what
    changed)."""
    own = municipality_ids_of(user)
    if not own:
        return False
    municipality_id = entry.changes.get("municipality") if isinstance(entry.changes, dict) else None
    if not isinstance(municipality_id, int):
        model = entry.content_type.model_class()
        municipality_id = (
            model._default_manager.filter(pk=entry.object_id)
            .values_list("municipality_id", flat=True)
            .first()
            if model is not None
            else None
        )
    return municipality_id in own


# --- imports -------------------------------------------------------------------------------------------


def is_ready_to_queue(job: ImportJob) -> bool:
    """A validated file waiting for the person to save it."""
    return job.status == ImportStatus.VALIDATED


def is_ready_to_commit(job: ImportJob) -> bool:
    """Validated, or queued for the background worker."""
    return job.status in {ImportStatus.VALIDATED, ImportStatus.QUEUED}


def is_retryable(job: ImportJob) -> bool:
    """Interrupted (its worker died) with its validated rows still stored."""
    return job.status == ImportStatus.ABORTED


def can_retry_import(user: User | AnonymousUser, job: ImportJob) -> bool:
    return (
        can_record_outcomes(user)
        and can_act_for_municipality(user, job.municipality_id)
        and is_retryable(job)
    )


def can_queue_import(user: User | AnonymousUser, job: ImportJob) -> bool:
    return (
        can_record_outcomes(user)
        and can_act_for_municipality(user, job.municipality_id)
        and is_ready_to_queue(job)
    )


# --- aggregates: completeness and insight ---------------------------------------------------------------


def require_completeness_reader(user: User | AnonymousUser) -> None:
    """The agency (every municipality) or municipality staff (their own)."""
    if not (can_see_aggregates(user) or can_record_outcomes(user)):
        raise PermissionDenied("completeness")


def require_insight_reader(user: User | AnonymousUser, municipality: Organisation | None) -> None:
    """A municipality's means over the rounds: the agency for any, municipality staff for their own."""
    if can_see_aggregates(user):
        return
    own = municipality_ids_of(user)
    if (municipality is None and not own) or (municipality is not None and municipality.pk not in own):
        raise PermissionDenied("insight")


# --- instruments ---------------------------------------------------------------------------------------


def can_manage_instruments(user: User | AnonymousUser) -> bool:
    return has_permission(user, MANAGE_INSTRUMENTS)


def require_instrument_manager(user: User | AnonymousUser) -> None:
    require_permission(user, MANAGE_INSTRUMENTS)


# --- the set-up of an intervention: rounds, retention, evaluators ---------------------------------------
#
# Who reads an intervention's set-up: the agency, the staff of its partner municipalities and the people
# of its assigned evaluator organisations. It is not public: the evaluators and the number of measurements
# per round are internal, so anyone else gets a 404, not a hint (selectors.setup_interventions).


def can_change_setup(user: User | AnonymousUser) -> bool:
    return has_permission(user, MANAGE_INTERVENTIONS)


def require_setup_manager(user: User | AnonymousUser) -> None:
    require_permission(user, MANAGE_INTERVENTIONS)


def can_read_every_setup(user: User | AnonymousUser) -> bool:
    """The agency reads every intervention's set-up; others those they take part in."""
    return can_change_setup(user) or is_agency(user)


# --- exports -------------------------------------------------------------------------------------------


def require_export_scope(user: User | AnonymousUser, intervention: Intervention) -> frozenset[int] | None:
    """The municipalities whose rows the person may export from the intervention: None for all of them (an
    evaluator organisation assigned to it), else the person's own; PermissionDenied for anyone else (the
    agency reads aggregates only)."""
    require_permission(user, EXPORT_OUTCOMES)
    if EvaluatorAssignment.objects.filter(
        intervention=intervention, evaluator_id__in=organisation_ids_of(user)
    ).exists():
        return None
    own = municipality_ids_of(user)
    if not own:
        raise PermissionDenied("export scope")
    return own
