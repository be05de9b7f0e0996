"""Every write of the grants app. A service takes keyword-only arguments, runs in one transaction,
checks one permission and writes an audit entry.

Money: awards lock the pool and then its initiative (`select_for_update`, always in that order) before
they read what is committed, so two assessors awarding at the same moment cannot together exceed a
budget; the CheckConstraints on `committed_amount` are the database's second line of defence.
Deadlines are aware datetimes; the pool's deadline is compared with the current instant, and shown in
Europe/Copenhagen.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import Membership, Organisation, User
from indsats.accounts.permissions import (
    APPLY_FOR_GRANTS,
    ASSESS_APPLICATIONS,
    MANAGE_POOLS,
    organisation_ids_of,
    require_permission,
)
from indsats.audit.services import record_create, record_delete, record_update, snapshot
from indsats.grants.errors import (
    BudgetExceeded,
    DeadlinePassed,
    GrantLapsed,
    InvalidAttachment,
    NotEligible,
    PoolNotOpen,
    WrongState,
)
from indsats.grants.models import (
    ZERO,
    Application,
    ApplicationAttachment,
    ApplicationStatus,
    Assessment,
    AwardCriterion,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    CriterionScore,
    Grant,
    GrantStatus,
    Initiative,
    Instalment,
    Pool,
    PoolCriterion,
    PoolStatus,
    Programme,
    ProgrammeYear,
    ReportingDuty,
    ReportKind,
    Subscription,
    SupportLogEntry,
    TrainingRecord,
)
from indsats.grants.notifications import send_after_commit
from indsats.grants.selectors import can_edit_application, editors_of
from indsats.ui import formatting
from indsats.ui.formatting import kroner

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Accepted attachment types: extension -> the file's first bytes (None: plain text, checked as UTF-8).
ATTACHMENT_SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".csv": None,
    ".txt": None,
}
START_WITHIN_MONTHS = 6
REMINDER_DAYS = 14
DEADLINE_REMINDER_DAYS = 7
DEFAULT_WEIGHTS: dict[str, int] = {
    AwardCriterion.PURPOSE_FIT: 30,
    AwardCriterion.PLAUSIBLE_ACTIVITIES: 30,
    AwardCriterion.COHERENCE: 20,
    AwardCriterion.BUDGET: 20,
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- programmes, years and initiatives ---------------------------------------------------------------


@transaction.atomic
def create_programme(*, actor: Any, name: str, description: str = "") -> Programme:
    require_permission(actor, MANAGE_POOLS)
    if Programme.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError(
            {"name": _("Der findes allerede et program med navnet “%(name)s”.") % {"name": name}}
        )
    programme = Programme.objects.create(name=name.strip(), description=description)
    record_create(actor=actor, instance=programme)
    return programme


@transaction.atomic
def save_programme_year(
    *,
    actor: Any,
    programme: Programme,
    year: int,
    frame: Decimal,
    recommendation: str = "",
    recommended_on: datetime.date | None = None,
    decision: str = "",
    decided_on: datetime.date | None = None,
    instance: ProgrammeYear | None = None,
) -> ProgrammeYear:
    """Create or update a programme year. The frame may not fall below what its initiatives budget."""
    require_permission(actor, MANAGE_POOLS)
    if frame < 0:
        raise ValidationError({"frame": _("Rammen kan ikke være negativ.")})
    if instance is None:
        if ProgrammeYear.objects.filter(programme=programme, year=year).exists():
            raise ValidationError(
                {
                    "year": _("%(programme)s har allerede året %(year)s.")
                    % {"programme": programme, "year": year}
                }
            )
        programme_year = ProgrammeYear.objects.create(
            programme=programme,
            year=year,
            frame=frame,
            recommendation=recommendation,
            recommended_on=recommended_on,
            decision=decision,
            decided_on=decided_on,
        )
        record_create(actor=actor, instance=programme_year)
        return programme_year
    programme_year = ProgrammeYear.objects.select_for_update().get(pk=instance.pk)
    budgeted = programme_year.initiatives.aggregate(total=Sum("budget"))["total"] or ZERO
    if frame < budgeted:
        raise BudgetExceeded(
            {
                "frame": _("Rammen kan ikke være mindre end initiativernes budgetter i alt (%(total)s).")
                % {"total": kroner(budgeted)}
            }
        )
    before = snapshot(programme_year)
    programme_year.frame, programme_year.recommendation = frame, recommendation
    programme_year.recommended_on, programme_year.decision, programme_year.decided_on = (
        recommended_on,
        decision,
        decided_on,
    )
    programme_year.save()
    record_update(actor=actor, instance=programme_year, before=before)
    return programme_year


@transaction.atomic
def create_initiative(
    *,
    actor: Any,
    programme_year: ProgrammeYear,
    name: str,
    budget: Decimal,
    description: str = "",
    intervention: Any = None,
) -> Initiative:
    """An initiative's budget comes out of the year's frame: the budgets never add up to more."""
    require_permission(actor, MANAGE_POOLS)
    year = ProgrammeYear.objects.select_for_update().get(pk=programme_year.pk)
    budgeted = year.initiatives.aggregate(total=Sum("budget"))["total"] or ZERO
    if budget <= 0:
        raise ValidationError({"budget": _("Budgettet skal være større end 0 kr.")})
    if budgeted + budget > year.frame:
        raise BudgetExceeded(
            {
                "budget": _(
                    "Budgettet overskrider årets ramme: %(frame)s, heraf %(used)s givet til andre "
                    "initiativer, så højst %(left)s er tilbage."
                )
                % {
                    "frame": kroner(year.frame),
                    "used": kroner(budgeted),
                    "left": kroner(year.frame - budgeted),
                }
            }
        )
    if year.initiatives.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": _("Året har allerede et initiativ med det navn.")})
    initiative = Initiative.objects.create(
        programme_year=year,
        name=name.strip(),
        budget=budget,
        description=description,
        intervention=intervention,
    )
    record_create(actor=actor, instance=initiative)
    return initiative


# --- pools -------------------------------------------------------------------------------------------


def _check_weights(weights: Mapping[str, int]) -> None:
    unknown = set(weights) - set(AwardCriterion.values)
    if unknown:
        raise ValidationError(_("Ukendt kriterium: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if any(weight < 0 for weight in weights.values()):
        raise ValidationError(_("En vægt kan ikke være negativ."))
    total = sum(weights.values())
    if total != 100:
        raise ValidationError(
            _("Kriteriernes vægte skal give 100 %% tilsammen; de giver nu %(total)s %%.") % {"total": total}
        )


def _pool_checks(
    *,
    initiative: Initiative,
    budget: Decimal,
    max_per_grant: Decimal,
    opens_at: datetime.datetime,
    deadline: datetime.datetime,
    eligible_applicants: list[str],
    exclude_pk: int | None = None,
) -> None:
    errors: dict[str, str] = {}
    if budget <= 0:
        errors["budget"] = _("Puljens budget skal være større end 0 kr.")
    if max_per_grant <= 0 or max_per_grant > budget:
        errors["max_per_grant"] = _("Det højeste tilskud skal være over 0 kr. og højst puljens budget.")
    if opens_at >= deadline:
        errors["deadline"] = _("Ansøgningsfristen skal ligge efter puljens åbning.")
    if not eligible_applicants:
        errors["eligible_applicants"] = _("Vælg mindst én type ansøger.")
    if errors:
        raise ValidationError(errors)
    others_qs = initiative.pools.all() if exclude_pk is None else initiative.pools.exclude(pk=exclude_pk)
    others = others_qs.aggregate(total=Sum("budget"))["total"] or ZERO
    if others + budget > initiative.budget:
        raise BudgetExceeded(
            {
                "budget": _(
                    "Puljen overskrider initiativets budget på %(budget)s: andre puljer har %(used)s, "
                    "så højst %(left)s er tilbage."
                )
                % {
                    "budget": kroner(initiative.budget),
                    "used": kroner(others),
                    "left": kroner(initiative.budget - others),
                }
            }
        )


@transaction.atomic
def create_pool(
    *,
    actor: Any,
    initiative: Initiative,
    title: str,
    purpose: str,
    target_group: str,
    eligible_applicants: list[str],
    budget: Decimal,
    max_per_grant: Decimal,
    opens_at: datetime.datetime,
    deadline: datetime.datetime,
    required_attachments: str = "",
    expected_decision_on: datetime.date | None = None,
    weights: Mapping[str, int] | None = None,
) -> Pool:
    """A draft pool with the four award criteria of the executive orders, weighted (100 % in all)."""
    require_permission(actor, MANAGE_POOLS)
    weights = dict(weights or DEFAULT_WEIGHTS)
    _check_weights(weights)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    _pool_checks(
        initiative=initiative,
        budget=budget,
        max_per_grant=max_per_grant,
        opens_at=opens_at,
        deadline=deadline,
        eligible_applicants=eligible_applicants,
    )
    pool = Pool.objects.create(
        initiative=initiative,
        title=title,
        purpose=purpose,
        target_group=target_group,
        eligible_applicants=list(eligible_applicants),
        budget=budget,
        max_per_grant=max_per_grant,
        opens_at=opens_at,
        deadline=deadline,
        required_attachments=required_attachments,
        expected_decision_on=expected_decision_on,
    )
    for criterion in AwardCriterion.values:
        PoolCriterion.objects.create(pool=pool, criterion=criterion, weight=weights.get(criterion, 0))
    record_create(actor=actor, instance=pool)
    return pool


@transaction.atomic
def update_pool(*, actor: Any, pool: Pool, weights: Mapping[str, int] | None = None, **fields: Any) -> Pool:
    """Change a pool while it is a draft (a published pool's terms are promised to applicants)."""
    require_permission(actor, MANAGE_POOLS)
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    if pool.status != PoolStatus.DRAFT:
        raise WrongState(_("Puljen er offentliggjort; dens vilkår kan ikke længere ændres."))
    allowed = {
        "title",
        "purpose",
        "target_group",
        "eligible_applicants",
        "budget",
        "max_per_grant",
        "opens_at",
        "deadline",
        "required_attachments",
        "expected_decision_on",
    }
    before = snapshot(pool)
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(name)
        setattr(pool, name, value)
    initiative = Initiative.objects.select_for_update().get(pk=pool.initiative_id)
    _pool_checks(
        initiative=initiative,
        budget=pool.budget,
        max_per_grant=pool.max_per_grant,
        opens_at=pool.opens_at,
        deadline=pool.deadline,
        eligible_applicants=pool.eligible_applicants,
        exclude_pk=pool.pk,
    )
    pool.save()
    if weights is not None:
        _check_weights(weights)
        for criterion in pool.criteria.all():
            criterion.weight = weights.get(criterion.criterion, 0)
            criterion.save(update_fields=["weight"])
    record_update(actor=actor, instance=pool, before=before)
    return pool


@transaction.atomic
def publish_pool(*, actor: Any, pool: Pool, now: datetime.datetime | None = None) -> Pool:
    """Publish a pool on the public pages and tell the newsletter's subscribers."""
    require_permission(actor, MANAGE_POOLS)
    now = now or timezone.now()
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    if pool.status != PoolStatus.DRAFT:
        raise WrongState(_("Puljen er allerede offentliggjort."))
    if pool.deadline <= now:
        raise DeadlinePassed(
            {"deadline": _("Ansøgningsfristen er overskredet; ret fristen, før puljen offentliggøres.")}
        )
    before = snapshot(pool)
    pool.status, pool.published_at = PoolStatus.PUBLISHED, now
    pool.save(update_fields=["status", "published_at"])
    record_update(actor=actor, instance=pool, before=before, message="offentliggjort")
    send_after_commit(
        subject=_("Ny ansøgningspulje: %(title)s") % {"title": pool.title},
        template="grants/email/new_pool.txt",
        context={"pool": pool},
        recipients=Subscription.objects.values_list("email", flat=True),
    )
    return pool


# --- applications ------------------------------------------------------------------------------------

APPLICATION_FIELDS = (
    "title",
    "purpose",
    "target_group",
    "activities",
    "timeline",
    "organisation_text",
    "amount_requested",
)


def _check_amount(pool: Pool, amount: Decimal) -> None:
    if amount <= 0:
        raise ValidationError({"amount_requested": _("Det ansøgte beløb skal være større end 0 kr.")})
    if amount > pool.max_per_grant:
        raise ValidationError(
            {
                "amount_requested": _("Du kan højst søge %(max)s fra denne pulje.")
                % {"max": kroner(pool.max_per_grant)}
            }
        )


@transaction.atomic
def create_application(
    *,
    actor: Any,
    pool: Pool,
    applicant: Organisation,
    title: str,
    purpose: str,
    amount_requested: Decimal,
    now: datetime.datetime | None = None,
    **fields: Any,
) -> Application:
    """A draft application on behalf of the actor's own organisation, while the pool is open."""
    require_permission(actor, APPLY_FOR_GRANTS)
    if applicant.pk not in organisation_ids_of(actor):
        raise PermissionDenied("applicant")
    pool = Pool.objects.get(pk=pool.pk)  # the current status, not the caller's copy
    now = now or timezone.now()
    if pool.status != PoolStatus.PUBLISHED or now < pool.opens_at:
        raise PoolNotOpen(_("Puljen er ikke åben for ansøgninger."))
    if now > pool.deadline:
        raise DeadlinePassed(_("Ansøgningsfristen er overskredet."))
    if applicant.kind not in pool.eligible_applicants:
        raise NotEligible(
            _("%(applicant)s kan ikke søge denne pulje. Puljen kan søges af: %(kinds)s.")
            % {"applicant": applicant, "kinds": ", ".join(pool.eligible_labels())}
        )
    _check_amount(pool, amount_requested)
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


def _editable(actor: Any, application: Application) -> Application:
    require_permission(actor, APPLY_FOR_GRANTS)
    locked = Application.objects.select_for_update().select_related("pool").get(pk=application.pk)
    if not can_edit_application(actor, locked):
        raise PermissionDenied("application")
    if not locked.is_draft:
        raise WrongState(_("Ansøgningen er indsendt og kan ikke længere ændres."))
    return locked


@transaction.atomic
def update_application(*, actor: Any, application: Application, **fields: Any) -> Application:
    application = _editable(actor, application)
    if "amount_requested" in fields:
        _check_amount(application.pool, fields["amount_requested"])
    before = snapshot(application)
    for name, value in fields.items():
        if name not in APPLICATION_FIELDS:
            raise TypeError(name)
        setattr(application, name, value)
    application.save()
    record_update(actor=actor, instance=application, before=before)
    return application


@transaction.atomic
def add_co_editor(*, actor: Any, application: Application, person: User) -> Application:
    """A co-editor must belong to the applicant's organisation."""
    application = _editable(actor, application)
    if not Membership.objects.filter(user=person, organisation_id=application.applicant_id).exists():
        raise ValidationError(
            {
                "person": _("%(person)s er ikke ansat i %(applicant)s.")
                % {"person": person, "applicant": application.applicant}
            }
        )
    application.co_editors.add(person)
    record_update(
        actor=actor,
        instance=application,
        before=snapshot(application),
        message=f"medredaktør tilføjet: {person}",
    )
    return application


def check_attachment(upload: UploadedFile) -> None:
    """Refuse files that are too large or not of an accepted type, with a message that says how to fix it."""
    name = upload.name or ""
    suffix = Path(name).suffix.lower()
    accepted = ", ".join(sorted(ATTACHMENT_SIGNATURES))
    if suffix not in ATTACHMENT_SIGNATURES:
        raise InvalidAttachment(
            {
                "file": _("Filen “%(name)s” har en type, vi ikke modtager. Brug en af: %(types)s.")
                % {"name": name, "types": accepted}
            }
        )
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise InvalidAttachment(
            {
                "file": _(
                    "Filen “%(name)s” fylder %(size).1f MB; højst %(max)s MB er tilladt. "
                    "Gem den mindre eller del den op."
                )
                % {
                    "name": name,
                    "size": upload.size / 1024 / 1024,
                    "max": MAX_ATTACHMENT_BYTES // 1024 // 1024,
                }
            }
        )
    if not upload.size:
        raise InvalidAttachment({"file": _("Filen “%(name)s” er tom.") % {"name": name}})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    signatures = ATTACHMENT_SIGNATURES[suffix]
    if signatures is None:
        ok = b"\x00" not in head
    else:
        ok = any(head.startswith(signature) for signature in signatures)
    if not ok:
        raise InvalidAttachment(
            {
                "file": _(
                    "Filen “%(name)s” er ikke en rigtig %(type)s-fil. Gem den igen i det rigtige format."
                )
                % {"name": name, "type": suffix[1:].upper()}
            }
        )


@transaction.atomic
def add_attachment(
    *, actor: Any, application: Application, name: str, upload: UploadedFile
) -> ApplicationAttachment:
    application = _editable(actor, application)
    check_attachment(upload)
    attachment = ApplicationAttachment(
        application=application,
        name=name.strip() or _("Bilag"),
        original_name=Path(upload.name or "fil").name[:200],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    attachment.file.save(Path(upload.name or "fil").name, upload, save=False)
    attachment.save()
    record_create(actor=actor, instance=attachment)
    return attachment


@transaction.atomic
def remove_attachment(*, actor: Any, attachment: ApplicationAttachment) -> None:
    _editable(actor, attachment.application)
    record_delete(actor=actor, instance=attachment)
    attachment.file.delete(save=False)
    attachment.delete()


@transaction.atomic
def submit_application(
    *, actor: Any, application: Application, now: datetime.datetime | None = None
) -> Application:
    """Submit before the deadline (not after): required attachments present; a receipt goes by e-mail."""
    application = _editable(actor, application)
    pool = Pool.objects.get(pk=application.pool_id)
    now = now or timezone.now()
    if now > pool.deadline:
        raise DeadlinePassed(
            _("Ansøgningsfristen var %(deadline)s. Ansøgningen kan ikke længere indsendes.")
            % {"deadline": formatting.date_time(pool.deadline)}
        )
    if pool.status != PoolStatus.PUBLISHED or now < pool.opens_at:
        raise PoolNotOpen(_("Puljen er ikke åben for ansøgninger."))
    missing = [
        name
        for name in pool.attachment_list
        if not application.attachments.filter(name__iexact=name).exists()
    ]
    if missing:
        raise ValidationError(
            _("Disse krævede bilag mangler: %(names)s. Upload dem, og indsend igen.")
            % {"names": ", ".join(missing)}
        )
    for name in ("target_group", "activities", "timeline", "organisation_text"):
        if not getattr(application, name).strip():
            label = getattr(Application._meta.get_field(name), "verbose_name", name)
            raise ValidationError(
                {name: _("Udfyld feltet “%(field)s”, før ansøgningen indsendes.") % {"field": label}}
            )
    before = snapshot(application)
    application.status, application.submitted_at = ApplicationStatus.SUBMITTED, now
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


# --- assessment and award ----------------------------------------------------------------------------


def weighted_score(scores: Mapping[PoolCriterion, int]) -> Decimal:
    """Σ weight x score / Σ weight, on the 0-5 scale, rounded to two decimals."""
    total_weight = sum(criterion.weight for criterion in scores)
    if total_weight == 0:
        return Decimal("0.00")
    value = Decimal(sum(criterion.weight * score for criterion, score in scores.items())) / Decimal(
        total_weight
    )
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def record_assessment(
    *,
    actor: Any,
    application: Application,
    scores: Mapping[int, int] | None = None,
    comment: str = "",
    has_conflict: bool = False,
    conflict_note: str = "",
) -> Assessment:
    """One assessor's independent scores (0-5 on each of the pool's criteria), or a declared conflict of
    interest, in which case the assessor gives no scores. An assessor assesses an application once."""
    require_permission(actor, ASSESS_APPLICATIONS)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise WrongState(_("Kun indsendte, uafgjorte ansøgninger kan vurderes."))
    if Assessment.objects.filter(application=application, assessor=actor).exists():
        raise WrongState(_("Du har allerede vurderet denne ansøgning."))
    if has_conflict:
        if not conflict_note.strip():
            raise ValidationError({"conflict_note": _("Skriv kort, hvorfor du er inhabil.")})
        assessment = Assessment.objects.create(
            application=application,
            assessor=actor,
            has_conflict=True,
            conflict_note=conflict_note,
            comment=comment,
        )
        record_create(actor=actor, instance=assessment, message="inhabil")
        return assessment
    criteria = {criterion.pk: criterion for criterion in application.pool.criteria.all()}
    scores = dict(scores or {})
    missing = [str(c.get_criterion_display()) for pk, c in criteria.items() if pk not in scores]
    if missing:
        raise ValidationError(
            _("Giv point for alle kriterier. Mangler: %(names)s.") % {"names": "; ".join(missing)}
        )
    if set(scores) - set(criteria):
        raise ValidationError(_("Et kriterium hører ikke til puljen."))
    if any(not 0 <= int(score) <= 5 for score in scores.values()):
        raise ValidationError(_("Point skal være mellem 0 og 5."))
    by_criterion = {criteria[pk]: int(score) for pk, score in scores.items()}
    assessment = Assessment.objects.create(
        application=application, assessor=actor, comment=comment, weighted_score=weighted_score(by_criterion)
    )
    CriterionScore.objects.bulk_create(
        [
            CriterionScore(assessment=assessment, criterion=criterion, score=score)
            for criterion, score in by_criterion.items()
        ]
    )
    record_create(actor=actor, instance=assessment)
    return assessment


def quarterly_instalments(
    amount: Decimal, start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, Decimal]]:
    """Equal quarterly payments from the project's start until its end; the last takes the øre left over."""
    dates: list[datetime.date] = []
    due = start
    while due <= end or not dates:
        dates.append(due)
        due = add_months(start, 3 * len(dates))
    share = (amount / len(dates)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    amounts = [share] * (len(dates) - 1) + [amount - share * (len(dates) - 1)]
    return list(zip(dates, amounts, strict=True))


def reporting_schedule(start: datetime.date, end: datetime.date) -> list[tuple[str, datetime.date]]:
    """A status report every 6 months while the project runs; statement, accounts and results 3 months
    after the end."""
    duties: list[tuple[str, datetime.date]] = []
    months = 6
    while (due := add_months(start, months)) < end:
        duties.append((ReportKind.STATUS_REPORT, due))
        months += 6
    final = add_months(end, 3)
    duties += [
        (ReportKind.PROJECT_STATEMENT, final),
        (ReportKind.ACCOUNTS, final),
        (ReportKind.RESULTS, final),
    ]
    return duties


@transaction.atomic
def award_application(
    *,
    actor: Any,
    application: Application,
    amount: Decimal,
    project_start: datetime.date,
    project_end: datetime.date,
    conditions: str = "",
    now: datetime.datetime | None = None,
) -> Grant:
    """Award a grant within the pool's (and the initiative's) budget. Locks the pool, then the initiative."""
    require_permission(actor, MANAGE_POOLS)
    now = now or timezone.now()
    pool = Pool.objects.select_for_update().get(pk=application.pool_id)
    initiative = Initiative.objects.select_for_update().get(pk=pool.initiative_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise WrongState(_("Ansøgningen er allerede afgjort eller ikke indsendt."))
    if amount <= 0:
        raise ValidationError({"amount": _("Tilskuddet skal være større end 0 kr.")})
    if amount > application.amount_requested:
        raise ValidationError(
            {
                "amount": _("Tilskuddet kan ikke være større end det ansøgte beløb (%(amount)s).")
                % {"amount": kroner(application.amount_requested)}
            }
        )
    if amount > pool.max_per_grant:
        raise BudgetExceeded(
            {"amount": _("Puljen giver højst %(max)s pr. tilskud.") % {"max": kroner(pool.max_per_grant)}}
        )
    if project_end < project_start:
        raise ValidationError({"project_end": _("Projektslut skal ligge efter projektstart.")})
    if pool.committed_amount + amount > pool.budget:
        raise BudgetExceeded(
            {
                "amount": _("Puljen har kun %(left)s tilbage af %(budget)s.")
                % {"left": kroner(pool.remaining), "budget": kroner(pool.budget)}
            }
        )
    if initiative.committed_amount + amount > initiative.budget:
        raise BudgetExceeded(
            {
                "amount": _("Initiativet har kun %(left)s tilbage.")
                % {"left": kroner(initiative.budget - initiative.committed_amount)}
            }
        )
    Pool.objects.filter(pk=pool.pk).update(committed_amount=F("committed_amount") + amount)
    Initiative.objects.filter(pk=initiative.pk).update(committed_amount=F("committed_amount") + amount)
    before = snapshot(application)
    application.status, application.decided_at = ApplicationStatus.AWARDED, now
    application.save(update_fields=["status", "decided_at"])
    record_update(actor=actor, instance=application, before=before, message="bevilget")
    grant = Grant.objects.create(
        application=application,
        amount=amount,
        conditions=conditions,
        awarded_at=now,
        awarded_by=actor,
        project_start=project_start,
        project_end=project_end,
        start_deadline=add_months(timezone.localdate(now), START_WITHIN_MONTHS),
    )
    Instalment.objects.bulk_create(
        [
            Instalment(grant=grant, due_on=due, amount=part)
            for due, part in quarterly_instalments(amount, project_start, project_end)
        ]
    )
    ReportingDuty.objects.bulk_create(
        [
            ReportingDuty(grant=grant, kind=kind, due_on=due)
            for kind, due in reporting_schedule(project_start, project_end)
        ]
    )
    record_create(actor=actor, instance=grant)
    send_after_commit(
        subject=_("Tilsagn om tilskud: %(title)s") % {"title": application.title},
        template="grants/email/award.txt",
        context={"application": application, "grant": grant},
        recipients=[user.email for user in editors_of(application)],
    )
    return grant


@transaction.atomic
def reject_application(
    *, actor: Any, application: Application, reason: str, now: datetime.datetime | None = None
) -> Application:
    require_permission(actor, MANAGE_POOLS)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise WrongState(_("Ansøgningen er allerede afgjort eller ikke indsendt."))
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv begrundelsen for afslaget; den står i afslagsbrevet.")})
    before = snapshot(application)
    application.status, application.decided_at = ApplicationStatus.REJECTED, now or timezone.now()
    application.decision_note = reason
    application.save(update_fields=["status", "decided_at", "decision_note"])
    record_update(actor=actor, instance=application, before=before, message="afslået")
    send_after_commit(
        subject=_("Afgørelse om ansøgning: %(title)s") % {"title": application.title},
        template="grants/email/rejection.txt",
        context={"application": application},
        recipients=[user.email for user in editors_of(application)],
    )
    return application


# --- running grants ----------------------------------------------------------------------------------


def _require_grantee(actor: Any, grant: Grant) -> None:
    require_permission(actor, APPLY_FOR_GRANTS)
    if grant.application.applicant_id not in organisation_ids_of(actor):
        raise PermissionDenied("grant")


def _release(grant: Grant) -> None:
    """Give the unpaid part of a grant back to its pool and initiative."""
    paid = grant.instalments.filter(paid_on__isnull=False).aggregate(total=Sum("amount"))["total"] or ZERO
    unpaid = grant.amount - paid
    pool = Pool.objects.select_for_update().get(pk=grant.application.pool_id)
    Initiative.objects.select_for_update().get(pk=pool.initiative_id)
    Pool.objects.filter(pk=pool.pk).update(committed_amount=F("committed_amount") - unpaid)
    Initiative.objects.filter(pk=pool.initiative_id).update(committed_amount=F("committed_amount") - unpaid)
    grant.instalments.filter(paid_on__isnull=True).delete()


@transaction.atomic
def start_grant(*, actor: Any, grant: Grant, started_on: datetime.date) -> Grant:
    """The grantee reports that the project has started; after the 6-month limit the grant has lapsed."""
    _require_grantee(actor, grant)
    grant = Grant.objects.select_for_update().select_related("application").get(pk=grant.pk)
    if grant.status != GrantStatus.AWARDED:
        raise WrongState(_("Projektet er allerede meldt startet, eller tilskuddet er bortfaldet."))
    if started_on > grant.start_deadline:
        raise GrantLapsed(
            {
                "started_on": _("Projektet skulle være startet senest %(date)s; tilskuddet er bortfaldet.")
                % {"date": formatting.date(grant.start_deadline)}
            }
        )
    before = snapshot(grant)
    grant.started_on, grant.status = started_on, GrantStatus.ACTIVE
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
        .filter(status=GrantStatus.AWARDED, start_deadline__lt=today)
    ):
        before = snapshot(grant)
        _release(grant)
        grant.status = GrantStatus.LAPSED
        grant.save(update_fields=["status"])
        record_update(
            actor=None, instance=grant, before=before, message="bortfaldet: ikke startet inden 6 måneder"
        )
        lapsed.append(grant)
    return lapsed


@transaction.atomic
def record_payment(*, actor: Any, instalment: Instalment, paid_on: datetime.date) -> Instalment:
    require_permission(actor, MANAGE_POOLS)
    instalment = Instalment.objects.select_for_update().select_related("grant").get(pk=instalment.pk)
    if instalment.paid_on is not None:
        raise WrongState(_("Raten er allerede udbetalt."))
    if instalment.grant.status != GrantStatus.ACTIVE:
        raise WrongState(_("Der udbetales først, når projektet er meldt startet."))
    before = snapshot(instalment)
    instalment.paid_on = paid_on
    instalment.save(update_fields=["paid_on"])
    record_update(actor=actor, instance=instalment, before=before, message="udbetalt")
    return instalment


@transaction.atomic
def submit_report(
    *,
    actor: Any,
    duty: ReportingDuty,
    upload: UploadedFile | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> ReportingDuty:
    _require_grantee(actor, duty.grant)
    duty = ReportingDuty.objects.select_for_update().get(pk=duty.pk)
    if duty.submitted_at is not None:
        raise WrongState(_("Rapporten er allerede indsendt."))
    if upload is None and not note.strip():
        raise ValidationError({"file": _("Upload rapporten eller skriv den i bemærkningsfeltet.")})
    before = snapshot(duty)
    if upload is not None:
        check_attachment(upload)
        duty.file.save(Path(upload.name or "rapport").name, upload, save=False)
    duty.note, duty.submitted_at, duty.submitted_by = note, now or timezone.now(), actor
    duty.save()
    record_update(actor=actor, instance=duty, before=before, message="indsendt")
    return duty


@transaction.atomic
def request_change(
    *,
    actor: Any,
    grant: Grant,
    kind: str,
    description: str,
    new_end: datetime.date | None = None,
    today: datetime.date | None = None,
) -> ChangeRequest:
    """Ask the agency for a change to project or budget, or an extension (before the project ends)."""
    _require_grantee(actor, grant)
    today = today or timezone.localdate()
    if not grant.is_live:
        raise WrongState(_("Tilskuddet er ikke længere aktivt."))
    if kind not in ChangeKind.values:
        raise ValidationError({"kind": _("Vælg en type ændring.")})
    if not description.strip():
        raise ValidationError({"description": _("Beskriv ændringen og begrundelsen.")})
    if kind == ChangeKind.EXTENSION:
        if new_end is None or new_end <= grant.project_end:
            raise ValidationError(
                {
                    "new_end": _("Angiv en ny projektslut efter den nuværende (%(end)s).")
                    % {"end": formatting.date(grant.project_end)}
                }
            )
        if today > grant.project_end:
            raise DeadlinePassed(
                {
                    "new_end": _("Forlængelse skal søges, før projektet slutter (%(end)s).")
                    % {"end": formatting.date(grant.project_end)}
                }
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
def decide_change(*, actor: Any, change: ChangeRequest, approve: bool, note: str) -> ChangeRequest:
    """The agency's written answer. Only an approved change takes effect (an extension moves the end)."""
    require_permission(actor, MANAGE_POOLS)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeStatus.PENDING:
        raise WrongState(_("Anmodningen er allerede afgjort."))
    if not note.strip():
        raise ValidationError(
            {"note": _("Skriv styrelsens svar; det er den skriftlige godkendelse eller afvisning.")}
        )
    before = snapshot(change)
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.decided_by, change.decided_at, change.decision_note = actor, timezone.now(), note
    change.save()
    record_update(actor=actor, instance=change, before=before)
    if approve and change.kind == ChangeKind.EXTENSION and change.new_end:
        grant = Grant.objects.select_for_update().get(pk=change.grant_id)
        grant_before = snapshot(grant)
        grant.project_end = change.new_end
        grant.save(update_fields=["project_end"])
        record_update(actor=actor, instance=grant, before=grant_before, message="forlænget")
    return change


# --- reminders and newsletter ------------------------------------------------------------------------


@transaction.atomic
def send_reminders(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """System action: remind grantees of reports due within 14 days or overdue (once a week at most),
    and subscribers of pools whose deadline is within 7 days (once per pool). Run it daily."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = {"reports": 0, "deadlines": 0}
    week_ago = now - datetime.timedelta(days=7)
    duties = (
        ReportingDuty.objects.select_for_update()
        .select_related("grant__application__applicant")
        .filter(submitted_at__isnull=True, due_on__lte=today + datetime.timedelta(days=REMINDER_DAYS))
        .filter(grant__status__in=[GrantStatus.AWARDED, GrantStatus.ACTIVE])
    )
    for duty in duties:
        if duty.reminded_at and duty.reminded_at > week_ago:
            continue
        application = duty.grant.application
        send_after_commit(
            subject=_("Påmindelse: %(kind)s til %(title)s")
            % {"kind": duty.get_kind_display(), "title": application.title},
            template="grants/email/report_reminder.txt",
            context={"duty": duty, "application": application, "is_overdue": duty.is_overdue(today)},
            recipients=[user.email for user in editors_of(application)],
        )
        ReportingDuty.objects.filter(pk=duty.pk).update(reminded_at=now)
        sent["reports"] += 1
    subscribers = list(Subscription.objects.values_list("email", flat=True))
    for pool in Pool.objects.select_for_update().filter(
        status=PoolStatus.PUBLISHED,
        deadline_reminded_at__isnull=True,
        deadline__gt=now,
        deadline__lte=now + datetime.timedelta(days=DEADLINE_REMINDER_DAYS),
    ):
        send_after_commit(
            subject=_("Ansøgningsfristen nærmer sig: %(title)s") % {"title": pool.title},
            template="grants/email/deadline_reminder.txt",
            context={"pool": pool},
            recipients=subscribers,
        )
        Pool.objects.filter(pk=pool.pk).update(deadline_reminded_at=now)
        sent["deadlines"] += 1
    return sent


@transaction.atomic
def subscribe(*, email: str) -> Subscription:
    """Anyone may subscribe to the newsletter (no log-in, so no permission); subscribing twice is harmless."""
    subscription, created = Subscription.objects.get_or_create(email=email.strip().lower())
    if created:
        record_create(actor=None, instance=subscription, message="nyhedsbrev")
        send_after_commit(
            subject=_("Du abonnerer nu på nyt om puljer"),
            template="grants/email/subscribed.txt",
            context={"subscription": subscription},
            recipients=[subscription.email],
        )
    return subscription


@transaction.atomic
def unsubscribe(*, token: str) -> bool:
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None:
        return False
    record_delete(actor=None, instance=subscription, message="nyhedsbrev afmeldt")
    subscription.delete()
    return True


# --- implementation support and training -------------------------------------------------------------


@transaction.atomic
def record_training(
    *,
    actor: Any,
    intervention: Any,
    municipality: Organisation,
    staff_name: str,
    course: str,
    trained_on: datetime.date,
    staff_role: str = "",
) -> TrainingRecord:
    require_permission(actor, MANAGE_POOLS)
    if not municipality.is_municipality:
        raise ValidationError({"municipality": _("Vælg en kommune.")})
    record = TrainingRecord.objects.create(
        intervention=intervention,
        municipality=municipality,
        staff_name=staff_name,
        staff_role=staff_role,
        course=course,
        trained_on=trained_on,
        created_by=actor,
    )
    record_create(actor=actor, instance=record)
    return record


@transaction.atomic
def record_support(
    *,
    actor: Any,
    intervention: Any,
    municipality: Organisation,
    kind: str,
    given_on: datetime.date,
    hours: Decimal,
    note: str = "",
) -> SupportLogEntry:
    require_permission(actor, MANAGE_POOLS)
    if not municipality.is_municipality:
        raise ValidationError({"municipality": _("Vælg en kommune.")})
    if hours <= 0:
        raise ValidationError({"hours": _("Timer skal være større end 0.")})
    entry = SupportLogEntry.objects.create(
        intervention=intervention,
        municipality=municipality,
        kind=kind,
        given_on=given_on,
        hours=hours,
        note=note,
        created_by=actor,
    )
    record_create(actor=actor, instance=entry)
    return entry
