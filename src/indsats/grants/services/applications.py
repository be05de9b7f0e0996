"""Applications: a draft for the person's own organisation while the pool is open, edited by its
editors, with attachments, submitted before the deadline."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import Membership, Organisation, User
from indsats.accounts.permissions import organisation_ids_of
from indsats.audit.services import record_create, record_delete, record_update, snapshot
from indsats.grants import access
from indsats.grants.attachments import check_attachment, stored_name
from indsats.grants.errors import DeadlinePassed, GrantsError, NotEligible, PoolNotOpen
from indsats.grants.models import Application, ApplicationAttachment, BudgetCategory, BudgetLine, Pool
from indsats.grants.notifications import send_after_commit
from indsats.grants.selectors import editors_of
from indsats.grants.workflow import POOLS, ApplicationAction, PoolAction
from indsats.ui import formatting
from indsats.ui.formatting import kroner

# What an applicant writes; `update_application` may change these and nothing else.
APPLICATION_FIELDS = (
    "title",
    "purpose",
    "target_group",
    "activities",
    "timeline",
    "organisation_text",
    "amount_requested",
    "answers",
)
# What must be filled in before the application can be submitted (title, purpose and amount always are).
REQUIRED_FOR_SUBMISSION = ("target_group", "activities", "timeline", "organisation_text")


def _check_amount(pool: Pool, amount: Decimal) -> None:
    if amount <= 0:
        raise GrantsError(_("Det ansøgte beløb skal være større end 0 kr."), field="amount_requested")
    if amount > pool.max_per_grant:
        raise GrantsError(
            _("Du kan højst søge %(max)s fra denne pulje.") % {"max": kroner(pool.max_per_grant)},
            field="amount_requested",
        )


def _check_answers(pool: Pool, answers: Any) -> dict[str, str]:
    """Answers to the pool's own questions, keyed by the question's text."""
    if not isinstance(answers, dict) or set(answers) - set(pool.question_list):
        raise GrantsError(_("Et svar hører ikke til et af puljens spørgsmål."))
    return {question: str(text) for question, text in answers.items()}


def _not_open() -> PoolNotOpen:
    return PoolNotOpen(_("Puljen er ikke åben for ansøgninger."))


@transaction.atomic
def create_application(
    *,
    actor: User,
    pool: Pool,
    applicant: Organisation,
    title: str,
    purpose: str,
    amount_requested: Decimal,
    now: datetime.datetime | None = None,
    **fields: Any,
) -> Application:
    """A draft application on behalf of the actor's own organisation, while the pool is open."""
    if applicant.pk not in organisation_ids_of(actor):
        raise PermissionDenied("applicant")
    pool = Pool.objects.get(pk=pool.pk)  # the current status, not the caller's copy
    access.require_action(actor, pool, PoolAction.APPLY)
    now = now or timezone.now()
    if now < pool.opens_at:
        raise _not_open()
    if now > pool.deadline:
        raise DeadlinePassed(_("Ansøgningsfristen er overskredet."))
    if applicant.kind not in pool.eligible_applicants:
        raise NotEligible(
            _("%(applicant)s kan ikke søge denne pulje. Puljen kan søges af: %(kinds)s.")
            % {"applicant": applicant, "kinds": ", ".join(pool.eligible_labels())}
        )
    _check_amount(pool, amount_requested)
    if "answers" in fields:
        fields["answers"] = _check_answers(pool, fields["answers"])
    application = Application.objects.create(
        pool=pool,
        applicant=applicant,
        title=title,
        purpose=purpose,
        amount_requested=amount_requested,
        created_by=actor,
        **{k: v for k, v in fields.items() if k in APPLICATION_FIELDS},
    )
    record_create(actor=actor, instance=application)
    return application


def _locked_draft(actor: User, application: Application) -> Application:
    """The application, locked, once the actor may edit it now (one of its editors, while a draft)."""
    locked = Application.objects.select_for_update().select_related("pool").get(pk=application.pk)
    access.require_action(actor, locked, ApplicationAction.EDIT)
    return locked


@transaction.atomic
def update_application(*, actor: User, application: Application, **fields: Any) -> Application:
    application = _locked_draft(actor, application)
    if "amount_requested" in fields:
        _check_amount(application.pool, fields["amount_requested"])
    if "answers" in fields:
        fields["answers"] = _check_answers(application.pool, fields["answers"])
    before = snapshot(application)
    for name, value in fields.items():
        if name not in APPLICATION_FIELDS:
            raise TypeError(name)
        setattr(application, name, value)
    application.save()
    record_update(actor=actor, instance=application, before=before)
    return application


