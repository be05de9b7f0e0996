"""Effect studies of interventions and the stored results of their analyses.

A study says how an intervention's effect is estimated (design, outcome, rounds, comparison,
covariates); an analysis is one run of the statistics engine on the pseudonymised scores, stored with
everything needed to trace and repeat its numbers (inputs hash, engine version, seed).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from indsats.outcomes.models import Measurement


class Design(models.TextChoices):
    PRE_POST = "pre_post", _("Før-efter uden kontrolgruppe")
    RANDOMISED = "randomised", _("To grupper, lodtrukket (RCT)")
    QUASI = "quasi", _("Kvasi-eksperimentelt (matchet sammenligningsgruppe)")
    DIFFERENCE_IN_DIFFERENCES = "did", _("Forskel-i-forskelle (sammenligningsgruppe målt før og efter)")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Study(models.Model):
    """An effect study of one intervention, set up by its assigned evaluator or the agency."""

    intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.PROTECT,
        related_name="effect_studies",
        verbose_name=_("indsats"),
    )
    name = models.CharField(_("navn"), max_length=200)
    design = models.CharField(_("design"), max_length=12, choices=Design.choices)
    instrument = models.ForeignKey(
        "outcomes.Instrument", on_delete=models.PROTECT, related_name="+", verbose_name=_("måleredskab")
    )
    score_key = models.CharField(_("skala"), max_length=60)
    baseline_round = models.ForeignKey(
        "outcomes.MeasurementRound",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("førmåling"),
    )
    follow_up_round = models.ForeignKey(
        "outcomes.MeasurementRound",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("eftermåling"),
    )
    comparison_intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sammenligningsgruppe"),
        help_text=_("Børn i en anden indsats, målt i de samme målerunder. Tom ved før-efter."),
    )
    adjust_for_age = models.BooleanField(_("juster for alder"), default=True)
    adjust_for_sex = models.BooleanField(_("juster for køn"), default=True)
    is_independent = models.BooleanField(
        _("uafhængig evaluering"),
        default=False,
        help_text=_("Studiet er udført af en evaluator, der ikke har udviklet eller driver indsatsen."),
    )
    cluster_by_municipality = models.BooleanField(
        _("klyngerobuste standardfejl efter kommune"),
        default=True,
        help_text=_(
            "Børn i samme kommune ligner hinanden, så standardfejlen beregnes klyngerobust efter kommune. "
            "Fravælg kun med en begrundelse."
        ),
    )
    no_clustering_reason = models.TextField(_("begrundelse for ikke at klynge"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("effektstudie")
        verbose_name_plural = _("effektstudier")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cluster_by_municipality=True) | ~models.Q(no_clustering_reason=""),
                name="evaluation_study_no_clustering_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def design_level(self) -> int:
        """What the chosen design would allow (SØM): 1 randomised, 2 quasi-experimental or with a control
        group, 3 before-after."""
        if self.design == Design.RANDOMISED:
            return 1
        if self.design in {Design.QUASI, Design.DIFFERENCE_IN_DIFFERENCES} or self.comparison_intervention_id:
            return 2
        return 3

    @property
    def evidence_level(self) -> int:
        """The design level, where a randomised design counts as 1 only with its randomisation on record
        (``randomisation_problems`` empty); otherwise it is a controlled comparison, level 2."""
        level = self.design_level
        if level == 1 and self.randomisation_problems():
            return 2
        return level

    def randomisation_problems(self) -> list[str]:
        """Why a randomised design does not count as randomised, in Danish; empty when it does.

        It counts when an allocation list is on record (made in Indsats or uploaded), was stored before
        the first follow-up measurement of the study's children, and every child measured at follow-up
        in the two groups was allocated by it (CONSORT 2010, items 8-10: sequence, concealment,
        implementation)."""
        if self.design != Design.RANDOMISED:
            return []
        randomisation = Randomisation.objects.filter(study=self).first()
        if randomisation is None:
            return [
                gettext(
                    "Der er ikke registreret en lodtrækning for studiet (lavet i Indsats eller uploadet "
                    "allokeringsliste), så designet tæller ikke som lodtrukket."
                )
            ]
        problems = []
        measured = Measurement.objects.filter(
            round__intervention_id__in=[self.intervention_id, self.comparison_intervention_id],
            round__kind=self.follow_up_round.kind,
        )
        first_follow_up = measured.aggregate(first=models.Min("measured_on"))["first"]
        stored_on = timezone.localdate(randomisation.recorded_at)
        if first_follow_up is not None and stored_on > first_follow_up:
            problems.append(
                gettext(
                    "Lodtrækningen blev registreret %(stored)s, efter de første eftermålinger "
                    "(%(first)s); den skal ligge fast, før udfaldet kendes."
                )
                % {"stored": stored_on.isoformat(), "first": first_follow_up.isoformat()}
            )
        allocated = randomisation.allocations.filter(participant__isnull=False).values("participant_id")
        unallocated = (
            measured.exclude(participant_id__in=allocated).values("participant_id").distinct().count()
        )
        if unallocated:
            problems.append(
                ngettext(
                    "%(count)s barn målt ved eftermålingen er ikke tildelt ved lodtrækningen.",
                    "%(count)s børn målt ved eftermålingen er ikke tildelt ved lodtrækningen.",
                    unallocated,
                )
                % {"count": unallocated}
            )
        return problems


class AllocationMethod(models.TextChoices):
    SIMPLE = "simple", _("Simpel lodtrækning")
    BLOCK = "block", _("Blokrandomisering")
    STRATIFIED = "stratified", _("Blokrandomisering stratificeret efter kommune")
    UPLOADED = "uploaded", _("Uploadet allokeringsliste")


class Arm(models.TextChoices):
    INTERVENTION = "intervention", _("Indsatsgruppe")
    COMPARISON = "comparison", _("Sammenligningsgruppe")


class Randomisation(models.Model):
    """How the children of a randomised study are allocated: a sequence made in Indsats from a seed, or
    a list made elsewhere and uploaded with who made it and when. Stored once, never changed; each
    position is revealed only when a child is enrolled (allocation concealment)."""

    study = models.OneToOneField(
        Study, on_delete=models.PROTECT, related_name="randomisation", verbose_name=_("effektstudie")
    )
    method = models.CharField(_("metode"), max_length=12, choices=AllocationMethod.choices)
    seed = models.BigIntegerField(_("startværdi (seed)"), null=True, blank=True)
    block_size = models.PositiveSmallIntegerField(_("blokstørrelse"), null=True, blank=True)
    made_by = models.CharField(_("lodtrækning udført af"), max_length=200)
    made_at = models.DateTimeField(_("lodtrækning udført"))
    sequence_sha256 = models.CharField(_("allokeringsliste (sha256)"), max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("registreret"), auto_now_add=True)

    class Meta:
        verbose_name = _("lodtrækning")
        verbose_name_plural = _("lodtrækninger")

    def __str__(self) -> str:
        return _("Lodtrækning for %(study)s") % {"study": self.study}


class Allocation(models.Model):
    """One position of the allocation list: its arm, concealed until a child is enrolled into it."""

    randomisation = models.ForeignKey(Randomisation, on_delete=models.CASCADE, related_name="allocations")
    stratum = models.CharField(_("stratum"), max_length=20, blank=True)
    position = models.PositiveIntegerField(_("plads"))
    arm = models.CharField(_("gruppe"), max_length=12, choices=Arm.choices)
    participant = models.ForeignKey(
        "outcomes.Participant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    allocated_at = models.DateTimeField(_("tildelt"), null=True, blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["randomisation", "stratum", "position"]
        verbose_name = _("allokering")
        verbose_name_plural = _("allokeringer")
        constraints = [
            models.UniqueConstraint(
                fields=["randomisation", "stratum", "position"], name="evaluation_allocation_position_once"
            ),
            models.UniqueConstraint(
                fields=["randomisation", "participant"],
                condition=models.Q(participant__isnull=False),
                name="evaluation_allocation_child_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stratum or '-'} #{self.position}"


class RatingLevel(models.TextChoices):
    """The evidence rating of an intervention as a whole (learning from EIF, Blueprints and CEBC)."""

    WELL_SUPPORTED = "4", _("Veldokumenteret virkning")
    SUPPORTED = "3", _("Dokumenteret virkning")
    PRELIMINARY = "2", _("Foreløbig dokumentation")
    NOT_SHOWN = "NL2", _("Virkning ikke påvist")
    HARMFUL = "NE", _("Skadelig eller uden virkning")
    NOT_RATED = "NR", _("Kan ikke vurderes")


class RatingDecision(models.Model):
    """The agency's own rating of an intervention where it departs from the proposal, with a reason."""

    intervention = models.ForeignKey(
        "interventions.Intervention", on_delete=models.CASCADE, related_name="+", verbose_name=_("indsats")
    )
    level = models.CharField(_("evidensvurdering"), max_length=3, choices=RatingLevel.choices)
    lasting = models.BooleanField(_("varig virkning (mindst 12 måneder)"), default=False)
    proposed_level = models.CharField(_("foreslået"), max_length=3, choices=RatingLevel.choices)
    reason = models.TextField(_("begrundelse"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("besluttet"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("evidensvurdering")
        verbose_name_plural = _("evidensvurderinger")
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="evaluation_rating_decision_reason")
        ]

    def __str__(self) -> str:
        return f"{self.intervention}: {self.level}"


class Analysis(models.Model):
    """One run of the engine for a study; its numbers never change once stored."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="analyses")
    method = models.CharField(_("metode"), max_length=40)
    result = models.JSONField(_("resultat"))
    n = models.PositiveIntegerField(_("antal børn"))
    warnings = models.JSONField(_("advarsler"), default=list)
    inputs_hash = models.CharField(_("inddata (sha256)"), max_length=64)
    engine_version = models.CharField(_("motorversion"), max_length=20)
    seed = models.BigIntegerField(_("startværdi (seed)"))
    evidence_level = models.PositiveSmallIntegerField(_("evidensniveau"))
    proposed_grade = models.CharField(_("foreslået vurdering"), max_length=1, choices=Grade.choices)
    grade = models.CharField(_("vurdering"), max_length=1, choices=Grade.choices)
    grade_reason = models.TextField(_("begrundelse for vurdering"), blank=True)
    design_notes = models.JSONField(_("bemærkninger til designet"), default=list)
    clustered = models.BooleanField(_("klyngerobuste standardfejl"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("beregnet"), auto_now_add=True)

    AUDIT_EXCLUDE = ("result",)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("analyse")
        verbose_name_plural = _("analyser")

    def __str__(self) -> str:
        return _("Analyse %(id)s af %(study)s") % {"id": self.pk, "study": self.study}


class Exposure(models.Model):
    """How much of the intervention one child received and how faithfully it was delivered.

    The process-oriented part of an effect study: dose (sessions or hours received) and fidelity (the
    share of the core elements delivered as the manual describes, 0 to 1), per pseudonymised participant
    and intervention. Either may be unknown.
    """

    intervention = models.ForeignKey(
        "interventions.Intervention", on_delete=models.CASCADE, related_name="+", verbose_name=_("indsats")
    )
    participant = models.ForeignKey(
        "outcomes.Participant",
        on_delete=models.CASCADE,
        related_name="exposures",
        verbose_name=_("deltager"),
    )
    sessions = models.PositiveIntegerField(_("modtagne sessioner"), null=True, blank=True)
    fidelity = models.FloatField(_("tro mod modellen (0-1)"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("dosis og troskab")
        verbose_name_plural = _("dosis og troskab")
        constraints = [
            models.UniqueConstraint(fields=["intervention", "participant"], name="exposure_once_per_child"),
            models.CheckConstraint(
                condition=models.Q(fidelity__isnull=True) | models.Q(fidelity__gte=0, fidelity__lte=1),
                name="exposure_fidelity_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} / {self.intervention}"


class ReportKind(models.TextChoices):
    MIDTERM = "midtvejs", _("Midtvejsevaluering")
    FINAL = "slut", _("Slutevaluering")


class RenderStatus(models.TextChoices):
    QUEUED = "queued", _("I kø")
    RUNNING = "running", _("Dannes")
    DONE = "done", _("Færdig")
    FAILED = "failed", _("Fejlede")


class RenderedReport(models.Model):
    """The PDF of one analysis's report in one kind and language, rendered by a background worker.

    An analysis's numbers never change once stored, so a finished PDF is served again as it is. The file
    is kept in the database (never under a guessable name in MEDIA) and is served only through the
    analysis's own permission check."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="rendered_reports")
    kind = models.CharField(_("rapporttype"), max_length=10, choices=ReportKind.choices)
    language = models.CharField(_("sprog"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=RenderStatus.choices, default=RenderStatus.QUEUED
    )
    pdf = models.BinaryField(_("PDF"), null=True, editable=False)
    error = models.TextField(_("fejl"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    finished_at = models.DateTimeField(_("færdig"), null=True, blank=True)

    AUDIT_EXCLUDE = ("pdf",)

    class Meta:
        verbose_name = _("dannet rapport")
        verbose_name_plural = _("dannede rapporter")
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "kind", "language"], name="evaluation_rendered_report_once"
            )
        ]

    def __str__(self) -> str:
        return _("Rapport %(kind)s (%(language)s) af analyse %(id)s") % {
            "kind": self.kind,
            "language": self.language,
            "id": self.analysis_id,
        }

    @property
    def is_finished(self) -> bool:
        return self.status in {RenderStatus.DONE, RenderStatus.FAILED}
