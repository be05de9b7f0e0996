"""Running a grant: the grantee reports the start (or the grant lapses after 6 months), submits reports
(with spending per budget line) and asks for changes; the agency decides them, and an approved extension
moves every open reporting duty and unpaid instalment (`selectors.extension_plan` shows the plan
before it is approved). Payments are in `payments`, reviewing reports and close-out in `close_out`."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.audit.services import record_create, record_delete, record_update, snapshot
from indsats.grants import access
from indsats.grants.attachments import check_attachment, stored_name
from indsats.grants.errors import DeadlinePassed, GrantLapsed, GrantsError
from indsats.grants.models import (
    ZERO,
    BudgetCategory,
    ChangeKind,
    ChangeRequest,
    Grant,
    Initiative,
    Instalment,
    Pool,
    ReportedSpending,
    ReportingDuty,
    ReportKind,
)
from indsats.grants.schedules import Replan
from indsats.grants.selectors import extension_plan
from indsats.grants.workflow import (
    GRANTS,
    ChangeAction,
    DutyAction,
    GrantAction,
    states_allowing,
)
from indsats.ui import formatting


def release_unpaid(grant: Grant) -> None:
    """Give the unpaid part of a grant back to its pool and initiative."""
    paid = grant.instalments.filter(paid_on__isnull=False).aggregate(total=Sum("amount"))["total"] or ZERO
    unpaid = grant.amount - paid
    pool = Pool.objects.select_for_update().get(pk=grant.application.pool_id)
    Initiative.objects.select_for_update().get(pk=pool.initiative_id)
    Pool.objects.filter(pk=pool.pk).update(committed_amount=F("committed_amount") - unpaid)
    Initiative.objects.filter(pk=pool.initiative_id).update(committed_amount=F("committed_amount") - unpaid)
    grant.instalments.filter(paid_on__isnull=True).delete()


@transaction.atomic
def start_grant(*, actor: User, grant: Grant, started_on: datetime.date) -> Grant:
    """The grantee reports that the project has started; after the 6-month limit the grant has lapsed."""
    grant = Grant.objects.select_for_update().select_related("application").get(pk=grant.pk)
    row = access.require_action(actor, grant, GrantAction.START)
    if started_on > timezone.localdate():
        raise GrantsError(
            _("Startdatoen ligger i fremtiden. Meld projektet startet, når det er gået i gang."),
            field="started_on",
        )
    if started_on > grant.start_deadline:
        # Not "has lapsed": that happens only when the nightly job lapses the grant (its status says so).
        raise GrantLapsed(
            _(
                "Projektet skulle være startet senest %(date)s. En senere start giver bortfald af "
                "tilskuddet; kontakt styrelsen, hvis fristen skal forlænges."
            )
            % {"date": formatting.date(grant.start_deadline)},
            field="started_on",
        )
    before = snapshot(grant)
    grant.started_on, grant.status = started_on, row.to_state
    grant.save(update_fields=["started_on", "status"])
    record_update(actor=actor, instance=grant, before=before, message="projekt startet")
    return grant


@transaction.atomic
def lapse_unstarted_grants(*, today: datetime.date | None = None) -> list[Grant]:
    """System action (no person): grants whose project has not started within 6 months lapse, and their
    money goes back to the pool and the initiative."""
    today = today or timezone.localdate()
    lapsed = []
    for grant in (
        Grant.objects.select_for_update()
        .select_related("application")
        .filter(status__in=states_allowing(GRANTS, GrantAction.LAPSE), start_deadline__lt=today)
    ):
        row = GRANTS.find(grant.status, GrantAction.LAPSE)
        before = snapshot(grant)
        release_unpaid(grant)
        grant.status = row.to_state
        grant.save(update_fields=["status"])
        record_update(
            actor=None, instance=grant, before=before, message="bortfaldet: ikke startet inden 6 måneder"
        )
        lapsed.append(grant)
    return lapsed


@transaction.atomic
def submit_report(
    *,
    actor: User,
    duty: ReportingDuty,
    upload: UploadedFile | None = None,
    note: str = "",
    spending: Mapping[str, Decimal] | None = None,
    now: datetime.datetime | None = None,
) -> ReportingDuty:
    """The grantee submits a report. Spending per budget line (so far) may come with any report; the
    accounts are the final figures, so they must have them, and the file (the audited accounts)."""
    duty = ReportingDuty.objects.select_for_update().select_related("grant__application").get(pk=duty.pk)
    access.require_action(actor, duty, DutyAction.SUBMIT)
    spending = {category: amount for category, amount in (spending or {}).items() if amount is not None}
    if duty.kind == ReportKind.ACCOUNTS:
        if upload is None and not duty.file:
            raise GrantsError(_("Regnskabet skal vedlægges som fil."), field="file")
        if not spending:
            raise GrantsError(_("Angiv forbruget på hver budgetpost i regnskabet."), field="spending")
    elif upload is None and not note.strip():
        raise GrantsError(_("Upload rapporten eller skriv den i bemærkningsfeltet."), field="file")
    if set(spending) - set(BudgetCategory.values):
        raise GrantsError(_("En budgetpost findes ikke."), field="spending")
    if any(amount < 0 for amount in spending.values()):
        raise GrantsError(_("Forbruget kan ikke være negativt."), field="spending")
    before = snapshot(duty)
    if upload is not None:
        check_attachment(upload)
        duty.file.save(stored_name(upload, "rapport"), upload, save=False)
    duty.note, duty.submitted_at, duty.submitted_by = note, now or timezone.now(), actor
    duty.save()
    duty.spending.all().delete()
    ReportedSpending.objects.bulk_create(
        [
            ReportedSpending(duty=duty, category=category, amount=amount)
            for category, amount in spending.items()
        ]
    )
    record_update(actor=actor, instance=duty, before=before, message="indsendt")
    return duty


@transaction.atomic
def request_change(
    *,
    actor: User,
    grant: Grant,
    kind: str,
    description: str,
    new_end: datetime.date | None = None,
    today: datetime.date | None = None,
) -> ChangeRequest:
    """Ask the agency for a change to project or budget, or an extension (before the project ends)."""
    grant = Grant.objects.select_related("application").get(pk=grant.pk)
    access.require_action(actor, grant, GrantAction.REQUEST_CHANGE)
    today = today or timezone.localdate()
    if kind not in ChangeKind.values:
        raise GrantsError(_("Vælg en type ændring."), field="kind")
    if not description.strip():
        raise GrantsError(_("Beskriv ændringen og begrundelsen."), field="description")
    if kind == ChangeKind.EXTENSION:
        if new_end is None or new_end <= grant.project_end:
            raise GrantsError(
                _("Angiv en ny projektslut efter den nuværende (%(end)s).")
                % {"end": formatting.date(grant.project_end)},
                field="new_end",
            )
        if today > grant.project_end:
            raise DeadlinePassed(
                _("Forlængelse skal søges, før projektet slutter (%(end)s).")
                % {"end": formatting.date(grant.project_end)},
                field="new_end",
            )
    change = ChangeRequest.objects.create(
        grant=grant,
        kind=kind,
        description=description,
        new_end=new_end if kind == ChangeKind.EXTENSION else None,
        requested_by=actor,
    )
    record_create(actor=actor, instance=change)
    return change


@transaction.atomic
def decide_change(*, actor: User, change: ChangeRequest, approve: bool, note: str) -> ChangeRequest:
    """The agency's written answer. Only an approved change takes effect (an extension moves the end)."""
    change = ChangeRequest.objects.select_for_update().select_related("grant__application").get(pk=change.pk)
    row = access.require_action(actor, change, ChangeAction.APPROVE if approve else ChangeAction.REJECT)
    if not note.strip():
        raise GrantsError(
            _("Skriv styrelsens svar; det er den skriftlige godkendelse eller afvisning."), field="note"
        )
    before = snapshot(change)
    change.status = row.to_state
    change.decided_by, change.decided_at, change.decision_note = actor, timezone.now(), note
    change.save()
    record_update(actor=actor, instance=change, before=before)
    if approve and change.kind == ChangeKind.EXTENSION and change.new_end:
        grant = Grant.objects.select_for_update().get(pk=change.grant_id)
        _apply_plan(actor=actor, grant=grant, plan=extension_plan(grant=grant, new_end=change.new_end))
        grant_before = snapshot(grant)
        grant.project_end = change.new_end
        grant.save(update_fields=["project_end"])
        record_update(actor=actor, instance=grant, before=grant_before, message="forlænget")
    return change


