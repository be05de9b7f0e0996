"""The end of a grant's life: the agency approves or returns reports; the grantee reports the project
finished; when every report is approved the final report is approved; the agency settles the final
accounts against what was paid (unspent money becomes a repayment claim, money still owed a last
instalment) and closes the grant once every instalment and repayment is settled. A grant that is not
carried out can be withdrawn.

`settle_accounts` is a money action: the re-authentication of the hardening issue applies to its view
(`grant_settle`), as to the payments in `payments`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.audit.services import record_create, record_delete, record_update, snapshot
from indsats.grants import access
from indsats.grants.errors import GrantsError, NotSettled, WrongState
from indsats.grants.models import (
    ZERO,
    Grant,
    Initiative,
    Instalment,
    Pool,
    RepaymentClaim,
    RepaymentStatus,
    ReportedSpending,
    ReportingDuty,
    ReportKind,
)
from indsats.grants.services.grant_management import release_unpaid
from indsats.grants.workflow import GRANTS, DutyAction, GrantAction
from indsats.ui import formatting


def _locked_grant(grant: Grant) -> Grant:
    return Grant.objects.select_for_update().select_related("application").get(pk=grant.pk)


def final_spent(grant: Grant) -> Decimal:
    """The final accounts: the spending the accounts report gives on every budget line."""
    total = ReportedSpending.objects.filter(duty__grant=grant, duty__kind=ReportKind.ACCOUNTS).aggregate(
        total=Sum("amount")
    )["total"]
    return total if total is not None else ZERO


@transaction.atomic
def approve_report(
    *, actor: User, duty: ReportingDuty, now: datetime.datetime | None = None
) -> ReportingDuty:
    """The agency approves a report. When the project is finished and every report is approved, the
    final report is approved and the accounts' spending is taken as the grant's final figure."""
    duty = ReportingDuty.objects.select_for_update().select_related("grant__application").get(pk=duty.pk)
    access.require_action(actor, duty, DutyAction.APPROVE)
    before = snapshot(duty)
    duty.approved_at, duty.approved_by = now or timezone.now(), actor
    duty.save(update_fields=["approved_at", "approved_by"])
    record_update(actor=actor, instance=duty, before=before, message="godkendt")
    grant = _locked_grant(duty.grant)
    everything_approved = not grant.reporting_duties.filter(approved_at__isnull=True).exists()
    if everything_approved and GRANTS.allows(grant.status, GrantAction.APPROVE_FINAL):
        row = GRANTS.find(grant.status, GrantAction.APPROVE_FINAL)
        grant_before = snapshot(grant)
        grant.status, grant.final_spent = row.to_state, final_spent(grant)
        grant.save(update_fields=["status", "final_spent"])
        record_update(actor=actor, instance=grant, before=grant_before, message="slutrapport godkendt")
    return duty


@transaction.atomic
def return_report(
    *, actor: User, duty: ReportingDuty, reason: str, now: datetime.datetime | None = None
) -> ReportingDuty:
    """The agency sends a report back with a reason; the duty is open again for the grantee."""
    duty = ReportingDuty.objects.select_for_update().select_related("grant__application").get(pk=duty.pk)
    access.require_action(actor, duty, DutyAction.RETURN)
    if not reason.strip():
        raise GrantsError(_("Skriv, hvorfor rapporten sendes retur, og hvad der mangler."), field="reason")
    before = snapshot(duty)
    duty.submitted_at, duty.submitted_by = None, None
    duty.returned_at, duty.return_reason = now or timezone.now(), reason
    duty.save(update_fields=["submitted_at", "submitted_by", "returned_at", "return_reason"])
    record_update(actor=actor, instance=duty, before=before, message="sendt retur")
    return duty


@transaction.atomic
def finish_grant(*, actor: User, grant: Grant, finished_on: datetime.date | None = None) -> Grant:
    """The grantee reports the project carried out: the final reports are now due, and status reports
    that would fall after the finish are no longer asked for."""
    grant = _locked_grant(grant)
    row = access.require_action(actor, grant, GrantAction.FINISH)
    finished_on = finished_on or timezone.localdate()
    if grant.started_on and finished_on < grant.started_on:
        raise GrantsError(
            _("Projektet kan ikke være gennemført før det startede (%(date)s).")
            % {"date": formatting.date(grant.started_on)},
            field="finished_on",
        )
    for duty in grant.reporting_duties.filter(
        kind=ReportKind.STATUS_REPORT, submitted_at__isnull=True, due_on__gt=finished_on
    ):
        record_delete(actor=actor, instance=duty, message="projektet gennemført før fristen")
        duty.delete()
    before = snapshot(grant)
    grant.status, grant.finished_on = row.to_state, finished_on
    grant.save(update_fields=["status", "finished_on"])
    record_update(actor=actor, instance=grant, before=before, message="projekt gennemført")
    return grant


@transaction.atomic
def withdraw_grant(*, actor: User, grant: Grant, reason: str) -> Grant:
    """The agency withdraws a grant that is not carried out; the unpaid part returns to the budgets."""
    grant = _locked_grant(grant)
    row = access.require_action(actor, grant, GrantAction.WITHDRAW)
    if not reason.strip():
        raise GrantsError(_("Skriv begrundelsen; den sendes til tilskudsmodtageren."), field="reason")
    before = snapshot(grant)
    release_unpaid(grant)
    grant.status, grant.withdrawal_reason = row.to_state, reason
    grant.save(update_fields=["status", "withdrawal_reason"])
    record_update(actor=actor, instance=grant, before=before, message="trukket tilbage")
    return grant


@transaction.atomic
def settle_accounts(*, actor: User, grant: Grant, now: datetime.datetime | None = None) -> Grant:
    """Compare the final accounts with what was paid. Unpaid instalments are cancelled; of the spending
    (at most the grant) what is not paid yet becomes a last instalment, and what was paid but not spent
    becomes a repayment claim, prepared by the actor for another person to approve."""
    grant = _locked_grant(grant)
    access.require_action(actor, grant, GrantAction.SETTLE)
    if grant.settled_at is not None:
        raise WrongState(_("Regnskabet er allerede opgjort."))
    now = now or timezone.now()
    spent = grant.final_spent if grant.final_spent is not None else final_spent(grant)
    paid = grant.instalments.filter(paid_on__isnull=False).aggregate(total=Sum("amount"))["total"] or ZERO
    unpaid = grant.amount - paid
    owed = min(spent, grant.amount) - paid
    for instalment in grant.instalments.filter(paid_on__isnull=True):
        record_delete(actor=actor, instance=instalment, message="annulleret ved regnskabsopgørelsen")
        instalment.delete()
    still_committed = max(owed, ZERO)
    pool = Pool.objects.select_for_update().get(pk=grant.application.pool_id)
    Initiative.objects.select_for_update().get(pk=pool.initiative_id)
    Pool.objects.filter(pk=pool.pk).update(committed_amount=F("committed_amount") - unpaid + still_committed)
    Initiative.objects.filter(pk=pool.initiative_id).update(
        committed_amount=F("committed_amount") - unpaid + still_committed
    )
    if owed > 0:
        last = Instalment.objects.create(grant=grant, due_on=timezone.localdate(now), amount=owed)
        record_create(actor=actor, instance=last, message="sidste rate efter regnskabet")
    elif owed < 0:
        claim = RepaymentClaim.objects.create(grant=grant, amount=-owed, prepared_by=actor, prepared_at=now)
        record_create(actor=actor, instance=claim, message="ubrugte midler")
    before = snapshot(grant)
    grant.final_spent, grant.settled_at = spent, now
    grant.save(update_fields=["final_spent", "settled_at"])
    record_update(actor=actor, instance=grant, before=before, message="regnskab opgjort")
    return grant


@transaction.atomic
def close_grant(*, actor: User, grant: Grant) -> Grant:
    """Close the grant ("Afsluttet") once the accounts are settled and every instalment and repayment is."""
    grant = _locked_grant(grant)
    row = access.require_action(actor, grant, GrantAction.CLOSE)
    if grant.settled_at is None:
        raise NotSettled(_("Opgør regnskabet, før tilskuddet afsluttes."))
    if grant.instalments.filter(paid_on__isnull=True).exists():
        raise NotSettled(_("Der er rater, som ikke er udbetalt endnu."))
    if grant.repayment_claims.exclude(status=RepaymentStatus.PAID).exists():
        raise NotSettled(_("Tilbagebetalingen er ikke registreret endnu."))
    before = snapshot(grant)
    grant.status = row.to_state
    grant.save(update_fields=["status"])
    record_update(actor=actor, instance=grant, before=before, message="afsluttet")
    return grant
