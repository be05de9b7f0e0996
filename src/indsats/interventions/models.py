"""The intervention register and the SUSI phase model: interventions, their phases and checklists, gate
reviews with the five criteria, promising-practice assessments and knowledge declarations."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import Organisation, OrganisationKind
from indsats.interventions.workflow import PHASES, InterventionState, WorkflowAction
from indsats.ui.choices import ChoiceLabels

PHASE_CHOICES = [(phase.value, phase.label) for phase in PHASES]


class ProblemArea(models.Model):
    """The agency's controlled vocabulary of problem areas (target groups' difficulties)."""

    name = models.CharField(_("navn"), max_length=120, unique=True)
    description = models.CharField(_("beskrivelse"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=100)
    is_active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("problemområde")
        verbose_name_plural = _("problemområder")

    def __str__(self) -> str:
        return self.name


class Origin(models.TextChoices):
    MUNICIPAL_PRACTICE = "municipal_practice", _("En kommunes praksis")
    FOUNDATION = "foundation", _("En fond")
    CIVIL_SOCIETY = "civil_society", _("Civilsamfundet")
    RESEARCH = "research", _("Forskning")
    AGENCY = "agency", _("Styrelsen")
    INTERNATIONAL = "international", _("Et internationalt program")


class DeliveryFormat(models.TextChoices):
    INDIVIDUAL = "individual", _("Individuelt")
    GROUP = "group", _("I grupper")
    BOTH = "both", _("Individuelt og i grupper")


class Intervention(ChoiceLabels, models.Model):
    name = models.CharField(_("navn"), max_length=200, unique=True)
    short_description = models.CharField(_("kort beskrivelse"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    age_from = models.PositiveSmallIntegerField(_("alder fra"), default=0, validators=[MaxValueValidator(30)])
    age_to = models.PositiveSmallIntegerField(_("alder til"), default=18, validators=[MaxValueValidator(30)])
    problem_areas = models.ManyToManyField(
        ProblemArea, related_name="interventions", verbose_name=_("problemområder"), blank=True
    )
    target_group = models.TextField(_("målgruppe"), blank=True)
    # The theory of change: one item a line in each column.
    activities = models.TextField(_("aktiviteter"), blank=True, help_text=_("Én aktivitet pr. linje."))
    short_term_outcomes = models.TextField(
        _("kortsigtede resultater"), blank=True, help_text=_("Ét resultat pr. linje.")
    )
    long_term_outcomes = models.TextField(
        _("langsigtede resultater"), blank=True, help_text=_("Ét resultat pr. linje.")
    )
    core_elements = models.TextField(
        _("kerneelementer"), blank=True, help_text=_("Ét kerneelement pr. linje.")
    )
    # What implementation takes (published in the catalogue as structured data).
    staff_qualifications = models.TextField(_("personalets kvalifikationer"), blank=True)
    training_days = models.DecimalField(
        _("uddannelse (dage)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    supervision = models.CharField(_("supervision"), max_length=300, blank=True)
    sessions = models.PositiveSmallIntegerField(_("antal sessioner"), null=True, blank=True)
    weeks = models.PositiveSmallIntegerField(_("antal uger"), null=True, blank=True)
    setting = models.CharField(_("sted"), max_length=200, blank=True, help_text=_("Fx hjemmet, skolen."))
    delivery_format = models.CharField(
        _("individuelt eller i grupper"), max_length=20, choices=DeliveryFormat.choices, blank=True
    )
    delivery_model = models.CharField(
        _("leveringsmodel"), max_length=300, blank=True, help_text=_("Hvem leverer indsatsen og hvordan.")
    )
    origin = models.CharField(_("oprindelse"), max_length=30, choices=Origin.choices)
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="owned_interventions", verbose_name=_("ejer")
    )
    programme = models.CharField(
        _("program eller initiativ"),
        max_length=200,
        blank=True,
        help_text=_("Det program eller initiativ, der finansierer indsatsen, fx “BUIP 2020: Skolefravær”."),
    )
    is_open_to_join = models.BooleanField(
        _("åben for nye kommuner"),
        default=False,
        help_text=_("Kommuner kan se indsatsen og bede om at deltage."),
    )
    state = models.CharField(
        _("fase"), max_length=20, choices=InterventionState.choices, default=InterventionState.SCREENING
    )
    state_entered_at = models.DateTimeField(_("i fasen siden"))
    stop_reason = models.TextField(_("begrundelse for stop"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("indsats")
        verbose_name_plural = _("indsatser")
        # the board's columns: each phase's first cards, longest in the phase first (the id breaks ties),
        # read through the index up to the column's limit
        indexes = [
            models.Index(fields=["state", "state_entered_at", "id"], name="intervention_board_idx"),
            # the filters' programmes in use (filter_options) read by an index-only scan, not the table
            models.Index(fields=["programme"], name="intervention_programme_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_from__lte=models.F("age_to")), name="intervention_age_span"
            ),
            models.CheckConstraint(
                condition=Q(state__in=InterventionState.values), name="intervention_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]

    @property
    def activity_list(self) -> list[str]:
        return self.lines(self.activities)

    @property
    def short_term_list(self) -> list[str]:
        return self.lines(self.short_term_outcomes)

    @property
    def long_term_list(self) -> list[str]:
        return self.lines(self.long_term_outcomes)

    @property
    def core_element_list(self) -> list[str]:
        return self.lines(self.core_elements)


class PartnerRole(models.TextChoices):
    DEVELOPMENT = "development", _("Udviklingskommune")
    PILOT = "pilot", _("Pilotkommune")
    TRIAL = "trial", _("Afprøvningskommune")
    DISSEMINATION = "dissemination", _("Udbredelseskommune")
    OPERATION = "operation", _("Driftskommune")


# The organisations that can be partners of an intervention: municipalities, and regions and social
# service providers, which the programme invites too ("kommuner, regioner og andre aktører").
PARTNER_KINDS: tuple[str, ...] = (
    OrganisationKind.MUNICIPALITY,
    OrganisationKind.REGION,
    OrganisationKind.SERVICE_PROVIDER,
)


class Partnership(ChoiceLabels, models.Model):
    """A municipality (or a region or social service provider) working with an intervention, and its role.
    The field keeps its name `municipality`: most partners are municipalities, and the municipal
    scoping rules read it."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="partnerships")
    municipality = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="intervention_partnerships",
        verbose_name=_("partner"),
        limit_choices_to={"kind__in": PARTNER_KINDS},
    )
    role = models.CharField(_("rolle"), max_length=20, choices=PartnerRole.choices)
    joined_on = models.DateField(_("deltager fra"))
    ended_on = models.DateField(_("deltager til"), null=True, blank=True)
    funding_ended_on = models.DateField(
        _("finansieringen ophørte"),
        null=True,
        blank=True,
        help_text=_("Den dag programmets finansiering af kommunens deltagelse ophørte."),
    )

    class Meta:
        ordering = ["municipality__name"]
        verbose_name = _("partnerkommune")
        verbose_name_plural = _("partnerkommuner")
        constraints = [
            models.UniqueConstraint(fields=["intervention", "municipality"], name="partnership_unique"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("joined_on")),
                name="partnership_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.get_role_display()} ({self.intervention})"


class JoinRequest(models.Model):
    """A municipality asks to take part in an intervention (it counts towards demand)."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="join_requests")
    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("besked"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("anmodning om deltagelse")
        verbose_name_plural = _("anmodninger om deltagelse")
        constraints = [
            models.UniqueConstraint(fields=["intervention", "municipality"], name="join_request_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality} → {self.intervention}"


class MaterialKind(models.TextChoices):
    MANUAL = "manual", _("Manual")
    MATERIAL = "material", _("Materiale")
    FIDELITY_TOOL = "fidelity_tool", _("Fidelitetsværktøj")
    REPORT = "report", _("Rapport")


class Material(ChoiceLabels, models.Model):
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("titel"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=MaterialKind.choices)
    file = models.FileField(_("fil"), upload_to="interventions/materials/%Y/")
    uploaded_at = models.DateTimeField(_("uploadet"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("materiale")
        verbose_name_plural = _("materialer")

    def __str__(self) -> str:
        return self.title


class EffectInput(models.TextChoices):
    NONE = "", _("Ingen effektstørrelse")
    YI_VI = "yi_vi", _("Effektstørrelse (Hedges' g) og varians")
    MEANS = "means", _("Gennemsnit, spredninger og antal i hver gruppe")
    COUNTS = "counts", _("Antal hændelser og antal i hver gruppe (log odds ratio)")


class EvidenceReference(models.Model):
    """A study or report the intervention rests on, optionally with the effect size it found.

    The effect can be given as Hedges' g with its variance (yi, vi), as group means, SDs and sizes, or as
    event counts (a log odds ratio, converted to the d scale); the pooling is in evaluation.literature.
    """

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="references")
    citation = models.CharField(_("reference"), max_length=500)
    year = models.PositiveSmallIntegerField(
        _("år"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    url = models.URLField(_("link"), blank=True)
    effect_input = models.CharField(
        _("effektstørrelse angivet som"), max_length=6, choices=EffectInput.choices, blank=True, default=""
    )
    outcome = models.CharField(_("udfaldsmål"), max_length=200, blank=True)
    lower_is_better = models.BooleanField(
        _("lavere er bedre"),
        default=False,
        help_text=_("Sæt hak, hvis et fald er en forbedring (fx problemer, anbringelser)."),
    )
    yi = models.FloatField(_("Hedges' g"), null=True, blank=True)
    vi = models.FloatField(_("varians"), null=True, blank=True)
    mean_treated = models.FloatField(_("gennemsnit, indsats"), null=True, blank=True)
    sd_treated = models.FloatField(_("spredning, indsats"), null=True, blank=True)
    n_treated = models.PositiveIntegerField(_("antal, indsats"), null=True, blank=True)
    mean_control = models.FloatField(_("gennemsnit, kontrol"), null=True, blank=True)
    sd_control = models.FloatField(_("spredning, kontrol"), null=True, blank=True)
    n_control = models.PositiveIntegerField(_("antal, kontrol"), null=True, blank=True)
    events_treated = models.PositiveIntegerField(_("hændelser, indsats"), null=True, blank=True)
    events_control = models.PositiveIntegerField(_("hændelser, kontrol"), null=True, blank=True)

    EFFECT_FIELDS = {
        EffectInput.YI_VI: ("yi", "vi"),
        EffectInput.MEANS: (
            "mean_treated",
            "sd_treated",
            "n_treated",
            "mean_control",
            "sd_control",
            "n_control",
        ),
        EffectInput.COUNTS: ("events_treated", "n_treated", "events_control", "n_control"),
    }

    class Meta:
        ordering = ["-year", "citation"]
        verbose_name = _("reference")
        verbose_name_plural = _("referencer")

    def __str__(self) -> str:
        return self.citation

    def clean(self) -> None:
        """Every value the chosen kind of effect size needs, and sensible ranges."""
        errors: dict[str, str] = {}
        for name in self.EFFECT_FIELDS.get(EffectInput(self.effect_input), ()):
            if getattr(self, name) is None:
                errors[name] = str(_("Udfyld feltet for den valgte effektstørrelse."))
        if self.vi is not None and self.vi <= 0:
            errors["vi"] = str(_("Variansen skal være større end 0."))
        for sd in ("sd_treated", "sd_control"):
            value = getattr(self, sd)
            if value is not None and value <= 0:
                errors[sd] = str(_("Spredningen skal være større end 0."))
        for events, total in (("events_treated", "n_treated"), ("events_control", "n_control")):
            e, n = getattr(self, events), getattr(self, total)
            if e is not None and n is not None and e > n:
                errors[events] = str(_("Der kan ikke være flere hændelser end deltagere."))
        if errors:
            raise ValidationError(errors)


class Contact(models.Model):
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("navn"), max_length=200)
    role = models.CharField(_("rolle"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kontaktperson")
        verbose_name_plural = _("kontaktpersoner")

    def __str__(self) -> str:
        return self.name


# --- phases and checklists ----------------------------------------------------------------------------


class DeliverableTemplate(models.Model):
    """The playbook's typical products of a phase; the agency keeps the list. New phase records copy it."""

    phase = models.CharField(_("fase"), max_length=20, choices=PHASE_CHOICES)
    title = models.CharField(_("leverance"), max_length=200)
    description = models.CharField(_("beskrivelse"), max_length=500, blank=True)
    is_required = models.BooleanField(_("obligatorisk før gate review"), default=True)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=100)
    is_active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        ordering = ["phase", "order", "title"]
        verbose_name = _("leverance i drejebogen")
        verbose_name_plural = _("leverancer i drejebogen")
        constraints = [models.UniqueConstraint(fields=["phase", "title"], name="deliverable_template_unique")]

    def __str__(self) -> str:
        return f"{self.get_phase_display()}: {self.title}"


