"""The state machines of the grants app as data: for pools, applications, grants, instalments, reporting
duties and change requests, which named action moves a record from which state to which, and the
permission the person needs.

A service finds its row (`APPLICATIONS.find(application.status, ApplicationAction.SUBMIT)`) and sets
the row's `to_state`; with no row the table raises `WrongState` (or, for applying to a pool that is not
open, `PoolNotOpen`) with the Danish sentence of REFUSALS, so adding a rule means adding a row, not an
`if`. Who may act on a particular record (the application's editors, the grantee's organisation) is
decided in `grants/access.py`, which asks these tables.

Instalments and reporting duties have no status column: their state follows from the date they were
paid or submitted (`instalment_state`, `duty_state`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indsats.accounts.permissions import APPLY_FOR_GRANTS, ASSESS_APPLICATIONS, MANAGE_POOLS
from indsats.grants.errors import PoolNotOpen, WrongState
from indsats.grants.models import (
    LIVE_GRANT_STATUSES,
    ApplicationStatus,
    ChangeStatus,
    GrantStatus,
    Instalment,
    PoolStatus,
    ReportingDuty,
)
from indsats.state_machine import Transition, TransitionTable

# The permission of an action no person takes: the daily run lapses grants. No role holds it.
SYSTEM = "grants.system"


class PoolAction(models.TextChoices):
    EDIT = "edit", _("Redigér puljen")
    PUBLISH = "publish", _("Offentliggør puljen")
    APPLY = "apply", _("Søg puljen")
    ASSESS = "assess", _("Vurdér og rangér ansøgningerne")


class ApplicationAction(models.TextChoices):
    EDIT = "edit", _("Redigér kladden")
    SUBMIT = "submit", _("Indsend ansøgningen")
    ASSESS = "assess", _("Vurdér ansøgningen")
    AWARD = "award", _("Bevilg tilskud")
    REJECT = "reject", _("Giv afslag")


class GrantAction(models.TextChoices):
    START = "start", _("Meld projektet startet")
    LAPSE = "lapse", _("Lad tilskuddet bortfalde")
    PAY_INSTALMENT = "pay_instalment", _("Registrér udbetaling")
    REQUEST_CHANGE = "request_change", _("Anmod om ændring")


class InstalmentState(models.TextChoices):
    DUE = "due", _("Ikke udbetalt")
    PAID = "paid", _("Udbetalt")


class InstalmentAction(models.TextChoices):
    PAY = "pay", _("Registrér udbetaling")


class DutyState(models.TextChoices):
    OPEN = "open", _("Afventer")
    SUBMITTED = "submitted", _("Indsendt")


class DutyAction(models.TextChoices):
    SUBMIT = "submit", _("Indsend rapporten")


class ChangeAction(models.TextChoices):
    APPROVE = "approve", _("Godkend ændringen")
    REJECT = "reject", _("Afvis ændringen")


def instalment_state(instalment: Instalment) -> str:
    return InstalmentState.PAID if instalment.paid_on is not None else InstalmentState.DUE


def duty_state(duty: ReportingDuty) -> str:
    return DutyState.SUBMITTED if duty.submitted_at is not None else DutyState.OPEN


@dataclass(frozen=True)
class Refusal:
    """What a person is told when the record's state does not allow the action."""

    message: Promise
    error: type[WrongState] = WrongState