def _apply_plan(*, actor: User, grant: Grant, plan: Replan) -> None:
    """Write the new plan: move duties and instalments, add the new ones, remove the surplus; audited."""
    duties = {duty.pk: duty for duty in ReportingDuty.objects.select_for_update().filter(grant=grant)}
    for planned in plan.new_duties:
        if planned.pk is None:
            duty = ReportingDuty.objects.create(grant=grant, kind=planned.kind, due_on=planned.due_on)
            record_create(actor=actor, instance=duty, message="forlængelse")
        elif duties[planned.pk].due_on != planned.due_on:
            duty = duties[planned.pk]
            before = snapshot(duty)
            duty.due_on = planned.due_on
            duty.save(update_fields=["due_on"])
            record_update(actor=actor, instance=duty, before=before, message="flyttet ved forlængelse")
    instalments = {item.pk: item for item in Instalment.objects.select_for_update().filter(grant=grant)}
    for pk in plan.removed_instalment_pks:
        record_delete(actor=actor, instance=instalments[pk], message="samlet ved forlængelse")
        instalments[pk].delete()
    for item in plan.new_instalments:
        if item.pk is None:
            instalment = Instalment.objects.create(grant=grant, due_on=item.due_on, amount=item.amount)
            record_create(actor=actor, instance=instalment, message="forlængelse")
            continue
        instalment = instalments[item.pk]
        if (instalment.due_on, instalment.amount) != (item.due_on, item.amount):
            before = snapshot(instalment)
            instalment.due_on, instalment.amount = item.due_on, item.amount
            instalment.save(update_fields=["due_on", "amount"])
            record_update(actor=actor, instance=instalment, before=before, message="flyttet ved forlængelse")