class PhaseRecordManager(models.Manager["PhaseRecord"]):
    def open_for(
        self, intervention: Intervention, phase: str, *, on: datetime.date | None = None
    ) -> PhaseRecord:
        """Create (or reopen, after a return) the record of a phase, with the playbook's checklist.

        Part of a state change: call it from a service, inside its transaction."""
        record, created = self.get_or_create(intervention=intervention, phase=phase)
        record.actual_start = record.actual_start or on or timezone.localdate()
        record.actual_end = None
        record.save(update_fields=["actual_start", "actual_end"])
        if created:
            templates = DeliverableTemplate.objects.filter(phase=phase, is_active=True)
            ChecklistItem.objects.bulk_create(
                ChecklistItem(
                    phase_record=record, template=t, title=t.title, is_required=t.is_required, order=t.order
                )
                for t in templates
            )
        return record


class PhaseRecord(ChoiceLabels, models.Model):
    """One intervention's work in one phase: dates, money committed, organisations, the checklist.

    There is one record per intervention and phase; returning to a phase reopens its record."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="phase_records")
    phase = models.CharField(_("fase"), max_length=20, choices=PHASE_CHOICES)
    planned_start = models.DateField(_("planlagt start"), null=True, blank=True)
    planned_end = models.DateField(_("planlagt afslutning"), null=True, blank=True)
    actual_start = models.DateField(_("faktisk start"), null=True, blank=True)
    actual_end = models.DateField(_("faktisk afslutning"), null=True, blank=True)
    committed_amount = models.DecimalField(
        _("bevilget beløb (kr.)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    organisations = models.ManyToManyField(
        Organisation, related_name="intervention_phases", verbose_name=_("organisationer i fasen"), blank=True
    )

    objects = PhaseRecordManager()

    class Meta:
        ordering = ["intervention", "phase"]
        verbose_name = _("fase")
        verbose_name_plural = _("faser")
        constraints = [
            models.UniqueConstraint(fields=["intervention", "phase"], name="phase_record_unique"),
            models.CheckConstraint(condition=Q(committed_amount__gte=0), name="phase_record_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.intervention}: {self.get_phase_display()}"


class ChecklistItem(models.Model):
    phase_record = models.ForeignKey(PhaseRecord, on_delete=models.CASCADE, related_name="checklist")
    template = models.ForeignKey(DeliverableTemplate, on_delete=models.SET_NULL, null=True, blank=True)
    title = models.CharField(_("leverance"), max_length=200)
    is_required = models.BooleanField(_("obligatorisk"), default=True)
    order = models.PositiveSmallIntegerField(default=100)
    is_done = models.BooleanField(_("færdig"), default=False)
    done_on = models.DateField(_("færdig den"), null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("leverance")
        verbose_name_plural = _("leverancer")

    def __str__(self) -> str:
        return self.title


# --- gate reviews -------------------------------------------------------------------------------------


class Criterion(models.TextChoices):
    EFFECT = "effect", _("Virkning")
    ECONOMY = "economy", _("Økonomi")
    IMPLEMENTATION = "implementation", _("Implementering")
    DEMAND = "demand", _("Efterspørgsel")
    REALISTIC_OPERATION = "realistic_operation", _("Realistisk drift")


class Rating(models.TextChoices):
    MET = "met", _("Opfyldt")
    PARTLY_MET = "partly_met", _("Delvist opfyldt")
    NOT_MET = "not_met", _("Ikke opfyldt")
    NOT_ASSESSED = "not_assessed", _("Ikke vurderet")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde hos styrelsen")
    SUBMITTED = "submitted", _("Venter på styregruppen")
    DECIDED = "decided", _("Afgjort")
    WITHDRAWN = "withdrawn", _("Trukket tilbage")


OPEN_REVIEW_STATUSES = (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED)


class GateReview(ChoiceLabels, models.Model):
    """The agency's assessment of the five criteria at the end of a phase, for the steering group."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="gate_reviews")
    phase = models.CharField(_("fase"), max_length=20, choices=PHASE_CHOICES)
    status = models.CharField(_("status"), max_length=20, choices=ReviewStatus.choices, default="draft")
    summary = models.TextField(_("styrelsens indstilling"), blank=True)
    # The optimistic lock: every change adds one; a form carries the version it was shown.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)
    submitted_at = models.DateTimeField(_("sendt til styregruppen"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(_("afgørelse"), max_length=30, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("gate review")
        verbose_name_plural = _("gate reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["intervention"],
                condition=Q(status__in=["draft", "submitted"]),
                name="gate_review_one_open_per_intervention",
            )
        ]

    def __str__(self) -> str:
        return f"Gate review: {self.intervention} ({self.get_phase_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVIEW_STATUSES


class CriterionAssessment(models.Model):
    review = models.ForeignKey(GateReview, on_delete=models.CASCADE, related_name="assessments")
    criterion = models.CharField(_("kriterium"), max_length=30, choices=Criterion.choices)
    rating = models.CharField(_("vurdering"), max_length=20, choices=Rating.choices, default="not_assessed")
    rationale = models.TextField(_("begrundelse"), blank=True)
    # Facts typed in with their source, until another module supplies them live (see evidence.py).
    fact = models.CharField(_("fakta"), max_length=300, blank=True)
    fact_source = models.CharField(_("kilde"), max_length=300, blank=True)
    fact_url = models.URLField(_("link til kilden"), blank=True)

    class Meta:
        ordering = ["review", "id"]
        verbose_name = _("vurdering af kriterium")
        verbose_name_plural = _("vurderinger af kriterier")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="criterion_assessment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_criterion_display()}: {self.get_rating_display()}"


class GateDecision(ChoiceLabels, models.Model):
    """The steering group's decision on a submitted review (a review sent back can be decided again)."""

    review = models.ForeignKey(GateReview, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(
        _("afgørelse"),
        max_length=30,
        choices=[
            (a.value, a.label)
            for a in (
                WorkflowAction.APPROVE,
                WorkflowAction.APPROVE_WITH_CONDITIONS,
                WorkflowAction.REJECT,
                WorkflowAction.SEND_BACK,
            )
        ],
    )
    reason = models.TextField(_("begrundelse"))
    conditions = models.TextField(_("betingelser"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by_name = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(_("afgjort"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("afgørelse")
        verbose_name_plural = _("afgørelser")

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.review}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Registreret")
    REVIEW_STARTED = "review_started", _("Gate review påbegyndt")
    REVIEW_SUBMITTED = "review_submitted", _("Gate review sendt til styregruppen")
    DECIDED = "decided", _("Styregruppen har afgjort")
    RETURNED = "returned", _("Vendt tilbage til en tidligere fase")
    STOPPED = "stopped", _("Stoppet")


class InterventionEvent(ChoiceLabels, models.Model):
    """The intervention's history, shown as its timeline. A state change has from_state and to_state."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("tidspunkt"), db_index=True)
    kind = models.CharField(_("hændelse"), max_length=30, choices=EventKind.choices)
    from_state = models.CharField(max_length=20, choices=InterventionState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=InterventionState.choices, blank=True)
    text = models.TextField(_("begrundelse"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    review = models.ForeignKey(GateReview, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("hændelse")
        verbose_name_plural = _("hændelser")

    def __str__(self) -> str:
        return f"{self.intervention}: {self.get_kind_display()}"


# --- promising practice and knowledge declarations ----------------------------------------------------


class PracticeElement(models.TextChoices):
    """The 11 elements of promising practice (SFI 2016)."""

    THEORY_AND_KNOWLEDGE = "theory_and_knowledge", _("Teori og viden")
    EFFECT = "effect", _("Virkning")
    DESCRIPTION = "description", _("Beskrivelse")
    GOALS = "goals", _("Mål")
    TRANSFERABILITY = "transferability", _("Overførbarhed")
    ECONOMY = "economy", _("Økonomi")
    PROFESSIONAL_REFLECTION = "professional_reflection", _("Faglig refleksion")
    RELATIONAL_COOPERATION = "relational_cooperation", _("Relationelt samarbejde")
    INDIVIDUAL_PLANNING = "individual_planning", _("Individuel tilrettelæggelse")
    MONITORING = "monitoring", _("Monitorering")
    FOLLOW_UP = "follow_up", _("Opfølgning")


class ElementScore(models.IntegerChoices):
    ABSENT = 0, _("Ikke til stede")
    PARTLY = 1, _("Delvist til stede")
    PRESENT = 2, _("Til stede")


class PracticeAssessment(models.Model):
    """A municipality's (or the agency's, on its behalf) assessment of its practice on the 11 elements."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="practice_assessments"
    )
    municipality = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="practice_assessments", verbose_name=_("kommune")
    )
    assessed_on = models.DateField(_("vurderet den"))
    note = models.TextField(_("bemærkning"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("vurdering af lovende praksis")
        verbose_name_plural = _("vurderinger af lovende praksis")

    def __str__(self) -> str:
        return f"{self.intervention}, {self.municipality} ({self.assessed_on:%d.%m.%Y})"


class PracticeElementScore(models.Model):
    assessment = models.ForeignKey(PracticeAssessment, on_delete=models.CASCADE, related_name="scores")
    element = models.CharField(_("element"), max_length=30, choices=PracticeElement.choices)
    score = models.PositiveSmallIntegerField(_("vurdering"), choices=ElementScore.choices)
    comment = models.CharField(_("kommentar"), max_length=500, blank=True)

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "element"], name="practice_element_unique"),
            models.CheckConstraint(condition=Q(score__lte=2), name="practice_element_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_element_display()}: {self.get_score_display()}"


class Dimension(models.TextChoices):
    """The knowledge declaration's five dimensions."""

    TARGET_GROUP = "target_group", _("Målgruppe")
    METHOD = "method", _("Metode")
    IMPLEMENTATION = "implementation", _("Implementering")
    EFFECT = "effect", _("Virkning")
    ECONOMY = "economy", _("Økonomi")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


GRADE_POINTS = {"A": 4, "B": 3, "C": 2, "D": 1}


class KnowledgeDeclaration(models.Model):
    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="knowledge_declarations"
    )
    declared_on = models.DateField(_("dato"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-declared_on", "-id"]
        verbose_name = _("vidensdeklaration")
        verbose_name_plural = _("vidensdeklarationer")

    def __str__(self) -> str:
        return f"{self.intervention} ({self.declared_on:%d.%m.%Y})"


class DeclarationScore(ChoiceLabels, models.Model):
    declaration = models.ForeignKey(KnowledgeDeclaration, on_delete=models.CASCADE, related_name="scores")
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    grade = models.CharField(_("karakter"), max_length=1, choices=Grade.choices)
    reason = models.TextField(_("begrundelse"))

    class Meta:
        ordering = ["declaration", "id"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "dimension"], name="declaration_dimension_unique"),
            models.CheckConstraint(
                condition=Q(grade__in=["A", "B", "C", "D"]), name="declaration_grade_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()}: {self.grade}"


# --- the steering group's record: frozen facts, conditions, realistic operation -----------------------


class SnapshotMoment(models.TextChoices):
    SUBMITTED = "submitted", _("Sendt til styregruppen")
    DECIDED = "decided", _("Afgjort")


class FactsSnapshot(models.Model):
    """The facts of the five criteria as the steering group saw them, frozen when the review was sent and
    again when it was decided. `sha256` is taken over the canonical JSON of `facts` (see
    fact_snapshots.py); a snapshot is written once and never changed."""

    review = models.ForeignKey(GateReview, on_delete=models.CASCADE, related_name="fact_snapshots")
    moment = models.CharField(_("tidspunkt i forløbet"), max_length=20, choices=SnapshotMoment.choices)
    facts = models.JSONField(_("fakta"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    taken_at = models.DateTimeField(_("frosset"), default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["review", "taken_at", "id"]
        verbose_name = _("frosset beslutningsgrundlag")
        verbose_name_plural = _("frosne beslutningsgrundlag")

    def __str__(self) -> str:
        return f"{self.review}: {self.get_moment_display()} ({self.sha256[:12]})"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("A frozen decision basis is never changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ConditionStatus(models.TextChoices):
    OPEN = "open", _("Åben")
    MET = "met", _("Opfyldt")
    OVERDUE = "overdue", _("Overskredet")
    WAIVED = "waived", _("Frafaldet")


UNMET_CONDITION_STATUSES = (ConditionStatus.OPEN, ConditionStatus.OVERDUE)


class DecisionCondition(models.Model):
    """A condition the steering group attached to a gate decision, with an owner and a deadline. While it
    is open (or overdue) the intervention's next gate review cannot be sent."""

    decision = models.ForeignKey(GateDecision, on_delete=models.CASCADE, related_name="condition_items")
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="conditions")
    text = models.TextField(_("betingelse"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_conditions",
        verbose_name=_("ansvarlig"),
    )
    deadline = models.DateField(_("frist"))
    status = models.CharField(
        _("status"), max_length=20, choices=ConditionStatus.choices, default=ConditionStatus.OPEN
    )
    resolution = models.TextField(_("begrundelse"), blank=True)
    resolved_on = models.DateField(_("afsluttet den"), null=True, blank=True)
    last_reminded_on = models.DateField(_("senest påmindet"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("betingelse")
        verbose_name_plural = _("betingelser")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ConditionStatus.values), name="decision_condition_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="waived") | ~Q(resolution=""), name="decision_condition_waiver_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_unmet(self) -> bool:
        return self.status in UNMET_CONDITION_STATUSES


class OperationStatus(models.TextChoices):
    AS_DESIGNED = "as_designed", _("I drift som beskrevet")
    ADAPTED = "adapted", _("I drift, tilpasset")
    STOPPED = "stopped", _("Stoppet")


OPERATING_STATUSES = (OperationStatus.AS_DESIGNED, OperationStatus.ADAPTED)


class Financing(models.TextChoices):
    OWN_BUDGET = "own_budget", _("Eget budget")
    OTHER_GRANT = "other_grant", _("Anden bevilling")
    NONE = "none", _("Ingen")


class OperationReport(models.Model):
    """A partner municipality's answer to the yearly follow-up after the funding ended: is the
    intervention still in operation, how is it financed, how many children did it serve that year and
    at what cost. One report per partnership and follow-up (12, 24, 36, ... months after the funding)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="operation_reports")
    months_after_funding = models.PositiveSmallIntegerField(_("måneder efter finansieringens ophør"))
    due_on = models.DateField(_("besvares senest"))
    answered_at = models.DateTimeField(_("besvaret"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("driftsstatus"), max_length=20, choices=OperationStatus.choices, blank=True)
    reason = models.TextField(_("begrundelse"), blank=True)
    financing = models.CharField(_("finansiering"), max_length=20, choices=Financing.choices, blank=True)
    children_served = models.PositiveIntegerField(_("antal børn og unge i året"), null=True, blank=True)
    annual_cost = models.DecimalField(
        _("udgift i året (kr.)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    reminders_sent = models.PositiveSmallIntegerField(_("påmindelser sendt"), default=0)
    last_reminded_on = models.DateField(_("senest påmindet"), null=True, blank=True)

    class Meta:
        ordering = ["partnership", "months_after_funding"]
        verbose_name = _("driftsopfølgning")
        verbose_name_plural = _("driftsopfølgninger")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "months_after_funding"], name="operation_report_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="") | Q(status__in=OperationStatus.values), name="operation_report_status"
            ),
            models.CheckConstraint(
                condition=Q(annual_cost__isnull=True) | Q(annual_cost__gte=0),
                name="operation_report_cost_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partnership.municipality}: {self.months_after_funding} mdr."

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_operating(self) -> bool:
        return self.status in OPERATING_STATUSES


class PortfolioTotals(models.Model):
    """The unfiltered portfolio board's figures for one state, kept by the writes that change them
    (``interventions.portfolio_totals.recount``, last in each such service's transaction).

    Whether a review is due depends on the day, so the row keeps, instead of a count of due reviews, how
    many interventions in the phase with no review waiting have each planned end of the current phase."""

    state = models.CharField(primary_key=True, max_length=20, choices=InterventionState.choices)
    interventions = models.PositiveIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0)  # with a gate review waiting for the steering group
    committed = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))  # all its records
    planned_ends = models.JSONField(default=dict)  # {"YYYY-MM-DD": interventions}, none waiting

    class Meta:
        verbose_name = _("porteføljens tal")
        verbose_name_plural = _("porteføljens tal")

    def __str__(self) -> str:
        return self.state