def _label(choices: type[models.TextChoices], value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def _refuse(
    refusals: Mapping[str, Refusal],
    *,
    states: type[models.TextChoices],
    actions: type[models.TextChoices],
) -> Callable[..., WrongState]:
    """The table's not-allowed error: the action's own sentence, or a general one naming both."""

    def not_allowed(*, state: str, action: str, to_state: str | None = None) -> WrongState:
        refusal = refusals.get(action)
        if refusal is None:
            return WrongState(
                gettext("Handlingen “%(action)s” er ikke mulig, når status er “%(state)s”.")
                % {"action": _label(actions, action), "state": _label(states, state)}
            )
        return refusal.error(str(refusal.message))

    return not_allowed


POOL_REFUSALS: dict[str, Refusal] = {
    PoolAction.EDIT: Refusal(_("Puljen er offentliggjort; dens vilkår kan ikke længere ændres.")),
    PoolAction.PUBLISH: Refusal(_("Puljen er allerede offentliggjort.")),
    PoolAction.APPLY: Refusal(_("Puljen er ikke åben for ansøgninger."), PoolNotOpen),
    PoolAction.ASSESS: Refusal(_("Puljen er ikke offentliggjort endnu.")),
}
POOLS = TransitionTable(
    [
        Transition(PoolStatus.DRAFT, PoolAction.EDIT, PoolStatus.DRAFT, MANAGE_POOLS),
        Transition(PoolStatus.DRAFT, PoolAction.PUBLISH, PoolStatus.PUBLISHED, MANAGE_POOLS),
        Transition(PoolStatus.PUBLISHED, PoolAction.APPLY, PoolStatus.PUBLISHED, APPLY_FOR_GRANTS),
        Transition(PoolStatus.PUBLISHED, PoolAction.ASSESS, PoolStatus.PUBLISHED, ASSESS_APPLICATIONS),
        Transition(PoolStatus.CLOSED, PoolAction.ASSESS, PoolStatus.CLOSED, ASSESS_APPLICATIONS),
    ],
    not_allowed=_refuse(POOL_REFUSALS, states=PoolStatus, actions=PoolAction),
)

_DECIDED = _("Ansøgningen er allerede afgjort eller ikke indsendt.")
_NOT_A_DRAFT = _("Ansøgningen er indsendt og kan ikke længere ændres.")
APPLICATION_REFUSALS: dict[str, Refusal] = {
    ApplicationAction.EDIT: Refusal(_NOT_A_DRAFT),
    ApplicationAction.SUBMIT: Refusal(_NOT_A_DRAFT),
    ApplicationAction.ASSESS: Refusal(_("Kun indsendte, uafgjorte ansøgninger kan vurderes.")),
    ApplicationAction.AWARD: Refusal(_DECIDED),
    ApplicationAction.REJECT: Refusal(_DECIDED),
}
APPLICATIONS = TransitionTable(
    [
        Transition(
            ApplicationStatus.DRAFT, ApplicationAction.EDIT, ApplicationStatus.DRAFT, APPLY_FOR_GRANTS
        ),
        Transition(
            ApplicationStatus.DRAFT, ApplicationAction.SUBMIT, ApplicationStatus.SUBMITTED, APPLY_FOR_GRANTS
        ),
        Transition(
            ApplicationStatus.SUBMITTED,
            ApplicationAction.ASSESS,
            ApplicationStatus.SUBMITTED,
            ASSESS_APPLICATIONS,
        ),
        Transition(
            ApplicationStatus.SUBMITTED, ApplicationAction.AWARD, ApplicationStatus.AWARDED, MANAGE_POOLS
        ),
        Transition(
            ApplicationStatus.SUBMITTED, ApplicationAction.REJECT, ApplicationStatus.REJECTED, MANAGE_POOLS
        ),
    ],
    not_allowed=_refuse(APPLICATION_REFUSALS, states=ApplicationStatus, actions=ApplicationAction),
)

GRANT_REFUSALS: dict[str, Refusal] = {
    GrantAction.START: Refusal(_("Projektet er allerede meldt startet, eller tilskuddet er bortfaldet.")),
    GrantAction.LAPSE: Refusal(_("Kun et tilskud, hvis projekt ikke er startet, kan bortfalde.")),
    GrantAction.PAY_INSTALMENT: Refusal(_("Der udbetales først, når projektet er meldt startet.")),
    GrantAction.REQUEST_CHANGE: Refusal(_("Tilskuddet er ikke længere aktivt.")),
}
GRANTS = TransitionTable(
    [
        Transition(GrantStatus.AWARDED, GrantAction.START, GrantStatus.ACTIVE, APPLY_FOR_GRANTS),
        Transition(GrantStatus.AWARDED, GrantAction.LAPSE, GrantStatus.LAPSED, SYSTEM),
        Transition(GrantStatus.ACTIVE, GrantAction.PAY_INSTALMENT, GrantStatus.ACTIVE, MANAGE_POOLS),
        *(
            Transition(live, GrantAction.REQUEST_CHANGE, live, APPLY_FOR_GRANTS)
            for live in LIVE_GRANT_STATUSES
        ),
    ],
    not_allowed=_refuse(GRANT_REFUSALS, states=GrantStatus, actions=GrantAction),
)

INSTALMENTS = TransitionTable(
    [Transition(InstalmentState.DUE, InstalmentAction.PAY, InstalmentState.PAID, MANAGE_POOLS)],
    not_allowed=_refuse(
        {InstalmentAction.PAY: Refusal(_("Raten er allerede udbetalt."))},
        states=InstalmentState,
        actions=InstalmentAction,
    ),
)

DUTIES = TransitionTable(
    [Transition(DutyState.OPEN, DutyAction.SUBMIT, DutyState.SUBMITTED, APPLY_FOR_GRANTS)],
    not_allowed=_refuse(
        {DutyAction.SUBMIT: Refusal(_("Rapporten er allerede indsendt."))},
        states=DutyState,
        actions=DutyAction,
    ),
)

_ALREADY_DECIDED = _("Anmodningen er allerede afgjort.")
CHANGES = TransitionTable(
    [
        Transition(ChangeStatus.PENDING, ChangeAction.APPROVE, ChangeStatus.APPROVED, MANAGE_POOLS),
        Transition(ChangeStatus.PENDING, ChangeAction.REJECT, ChangeStatus.REJECTED, MANAGE_POOLS),
    ],
    not_allowed=_refuse(
        {ChangeAction.APPROVE: Refusal(_ALREADY_DECIDED), ChangeAction.REJECT: Refusal(_ALREADY_DECIDED)},
        states=ChangeStatus,
        actions=ChangeAction,
    ),
)

TABLES: dict[str, TransitionTable] = {
    "pool": POOLS,
    "application": APPLICATIONS,
    "grant": GRANTS,
    "instalment": INSTALMENTS,
    "duty": DUTIES,
    "change": CHANGES,
}


def states_allowing(table: TransitionTable, action: str) -> list[str]:
    """The states in which `action` is possible (to find the records a system action applies to)."""
    return [row.from_state for row in table if row.action == action]


def permission_for(table: TransitionTable, action: str) -> str:
    """The permission `action` needs, whatever the state (one action, one permission, in every table)."""
    permissions = {row.permission for row in table if row.action == action}
    if len(permissions) != 1:
        raise KeyError(f"{action} needs {len(permissions)} permissions in its table; it must need one")
    return permissions.pop()
