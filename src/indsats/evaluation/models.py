"""Effect studies of interventions and the stored results of their analyses.

A study says how an intervention's effect is estimated (design, outcome, rounds, comparison,
covariates); an analysis is one run of the statistics engine on the pseudonymised scores, stored with
everything needed to trace and repeat its numbers (inputs hash, engine version, seed).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("effektstudie")
        verbose_name_plural = _("effektstudier")

    def __str__(self) -> str:
        return self.name

    @property
    def evidence_level(self) -> int:
        """Design level (SØM): 1 randomised, 2 quasi-experimental or with a control group, 3 before-after."""
        if self.design == Design.RANDOMISED:
            return 1
        if self.design in {Design.QUASI, Design.DIFFERENCE_IN_DIFFERENCES} or self.comparison_intervention_id:
            return 2
        return 3


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