@transaction.atomic
def set_budget_lines(
    *, actor: User, application: Application, lines: Mapping[str, tuple[Decimal, Decimal, str]]
) -> list[BudgetLine]:
    """The draft's budget: per line (category) the amount asked for, the co-funding and its source. The
    lines asked for add up to the amount requested, so the budget and the application agree."""
    application = _locked_draft(actor, application)
    if set(lines) - set(BudgetCategory.values):
        raise GrantsError(_("En budgetpost findes ikke."))
    total = sum((amount for amount, _co, _source in lines.values()), Decimal("0"))
    if lines and total != application.amount_requested:
        raise GrantsError(
            _("Budgetlinjerne giver %(total)s, men der søges om %(requested)s.")
            % {"total": kroner(total), "requested": kroner(application.amount_requested)}
        )
    for category, (_amount, co_amount, source) in lines.items():
        if co_amount > 0 and not source.strip():
            raise GrantsError(
                _("Skriv, hvem der medfinansierer “%(line)s”.")
                % {"line": dict(BudgetCategory.choices)[category]},
                field=f"co_source_{category}",
            )
    for line in application.budget_lines.all():
        record_delete(actor=actor, instance=line, message="budget ændret")
    application.budget_lines.all().delete()
    created = [
        BudgetLine.objects.create(
            application=application,
            category=category,
            amount=amount,
            co_funding_amount=co_amount,
            co_funding_source=source.strip(),
        )
        for category, (amount, co_amount, source) in lines.items()
    ]
    for line in created:
        record_create(actor=actor, instance=line)
    return created


@transaction.atomic
def add_co_editor(*, actor: User, application: Application, person: User) -> Application:
    """A co-editor must belong to the applicant's organisation."""
    application = _locked_draft(actor, application)
    if not Membership.objects.filter(user=person, organisation_id=application.applicant_id).exists():
        raise GrantsError(
            _("%(person)s er ikke ansat i %(applicant)s.")
            % {"person": person, "applicant": application.applicant},
            field="person",
        )
    application.co_editors.add(person)
    record_update(
        actor=actor,
        instance=application,
        before=snapshot(application),
        message=f"medredaktør tilføjet: {person}",
    )
    return application


@transaction.atomic
def add_attachment(
    *, actor: User, application: Application, name: str, upload: UploadedFile
) -> ApplicationAttachment:
    application = _locked_draft(actor, application)
    check_attachment(upload)
    attachment = ApplicationAttachment(
        application=application,
        name=name.strip() or _("Bilag"),
        original_name=stored_name(upload, "fil")[:200],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    attachment.file.save(stored_name(upload, "fil"), upload, save=False)
    attachment.save()
    record_create(actor=actor, instance=attachment)
    return attachment


@transaction.atomic
def submit_application(
    *, actor: User, application: Application, now: datetime.datetime | None = None
) -> Application:
    """Submit before the deadline (not after): required attachments present; a receipt goes by e-mail."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    row = access.require_action(actor, application, ApplicationAction.SUBMIT)
    pool = Pool.objects.get(pk=application.pool_id)
    now = now or timezone.now()
    if now > pool.deadline:
        raise DeadlinePassed(
            _("Ansøgningsfristen var %(deadline)s. Ansøgningen kan ikke længere indsendes.")
            % {"deadline": formatting.date_time(pool.deadline)}
        )
    POOLS.find(pool.status, PoolAction.APPLY)  # the pool still takes applications
    if now < pool.opens_at:
        raise _not_open()
    missing = [
        name
        for name in pool.attachment_list
        if not application.attachments.filter(name__iexact=name).exists()
    ]
    if missing:
        raise GrantsError(
            _("Disse krævede bilag mangler: %(names)s. Upload dem, og indsend igen.")
            % {"names": ", ".join(missing)}
        )
    unanswered = [q for q in pool.question_list if not str(application.answers.get(q, "")).strip()]
    if unanswered:
        raise GrantsError(
            _("Besvar puljens spørgsmål, før ansøgningen indsendes. Mangler: %(questions)s")
            % {"questions": " ".join(unanswered)}
        )
    for name in REQUIRED_FOR_SUBMISSION:
        if not getattr(application, name).strip():
            label = getattr(Application._meta.get_field(name), "verbose_name", name)
            raise GrantsError(
                _("Udfyld feltet “%(field)s”, før ansøgningen indsendes.") % {"field": label}, field=name
            )
    before = snapshot(application)
    application.status, application.submitted_at = row.to_state, now
    application.receipt_number = f"{pool.pk:03d}-{application.pk:05d}"
    application.save(update_fields=["status", "submitted_at", "receipt_number"])
    record_update(actor=actor, instance=application, before=before, message="indsendt")
    send_after_commit(
        subject=_("Kvittering for ansøgning %(number)s") % {"number": application.receipt_number},
        template="grants/email/receipt.txt",
        context={"application": application, "pool": pool, "submitted_at": timezone.localtime(now)},
        recipients=[user.email for user in editors_of(application)],
    )
    return application
