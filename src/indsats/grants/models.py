"""Programmes and their years, initiatives, application pools, applications, assessments, grants with
instalments, reporting duties and change requests, implementation support and training, newsletter.

Money is Decimal (DKK). What a pool and an initiative have committed is kept in `committed_amount`, which
only the award service changes (under `select_for_update`) and which a CheckConstraint keeps within the
budget, so even a bug elsewhere cannot spend more than the budget.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import Organisation, OrganisationKind

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class Programme(models.Model):
    """A programme such as BUIP, funded year by year by the parties behind it."""

    name = models.CharField(_("navn"), max_length=200, unique=True)
    description = models.TextField(_("beskrivelse"), blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("program")
        verbose_name_plural = _("programmer")

    def __str__(self) -> str:
        return self.name


class ProgrammeYear(models.Model):
    """One year's frame, the steering group's recommendation and the parties' political decision."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(
        _("år"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    frame = models.DecimalField(_("årlig ramme (kr.)"), **MONEY)
    recommendation = models.TextField(_("styregruppens indstilling"), blank=True)
    recommended_on = models.DateField(_("indstillet den"), null=True, blank=True)
    decision = models.TextField(_("den politiske beslutning"), blank=True)
    decided_on = models.DateField(_("besluttet den"), null=True, blank=True)

    class Meta:
        ordering = ["programme__name", "-year"]
        verbose_name = _("programår")
        verbose_name_plural = _("programår")
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="programme_year_unique"),
            models.CheckConstraint(condition=Q(frame__gte=0), name="programme_year_frame_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year}"


class Initiative(models.Model):
    """An initiative the parties funded in a programme year, e.g. "Bekymrende skolefravær", 18 mio. kr."""

    programme_year = models.ForeignKey(
        ProgrammeYear, on_delete=models.CASCADE, related_name="initiatives", verbose_name=_("programår")
    )
    name = models.CharField(_("navn"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True)
    intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="initiatives",
        verbose_name=_("indsats"),
    )
    budget = models.DecimalField(_("budget (kr.)"), **MONEY)
    committed_amount = models.DecimalField(_("bevilget (kr.)"), default=ZERO, editable=False, **MONEY)

    class Meta:
        ordering = ["programme_year", "name"]
        verbose_name = _("initiativ")
        verbose_name_plural = _("initiativer")
        constraints = [
            models.UniqueConstraint(fields=["programme_year", "name"], name="initiative_unique_name"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="initiative_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(committed_amount__gte=0) & Q(committed_amount__lte=F("budget")),
                name="initiative_committed_within_budget",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PoolStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    PUBLISHED = "published", _("Offentliggjort")
    CLOSED = "closed", _("Afgjort")


class ApplicantKind(models.TextChoices):
    """Who may apply to a pool: an organisation kind (`accounts.OrganisationKind`) in the plural."""

    MUNICIPALITY = "municipality", _("Kommuner")
    REGION = "region", _("Regioner")
    SERVICE_PROVIDER = "service_provider", _("Sociale tilbud")
    FOUNDATION = "foundation", _("Fonde")
    CIVIL_SOCIETY = "civil_society", _("Civilsamfundsorganisationer")
    RESEARCH = "research", _("Forskningsinstitutioner")


class Pool(models.Model):
    """An application pool (ansøgningspulje) that an initiative opens."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="pools", verbose_name=_("initiativ")
    )
    title = models.CharField(_("titel"), max_length=200)
    purpose = models.TextField(_("formål"))
    target_group = models.TextField(_("målgruppe"))
    eligible_applicants = models.JSONField(_("hvem kan søge"), default=list)
    budget = models.DecimalField(_("puljens budget (kr.)"), **MONEY)
    max_per_grant = models.DecimalField(_("højeste tilskud pr. ansøgning (kr.)"), **MONEY)
    opens_at = models.DateTimeField(_("åbner"))
    deadline = models.DateTimeField(_("ansøgningsfrist"))
    expected_decision_on = models.DateField(_("forventet afgørelse"), null=True, blank=True)
    required_attachments = models.TextField(
        _("krævede bilag"), blank=True, help_text=_("Ét bilag pr. linje, fx “Budget” eller “Tidsplan”.")
    )
    questions = models.TextField(
        _("puljens egne spørgsmål"),
        blank=True,
        help_text=_("Ét spørgsmål pr. linje; ansøgerne skal besvare dem alle, før de indsender."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PoolStatus.choices, default=PoolStatus.DRAFT
    )
    published_at = models.DateTimeField(_("offentliggjort"), null=True, blank=True)
    deadline_reminded_at = models.DateTimeField(_("påmindelse om frist sendt"), null=True, blank=True)
    committed_amount = models.DecimalField(_("bevilget (kr.)"), default=ZERO, editable=False, **MONEY)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["deadline", "title"]
        verbose_name = _("ansøgningspulje")
        verbose_name_plural = _("ansøgningspuljer")
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="pool_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(max_per_grant__gt=0) & Q(max_per_grant__lte=F("budget")),
                name="pool_max_per_grant_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(committed_amount__gte=0) & Q(committed_amount__lte=F("budget")),
                name="pool_committed_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("deadline")), name="pool_opens_before_deadline"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def attachment_list(self) -> list[str]:
        return [line.strip() for line in self.required_attachments.splitlines() if line.strip()]

    @property
    def question_list(self) -> list[str]:
        """The pool's own application questions (its form as data: one question a line)."""
        return [line.strip() for line in self.questions.splitlines() if line.strip()]

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed_amount

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == PoolStatus.PUBLISHED and self.opens_at <= now <= self.deadline

    def eligible_labels(self) -> list[str]:
        labels = dict(ApplicantKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.eligible_applicants]


class AwardCriterion(models.TextChoices):
    """The award criteria of the agency's executive orders on grants."""

    PURPOSE_FIT = "purpose_fit", _("Projektets formål, ansøgere og målgruppe passer til puljens formål")
    PLAUSIBLE_ACTIVITIES = "plausible_activities", _("Aktiviteterne kan sandsynligvis føre til resultaterne")
    COHERENCE = "coherence", _("Sammenhæng mellem formål, målgruppe, aktiviteter, tidsplan og organisering")
    BUDGET = "budget", _("Budgettet opfylder kravene")


class PoolCriterion(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="criteria")
    criterion = models.CharField(_("kriterium"), max_length=30, choices=AwardCriterion.choices)
    weight = models.PositiveSmallIntegerField(
        _("vægt (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["pool", "id"]
        verbose_name = _("tildelingskriterium")
        verbose_name_plural = _("tildelingskriterier")
        constraints = [
            models.UniqueConstraint(fields=["pool", "criterion"], name="pool_criterion_unique"),
            models.CheckConstraint(condition=Q(weight__lte=100), name="pool_criterion_weight_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_criterion_display()} ({self.weight} %)"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    SUBMITTED = "submitted", _("Indsendt")
    AWARDED = "awarded", _("Bevilget")
    REJECTED = "rejected", _("Afslået")


class Application(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="grant_applications", verbose_name=_("ansøger")
    )
    title = models.CharField(_("projektets titel"), max_length=200)
    purpose = models.TextField(_("formål"))
    target_group = models.TextField(_("målgruppe"), blank=True)
    activities = models.TextField(_("aktiviteter"), blank=True)
    timeline = models.TextField(_("tidsplan"), blank=True)
    organisation_text = models.TextField(_("organisering"), blank=True)
    answers = models.JSONField(_("svar på puljens spørgsmål"), default=dict, blank=True)
    amount_requested = models.DecimalField(_("ansøgt beløb (kr.)"), **MONEY)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("indsendt"), null=True, blank=True)
    receipt_number = models.CharField(_("kvitteringsnummer"), max_length=20, blank=True)
    decided_at = models.DateTimeField(_("afgjort"), null=True, blank=True)
    decision_note = models.TextField(_("begrundelse"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grant_applications_created"
    )
    co_editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="grant_applications_co_edited",
        blank=True,
        verbose_name=_("medredaktører"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ansøgning")
        verbose_name_plural = _("ansøgninger")
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="application_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="application_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.applicant})"

    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.DRAFT


def attachment_path(instance: ApplicationAttachment, filename: str) -> str:
    return f"grants/applications/{instance.application_id}/{secrets.token_hex(8)}-{filename}"


class ApplicationAttachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("bilag"), max_length=200)
    file = models.FileField(_("fil"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("filnavn"), max_length=200)
    size = models.PositiveIntegerField(_("størrelse (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploadet"), auto_now_add=True)

    class Meta:
        ordering = ["application", "name", "uploaded_at"]
        verbose_name = _("bilag")
        verbose_name_plural = _("bilag")

    def __str__(self) -> str:
        return f"{self.name}: {self.original_name}"


class Assessment(models.Model):
    """One assessor's independent assessment of one application (or a declared conflict of interest)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    has_conflict = models.BooleanField(_("inhabil"), default=False)
    conflict_note = models.TextField(_("begrundelse for inhabilitet"), blank=True)
    comment = models.TextField(_("samlet vurdering"), blank=True)
    weighted_score = models.DecimalField(
        _("vægtet score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("afgivet"), default=timezone.now)

    class Meta:
        ordering = ["application", "submitted_at"]
        verbose_name = _("vurdering")
        verbose_name_plural = _("vurderinger")
        constraints = [
            models.UniqueConstraint(fields=["application", "assessor"], name="assessment_one_per_assessor"),
            models.CheckConstraint(
                condition=Q(has_conflict=True) | Q(weighted_score__isnull=False),
                name="assessment_scored_unless_conflict",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.assessor}"


class AssessorAssignment(models.Model):
    """An assessor the agency assigned to an application. Once an application has assigned assessors,
    only they assess it (`grants/access.py`)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("bedømmer")
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("tildelt"), default=timezone.now)

    class Meta:
        ordering = ["application", "assigned_at"]
        verbose_name = _("tildelt bedømmer")
        verbose_name_plural = _("tildelte bedømmere")
        constraints = [
            models.UniqueConstraint(fields=["application", "assessor"], name="assignment_one_per_assessor"),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.assessor}"


class CriterionScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(PoolCriterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(_("point (0-5)"), validators=[MaxValueValidator(5)])

    class Meta:
        ordering = ["assessment", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="criterion_score_unique"),
            models.CheckConstraint(condition=Q(score__lte=5), name="criterion_score_max_5"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class GrantStatus(models.TextChoices):
    """The grant's life: awarded -> started -> reporting -> final report approved -> closed, or it
    lapses (not started within 6 months) or is withdrawn. The moves are in `grants/workflow.py`."""

    AWARDED = "awarded", _("Bevilget, ikke startet")
    ACTIVE = "active", _("I gang")
    REPORTING = "reporting", _("Afrapportering")
    FINAL_APPROVED = "final_approved", _("Slutrapport godkendt")
    COMPLETED = "completed", _("Afsluttet")
    LAPSED = "lapsed", _("Bortfaldet")
    WITHDRAWN = "withdrawn", _("Trukket tilbage")


# A grant is live (reports due and reminded) until it lapses, is withdrawn or its final report is approved.
LIVE_GRANT_STATUSES: tuple[str, ...] = (GrantStatus.AWARDED, GrantStatus.ACTIVE, GrantStatus.REPORTING)
# Changes and extensions can be asked for while the project runs.
CHANGEABLE_GRANT_STATUSES: tuple[str, ...] = (GrantStatus.AWARDED, GrantStatus.ACTIVE)


class BudgetCategory(models.TextChoices):
    """The lines of a project budget (and of the spending reported against it)."""

    STAFF = "staff", _("Løn")
    TRAINING = "training", _("Uddannelse og kompetenceudvikling")
    MATERIALS = "materials", _("Materialer")
    EVALUATION = "evaluation", _("Evaluering")
    ADMINISTRATION = "administration", _("Administration")


class BudgetLine(models.Model):
    """A line of an application's budget: what it asks the pool for, and what others co-fund."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("budgetpost"), max_length=20, choices=BudgetCategory.choices)
    amount = models.DecimalField(_("søges (kr.)"), **MONEY)
    co_funding_source = models.CharField(_("medfinansieret af"), max_length=200, blank=True)
    co_funding_amount = models.DecimalField(_("medfinansiering (kr.)"), default=ZERO, **MONEY)

    class Meta:
        ordering = ["application", "category"]
        verbose_name = _("budgetlinje")
        verbose_name_plural = _("budgetlinjer")
        constraints = [
            models.UniqueConstraint(fields=["application", "category"], name="budget_line_unique_category"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(co_funding_amount__gte=0), name="budget_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.amount}"


class Grant(models.Model):
    """The grant (tilskud) that an awarded application becomes, with its grant letter's conditions."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="grant")
    amount = models.DecimalField(_("tilskud (kr.)"), **MONEY)
    conditions = models.TextField(_("vilkår"), blank=True)
    awarded_at = models.DateTimeField(_("bevilget"))
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    project_start = models.DateField(_("planlagt projektstart"))
    project_end = models.DateField(_("projektslut"))
    start_deadline = models.DateField(_("senest startet"))
    started_on = models.DateField(_("startet"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=GrantStatus.choices, default=GrantStatus.AWARDED
    )
    finished_on = models.DateField(_("projektet gennemført"), null=True, blank=True)
    final_spent = models.DecimalField(
        _("forbrug i det endelige regnskab (kr.)"), null=True, blank=True, **MONEY
    )
    settled_at = models.DateTimeField(_("regnskabet opgjort"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("begrundelse for tilbagetrækning"), blank=True)

    class Meta:
        ordering = ["-awarded_at"]
        verbose_name = _("tilskud")
        verbose_name_plural = _("tilskud")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_amount_positive"),
            models.CheckConstraint(
                condition=Q(project_start__lte=F("project_end")), name="grant_period_order"
            ),
        ]

    def __str__(self) -> str:
        return str(self.application.title)


class FourEyesMoney(models.Model):
    """Money that moves under four eyes: one person prepares, another with the right role approves, and
    above `settings.GRANTS_SECOND_APPROVAL_ABOVE` a third person approves too (`grants/access.py`)."""

    amount = models.DecimalField(_("beløb (kr.)"), **MONEY)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField(_("forberedt"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("godkendt"), null=True, blank=True)
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    second_approved_at = models.DateTimeField(_("godkendt af anden godkender"), null=True, blank=True)

    class Meta:
        abstract = True

    def approvers(self) -> list[int]:
        """The people who have taken a step already (none of them may take the next)."""
        return [pk for pk in (self.prepared_by_id, self.approved_by_id, self.second_approved_by_id) if pk]


class Instalment(FourEyesMoney):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="instalments")
    due_on = models.DateField(_("forfalder"))
    paid_on = models.DateField(_("udbetalt"), null=True, blank=True)

    class Meta:
        ordering = ["grant", "due_on"]
        verbose_name = _("rate")
        verbose_name_plural = _("rater")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.grant}: {self.due_on}"


class ReportKind(models.TextChoices):
    STATUS_REPORT = "status_report", _("Statusrapport")
    PROJECT_STATEMENT = "project_statement", _("Projektredegørelse")
    ACCOUNTS = "accounts", _("Regnskab")
    RESULTS = "results", _("Resultatdokumentation")


class ReportingDuty(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="reporting_duties")
    kind = models.CharField(_("type"), max_length=30, choices=ReportKind.choices)
    due_on = models.DateField(_("frist"))
    submitted_at = models.DateTimeField(_("indsendt"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField(_("fil"), upload_to="grants/reports/%Y/", blank=True, max_length=300)
    note = models.TextField(_("bemærkning"), blank=True)
    reminded_at = models.DateTimeField(_("påmindet"), null=True, blank=True)
    approved_at = models.DateTimeField(_("godkendt"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(_("sendt retur"), null=True, blank=True)
    return_reason = models.TextField(_("begrundelse for at sende retur"), blank=True)

    class Meta:
        ordering = ["due_on", "kind"]
        verbose_name = _("rapporteringspligt")
        verbose_name_plural = _("rapporteringspligter")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today_date = today or timezone.localdate()
        return self.submitted_at is None and self.due_on < today_date

    @property
    def is_final(self) -> bool:
        return self.kind in FINAL_REPORT_KINDS


# The reports due after the project's end; the grant's final report is approved when all of them are.
FINAL_REPORT_KINDS: tuple[str, ...] = (ReportKind.PROJECT_STATEMENT, ReportKind.ACCOUNTS, ReportKind.RESULTS)


class ReportedSpending(models.Model):
    """What a report says is spent so far on one budget line (the accounts report: the final figure)."""

    duty = models.ForeignKey(ReportingDuty, on_delete=models.CASCADE, related_name="spending")
    category = models.CharField(_("budgetpost"), max_length=20, choices=BudgetCategory.choices)
    amount = models.DecimalField(_("forbrug (kr.)"), **MONEY)

    class Meta:
        ordering = ["duty", "category"]
        verbose_name = _("forbrug")
        verbose_name_plural = _("forbrug")
        constraints = [
            models.UniqueConstraint(fields=["duty", "category"], name="reported_spending_unique_category"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="reported_spending_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.amount}"


class RepaymentStatus(models.TextChoices):
    PREPARED = "prepared", _("Forberedt")
    APPROVED_ONCE = "approved_once", _("Afventer anden godkender")
    CLAIMED = "claimed", _("Krævet tilbagebetalt")
    PAID = "paid", _("Tilbagebetalt")


class RepaymentClaim(FourEyesMoney):
    """Unspent money the grantee pays back, found when the final accounts are settled."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="repayment_claims")
    status = models.CharField(
        _("status"), max_length=20, choices=RepaymentStatus.choices, default=RepaymentStatus.PREPARED
    )
    paid_on = models.DateField(_("tilbagebetalt"), null=True, blank=True)

    class Meta:
        ordering = ["grant", "prepared_at"]
        verbose_name = _("tilbagebetalingskrav")
        verbose_name_plural = _("tilbagebetalingskrav")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.grant}: {self.amount}"


class ChangeKind(models.TextChoices):
    PROJECT = "project", _("Ændring af projektet")
    BUDGET = "budget", _("Ændring af budgettet")
    EXTENSION = "extension", _("Forlængelse")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Afventer styrelsen")
    APPROVED = "approved", _("Godkendt")
    REJECTED = "rejected", _("Afvist")


class ChangeRequest(models.Model):
    """A change to project or budget, or an extension; takes effect only once the agency approves it."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="change_requests")
    kind = models.CharField(_("type"), max_length=20, choices=ChangeKind.choices)
    description = models.TextField(_("beskrivelse"))
    new_end = models.DateField(_("ny projektslut"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("anmodet"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("afgjort"), null=True, blank=True)
    decision_note = models.TextField(_("styrelsens skriftlige svar"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("ændringsanmodning")
        verbose_name_plural = _("ændringsanmodninger")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="extension") | Q(new_end__isnull=False), name="change_extension_has_new_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.grant}"


class TrainingRecord(models.Model):
    """Staff in a municipality trained in an intervention (kompetenceudvikling)."""

    intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.CASCADE,
        related_name="training_records",
        verbose_name=_("indsats"),
    )
    municipality = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="training_records",
        verbose_name=_("kommune"),
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
    )
    staff_name = models.CharField(_("medarbejder"), max_length=200)
    staff_role = models.CharField(_("stilling"), max_length=120, blank=True)
    course = models.CharField(_("forløb"), max_length=200)
    trained_on = models.DateField(_("uddannet den"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-trained_on", "staff_name"]
        verbose_name = _("uddannelse")
        verbose_name_plural = _("uddannelser")

    def __str__(self) -> str:
        return f"{self.staff_name}, {self.course}"


class SupportKind(models.TextChoices):
    IMPLEMENTATION = "implementation", _("Implementeringsstøtte")
    SUPERVISION = "supervision", _("Supervision")
    INSIGHT = "insight", _("Indsigt i egen praksis")
    DOCUMENTATION = "documentation", _("Dokumentation og økonomiberegning")


class SupportLogEntry(models.Model):
    intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.CASCADE,
        related_name="support_log",
        verbose_name=_("indsats"),
    )
    municipality = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="support_log",
        verbose_name=_("kommune"),
        limit_choices_to={"kind": OrganisationKind.MUNICIPALITY},
    )
    kind = models.CharField(_("type"), max_length=20, choices=SupportKind.choices)
    given_on = models.DateField(_("dato"))
    hours = models.DecimalField(_("timer"), max_digits=6, decimal_places=1, default=Decimal("1.0"))
    note = models.TextField(_("notat"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-given_on"]
        verbose_name = _("støtte")
        verbose_name_plural = _("støttelog")
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="support_hours_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.given_on}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """A newsletter subscription: news of new pools and coming deadlines by e-mail."""

    AUDIT_EXCLUDE = ("token",)

    email = models.EmailField(_("e-mail"), unique=True)
    token = models.CharField(max_length=64, default=new_token, unique=True, editable=False)
    created_at = models.DateTimeField(_("tilmeldt"), auto_now_add=True)
    # Double opt-in: mail goes only to addresses confirmed by the link in the first e-mail.
    confirmed_at = models.DateTimeField(_("bekræftet"), null=True, blank=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnementer")

    def __str__(self) -> str:
        return self.email
