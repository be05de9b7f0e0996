"""The state machines of the grants app as data: for pools, applications, grants, instalments,
reporting duties, repayment claims and change requests, which named action moves a record from which
state to which, and the permission the person needs.

A service finds its row (`APPLICATIONS.find(application.status, ApplicationAction.SUBMIT)`) and sets
the row's `to_state`; with no row the table raises `WrongState` (or, for applying to a pool that is not
open, `PoolNotOpen`) with the Danish sentence of REFUSALS, so adding a rule means adding a row, not an
`if`. Who may act on a particular record (the application's editors, the grantee's organisation) is
decided in `grants/access.py`, which asks these tables.

Instalments and reporting duties have no status column: their state follows from who prepared and
approved them and the dates they were paid, submitted or approved (`instalment_state`, `duty_state`).

Money moves under four eyes (instalments and repayment claims): MANAGE_POOLS prepares, APPROVE_PAYMENTS
approves; an amount above `settings.GRANTS_SECOND_APPROVAL_ABOVE` takes a second approval, so APPROVE has
two rows from "prepared" and the service names the target. That the approver is never the preparer is
a rule about people, so it lives in `grants/access.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indsats.accounts.permissions import (
    APPLY_FOR_GRANTS,
    APPROVE_PAYMENTS,
    ASSESS_APPLICATIONS,
    MANAGE_POOLS,
)
from indsats.grants.errors import PoolNotOpen, WrongState
from indsats.grants.models import (
    CHANGEABLE_GRANT_STATUSES,
    ApplicationStatus,
    ChangeStatus,
    GrantStatus,
    Instalment,
    PoolStatus,
    RepaymentStatus,
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
    ASSIGN_ASSESSOR = "assign_assessor", _("Tildel en bedømmer")
    AWARD = "award", _("Bevilg tilskud")
    REJECT = "reject", _("Giv afslag")


class GrantAction(models.TextChoices):
    START = "start", _("Meld projektet startet")
    LAPSE = "lapse", _("Lad tilskuddet bortfalde")
    WITHDRAW = "withdraw", _("Træk tilskuddet tilbage")
    FINISH = "finish", _("Meld projektet gennemført")
    PAY_INSTALMENT = "pay_instalment", _("Udbetal en rate")
    REQUEST_CHANGE = "request_change", _("Anmod om ændring")
    APPROVE_FINAL = "approve_final", _("Godkend slutrapporten")
    SETTLE = "settle", _("Opgør regnskabet")
    CLOSE = "close", _("Afslut tilskuddet")


class InstalmentState(models.TextChoices):
    DUE = "due", _("Ikke udbetalt")
    PREPARED = "prepared", _("Forberedt, afventer godkendelse")
    APPROVED_ONCE = "approved_once", _("Afventer anden godkender")
    PAID = "paid", _("Udbetalt")


class InstalmentAction(models.TextChoices):
    PREPARE = "prepare", _("Forbered udbetaling")
    APPROVE = "approve", _("Godkend udbetaling")


class RepaymentAction(models.TextChoices):
    APPROVE = "approve", _("Godkend kravet")
    REGISTER_PAID = "register_paid", _("Registrér tilbagebetaling")


class DutyState(models.TextChoices):
    OPEN = "open", _("Afventer")
    SUBMITTED = "submitted", _("Indsendt")
    APPROVED = "approved", _("Godkendt")


class DutyAction(models.TextChoices):
    SUBMIT = "submit", _("Indsend rapporten")
    APPROVE = "approve", _("Godkend rapporten")
    RETURN = "return", _("Send rapporten retur")


class ChangeAction(models.TextChoices):
    APPROVE = "approve", _("Godkend ændringen")
    REJECT = "reject", _("Afvis ændringen")


def instalment_state(instalment: Instalment) -> str:
    if instalment.paid_on is not None:
        return InstalmentState.PAID
    if instalment.approved_by_id is not None:
        return InstalmentState.APPROVED_ONCE
    if instalment.prepared_by_id is not None:
        return InstalmentState.PREPARED
    return InstalmentState.DUE


def duty_state(duty: ReportingDuty) -> str:
    if duty.approved_at is not None:
        return DutyState.APPROVED
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
    ApplicationAction.ASSIGN_ASSESSOR: Refusal(_("Bedømmere tildeles kun indsendte, uafgjorte ansøgninger.")),
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
            ApplicationStatus.SUBMITTED,
            ApplicationAction.ASSIGN_ASSESSOR,
            ApplicationStatus.SUBMITTED,
            MANAGE_POOLS,
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
    GrantAction.WITHDRAW: Refusal(_("Kun et tilskud, hvis projekt ikke er gennemført, kan trækkes tilbage.")),
    GrantAction.FINISH: Refusal(_("Kun et projekt, der er i gang, kan meldes gennemført.")),
    GrantAction.PAY_INSTALMENT: Refusal(
        _("Der udbetales kun, når projektet er meldt startet, og før regnskabet er opgjort.")
    ),
    GrantAction.REQUEST_CHANGE: Refusal(_("Tilskuddet er ikke længere aktivt.")),
    GrantAction.APPROVE_FINAL: Refusal(_("Slutrapporten godkendes, når projektet er meldt gennemført.")),
    GrantAction.SETTLE: Refusal(_("Regnskabet opgøres, når slutrapporten er godkendt.")),
    GrantAction.CLOSE: Refusal(
        _("Tilskuddet afsluttes, når slutrapporten er godkendt og regnskabet opgjort.")
    ),
}
GRANTS = TransitionTable(
    [
        Transition(GrantStatus.AWARDED, GrantAction.START, GrantStatus.ACTIVE, APPLY_FOR_GRANTS),
        Transition(GrantStatus.AWARDED, GrantAction.LAPSE, GrantStatus.LAPSED, SYSTEM),
        *(
            Transition(state, GrantAction.WITHDRAW, GrantStatus.WITHDRAWN, MANAGE_POOLS)
            for state in (GrantStatus.AWARDED, GrantStatus.ACTIVE, GrantStatus.REPORTING)
        ),
        Transition(GrantStatus.ACTIVE, GrantAction.FINISH, GrantStatus.REPORTING, APPLY_FOR_GRANTS),
        *(
            Transition(state, GrantAction.PAY_INSTALMENT, state, APPROVE_PAYMENTS)
            for state in (GrantStatus.ACTIVE, GrantStatus.REPORTING, GrantStatus.FINAL_APPROVED)
        ),
        *(
            Transition(state, GrantAction.REQUEST_CHANGE, state, APPLY_FOR_GRANTS)
            for state in CHANGEABLE_GRANT_STATUSES
        ),
        Transition(
            GrantStatus.REPORTING, GrantAction.APPROVE_FINAL, GrantStatus.FINAL_APPROVED, MANAGE_POOLS
        ),
        Transition(GrantStatus.FINAL_APPROVED, GrantAction.SETTLE, GrantStatus.FINAL_APPROVED, MANAGE_POOLS),
        Transition(GrantStatus.FINAL_APPROVED, GrantAction.CLOSE, GrantStatus.COMPLETED, MANAGE_POOLS),
    ],
    not_allowed=_refuse(GRANT_REFUSALS, states=GrantStatus, actions=GrantAction),
)

_ALREADY_PAID = _("Raten er allerede udbetalt.")
INSTALMENTS = TransitionTable(
    [
        Transition(InstalmentState.DUE, InstalmentAction.PREPARE, InstalmentState.PREPARED, MANAGE_POOLS),
        Transition(
            InstalmentState.PREPARED, InstalmentAction.APPROVE, InstalmentState.PAID, APPROVE_PAYMENTS
        ),
        Transition(
            InstalmentState.PREPARED,
            InstalmentAction.APPROVE,
            InstalmentState.APPROVED_ONCE,
            APPROVE_PAYMENTS,
        ),
        Transition(
            InstalmentState.APPROVED_ONCE, InstalmentAction.APPROVE, InstalmentState.PAID, APPROVE_PAYMENTS
        ),
    ],
    not_allowed=_refuse(
        {
            InstalmentAction.PREPARE: Refusal(_("Raten er allerede forberedt eller udbetalt.")),
            InstalmentAction.APPROVE: Refusal(_("Raten er ikke forberedt, eller den er allerede udbetalt.")),
        },
        states=InstalmentState,
        actions=InstalmentAction,
    ),
)

REPAYMENTS = TransitionTable(
    [
        Transition(
            RepaymentStatus.PREPARED, RepaymentAction.APPROVE, RepaymentStatus.CLAIMED, APPROVE_PAYMENTS
        ),
        Transition(
            RepaymentStatus.PREPARED, RepaymentAction.APPROVE, RepaymentStatus.APPROVED_ONCE, APPROVE_PAYMENTS
        ),
        Transition(
            RepaymentStatus.APPROVED_ONCE, RepaymentAction.APPROVE, RepaymentStatus.CLAIMED, APPROVE_PAYMENTS
        ),
        Transition(
            RepaymentStatus.CLAIMED, RepaymentAction.REGISTER_PAID, RepaymentStatus.PAID, MANAGE_POOLS
        ),
    ],
    not_allowed=_refuse(
        {
            RepaymentAction.APPROVE: Refusal(_("Kravet er allerede godkendt.")),
            RepaymentAction.REGISTER_PAID: Refusal(_("Kravet skal være godkendt og ikke allerede betalt.")),
        },
        states=RepaymentStatus,
        actions=RepaymentAction,
    ),
)

DUTIES = TransitionTable(
    [
        Transition(DutyState.OPEN, DutyAction.SUBMIT, DutyState.SUBMITTED, APPLY_FOR_GRANTS),
        Transition(DutyState.SUBMITTED, DutyAction.APPROVE, DutyState.APPROVED, MANAGE_POOLS),
        Transition(DutyState.SUBMITTED, DutyAction.RETURN, DutyState.OPEN, MANAGE_POOLS),
    ],
    not_allowed=_refuse(
        {
            DutyAction.SUBMIT: Refusal(_("Rapporten er allerede indsendt.")),
            DutyAction.APPROVE: Refusal(_("Kun en indsendt rapport kan godkendes.")),
            DutyAction.RETURN: Refusal(_("Kun en indsendt, ikke godkendt rapport kan sendes retur.")),
        },
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
    "repayment": REPAYMENTS,
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
