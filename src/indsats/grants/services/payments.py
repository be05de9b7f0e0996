"""Money under four eyes: an instalment is prepared by one of the agency's people and approved by an
administrator who did not prepare it; above `settings.GRANTS_SECOND_APPROVAL_ABOVE` a second
administrator approves too, and only then is it paid. A repayment claim goes the same way (prepared when
the accounts are settled, approved, then registered paid). Every step is audited.

These are the money actions the re-authentication of the hardening issue applies to (their views:
`instalment_prepare`, `instalment_approve`, `repayment_approve`, `repayment_register_paid`).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from indsats.accounts.models import User
from indsats.audit.services import record_update, snapshot
from indsats.grants import access
from indsats.grants.models import Initiative, Instalment, Pool, RepaymentClaim
from indsats.grants.workflow import InstalmentAction, InstalmentState, RepaymentAction


@transaction.atomic
def prepare_instalment(
    *, actor: User, instalment: Instalment, now: datetime.datetime | None = None
) -> Instalment:
    """The first pair of eyes: the instalment is ready to be paid."""
    instalment = (
        Instalment.objects.select_for_update().select_related("grant__application").get(pk=instalment.pk)
    )
    access.require_action(actor, instalment, InstalmentAction.PREPARE)
    before = snapshot(instalment)
    instalment.prepared_by, instalment.prepared_at = actor, now or timezone.now()
    instalment.save(update_fields=["prepared_by", "prepared_at"])
    record_update(actor=actor, instance=instalment, before=before, message="udbetaling forberedt")
    return instalment


@transaction.atomic
def approve_instalment(
    *, actor: User, instalment: Instalment, now: datetime.datetime | None = None
) -> Instalment:
    """Another person approves; the instalment is paid, or above the limit waits for a second approver."""
    instalment = (
        Instalment.objects.select_for_update().select_related("grant__application").get(pk=instalment.pk)
    )
    row = access.require_action(actor, instalment, InstalmentAction.APPROVE)
    now = now or timezone.now()
    before = snapshot(instalment)
    if instalment.approved_by_id is None:
        instalment.approved_by, instalment.approved_at = actor, now
    else:
        instalment.second_approved_by, instalment.second_approved_at = actor, now
    if row.to_state == InstalmentState.PAID:
        instalment.paid_on = timezone.localdate(now)
    instalment.save()
    message = "udbetalt" if row.to_state == InstalmentState.PAID else "godkendt, afventer anden godkender"
    record_update(actor=actor, instance=instalment, before=before, message=message)
    return instalment


@transaction.atomic
def approve_repayment(
    *, actor: User, claim: RepaymentClaim, now: datetime.datetime | None = None
) -> RepaymentClaim:
    """Another person approves the claim; above the limit a second approver too. Then it is claimed."""
    claim = RepaymentClaim.objects.select_for_update().select_related("grant__application").get(pk=claim.pk)
    row = access.require_action(actor, claim, RepaymentAction.APPROVE)
    now = now or timezone.now()
    before = snapshot(claim)
    if claim.approved_by_id is None:
        claim.approved_by, claim.approved_at = actor, now
    else:
        claim.second_approved_by, claim.second_approved_at = actor, now
    claim.status = row.to_state
    claim.save()
    record_update(actor=actor, instance=claim, before=before, message=str(row.to_state))
    return claim


@transaction.atomic
def register_repayment(
    *, actor: User, claim: RepaymentClaim, paid_on: datetime.date | None = None
) -> RepaymentClaim:
    """The grantee has paid the claim back: the money returns to the pool and the initiative."""
    claim = RepaymentClaim.objects.select_for_update().select_related("grant__application").get(pk=claim.pk)
    row = access.require_action(actor, claim, RepaymentAction.REGISTER_PAID)
    pool = Pool.objects.select_for_update().get(pk=claim.grant.application.pool_id)
    Initiative.objects.select_for_update().get(pk=pool.initiative_id)
    Pool.objects.filter(pk=pool.pk).update(committed_amount=F("committed_amount") - claim.amount)
    Initiative.objects.filter(pk=pool.initiative_id).update(
        committed_amount=F("committed_amount") - claim.amount
    )
    before = snapshot(claim)
    claim.status, claim.paid_on = row.to_state, paid_on or timezone.localdate()
    claim.save(update_fields=["status", "paid_on"])
    record_update(actor=actor, instance=claim, before=before, message="tilbagebetalt")
    return claim
