"""Result documentation: instruments, pseudonymised participants, measurement rounds and measurements.

No CPR number is ever stored: a participant is a keyed pseudonym (engine/cpr.py) scoped to its
municipality, with the birth year and sex derived from the number; the age at each measurement is kept
on the measurement.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indsats.outcomes.measurement_fields import AnswersField, BandsField, ScoresField


class InstrumentList(models.TextChoices):
    """The agency's lists: the short list services must use ("follow or explain"), the longer list."""

    SHORT = "short", _("Kortlisten (følg eller forklar)")
    LONG = "long", _("Den lange liste")
    NONE = "none", _("Ikke på en liste")


class Instrument(models.Model):
    """One version of a questionnaire instrument, its definition stored as data (docs/instruments.md)."""

    key = models.CharField(_("nøgle"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("navn"), max_length=200)
    definition = models.JSONField(_("definition"))
    list_status = models.CharField(
        _("liste"), max_length=10, choices=InstrumentList.choices, default=InstrumentList.NONE
    )
    is_active = models.BooleanField(_("i brug"), default=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    AUDIT_EXCLUDE = ("definition",)

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("måleredskab")
        verbose_name_plural = _("måleredskaber")
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="outcomes_instrument_unique")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class SourceSystem(models.TextChoices):
    DUBU = "dubu", _("DUBU")
    SBSYS = "sbsys", _("SBSYS")
    OTHER = "other", _("Andet")


class ColumnMapping(models.Model):
    """A municipality's saved mapping from the columns of a case system's export to Indsats' columns."""

    municipality = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("kommune")
    )
    source_system = models.CharField(_("fagsystem"), max_length=10, choices=SourceSystem.choices)
    instrument_key = models.CharField(_("måleredskab"), max_length=60)
    # {column in the file: Indsats column ("cpr", "dato" or an item key); "" = ignore the column}
    mapping = models.JSONField(_("kolonner"), default=dict)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        verbose_name = _("kolonneopsætning")
        verbose_name_plural = _("kolonneopsætninger")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "source_system", "instrument_key"], name="outcomes_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.get_source_system_display()} ({self.instrument_key})"


class Sex(models.TextChoices):
    MALE = "male", _("Dreng")
    FEMALE = "female", _("Pige")


class Participant(models.Model):
    """A child or young person, known only by a keyed pseudonym within one municipality."""

    # no database constraint or own index: see docs/ARCHITECTURE.md, "Referential integrity of outcomes"
    # (the unique (municipality, pseudonym) serves lookups by municipality)
    municipality = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="outcome_participants",
        verbose_name=_("kommune"),
        db_constraint=False,
        db_index=False,
    )
    pseudonym = models.CharField(_("pseudonym"), max_length=64)
    birth_year = models.PositiveSmallIntegerField(_("fødselsår"))
    sex = models.CharField(_("køn"), max_length=6, choices=Sex.choices)
    local_reference = models.CharField(
        _("lokal reference"),
        max_length=40,
        blank=True,
        default="",
        help_text=_("Kommunens eget sags- eller journalnummer. Aldrig et CPR-nummer."),
    )
    interventions = models.ManyToManyField(
        "interventions.Intervention",
        through="Enrolment",
        related_name="outcome_participants",
        verbose_name=_("indsatser"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["municipality", "pseudonym"]
        verbose_name = _("deltager")
        verbose_name_plural = _("deltagere")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "pseudonym"], name="outcomes_participant_unique")
        ]
        # only the few children with a reference: an import's million rows (no reference) skip the index
        indexes = [
            models.Index(
                fields=["local_reference"],
                condition=~Q(local_reference=""),
                name="outcomes_participant_localref",
            )
        ]

    def __str__(self) -> str:
        return _("Deltager %(code)s") % {"code": self.short_code}

    @property
    def short_code(self) -> str:
        """The first characters of the pseudonym: enough to tell participants apart on screen."""
        return self.pseudonym[:10]


class Enrolment(models.Model):
    """A participant takes part in an intervention."""

    # no database constraints (docs/ARCHITECTURE.md); the unique (participant, intervention) is the index
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="enrolments",
        db_constraint=False,
        db_index=False,
    )
    intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.PROTECT,
        related_name="outcome_enrolments",
        db_constraint=False,
    )
    # Denormalised from the participant (never changes): "the interventions a municipality takes part in"
    # is read from the (municipality, intervention) index, not by joining every enrolled child.
    municipality = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    enrolled_on = models.DateField(_("startdato"), null=True, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("deltagelse")
        verbose_name_plural = _("deltagelser")
        constraints = [
            models.UniqueConstraint(fields=["participant", "intervention"], name="outcomes_enrolment_unique")
        ]
        indexes = [models.Index(fields=["municipality", "intervention"], name="outcomes_enrol_muni_interv")]

    def __str__(self) -> str:
        return f"{self.participant} / {self.intervention}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.municipality_id is None:
            self.municipality_id = self.participant.municipality_id
        super().save(*args, **kwargs)


class RoundKind(models.TextChoices):
    BASELINE = "baseline", _("Før (baseline)")
    MONTH_3 = "m3", _("3 måneder")
    MONTH_6 = "m6", _("6 måneder")
    MONTH_12 = "m12", _("12 måneder")
    FOLLOW_UP = "followup", _("Opfølgning")


class MeasurementRound(models.Model):
    """A fixed point of measurement in an intervention, with the dates its answers must fall within."""

    intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.CASCADE,
        related_name="measurement_rounds",
        verbose_name=_("indsats"),
    )
    kind = models.CharField(_("målepunkt"), max_length=10, choices=RoundKind.choices)
    opens_on = models.DateField(_("åbner"))
    closes_on = models.DateField(_("lukker"))
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    class Meta:
        ordering = ["intervention", "order", "opens_on"]
        verbose_name = _("målerunde")
        verbose_name_plural = _("målerunder")
        constraints = [
            models.UniqueConstraint(fields=["intervention", "kind"], name="outcomes_round_unique"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="outcomes_round_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intervention}: {self.get_kind_display()}"


class ScoreSlot(models.Model):
    """The element of ``Measurement.scores`` and ``.bands`` that holds a score key on PostgreSQL (the id),
    one numbering for all instruments (outcomes/measurement_fields.py). Rows are only ever added."""

    key = models.CharField(max_length=60, unique=True)

    class Meta:
        verbose_name = _("scoreplads")
        verbose_name_plural = _("scorepladser")

    def __str__(self) -> str:
        return f"{self.pk}: {self.key}"


class Measurement(models.Model):
    """One questionnaire answered for one participant in one round: raw answers and the engine's scores.

    Append-only in bulk (the import), so no foreign key is a database constraint: each one would cost a
    check per row at commit (10 s per million rows for one key). What guards the references instead is in
    docs/ARCHITECTURE.md, "Referential integrity of outcomes". Django still applies ``on_delete``.
    """

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="measurements",
        db_constraint=False,
        db_index=False,  # the unique (participant, round, instrument) leads with it
    )
    round = models.ForeignKey(
        MeasurementRound, on_delete=models.PROTECT, related_name="measurements", db_constraint=False
    )
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        related_name="measurements",
        db_constraint=False,
        db_index=False,  # an instrument with measurements is never deleted; no read filters on it alone
    )
    # Denormalised from the participant: every read is scoped by municipality without a join.
    municipality = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,  # (municipality, round) leads with it
    )
    measured_on = models.DateField(_("dato"))
    age = models.PositiveSmallIntegerField(_("alder"), null=True, blank=True)
    answers = AnswersField(_("svar"), default=list)  # in instrument.item_keys order, None = missing
    scores = ScoresField(_("scorer"), default=dict)  # {score key: value or None}
    bands = BandsField(_("bånd"), default=dict)  # {score key: band code}
    engine_version = models.CharField(max_length=20, blank=True)
    # which import wrote it (provenance). A job with measurements is never deleted (only imports that
    # wrote nothing are purged), so nothing needs to follow a deletion, and no index is kept for one.
    import_job = models.ForeignKey(
        "ImportJob",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="measurements",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["round__order", "measured_on"]
        verbose_name = _("måling")
        verbose_name_plural = _("målinger")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "round", "instrument"], name="outcomes_measurement_unique"
            )
        ]
        indexes = [models.Index(fields=["municipality", "round"], name="outcomes_meas_muni_round")]

    def __str__(self) -> str:
        return f"{self.participant}, {self.round}, {self.instrument.key}"


class InstrumentExplanation(models.Model):
    """Why a municipality documents an intervention without a short-list instrument ("follow or explain")."""

    municipality = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    intervention = models.ForeignKey("interventions.Intervention", on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("begrundelse"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("begrundelse for måleredskab")
        verbose_name_plural = _("begrundelser for måleredskaber")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "intervention", "instrument"], name="outcomes_explanation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.instrument}"


class EvaluatorAssignment(models.Model):
    """An evaluator organisation is assigned to study an intervention and may export its pseudonymised data.

    Stand-in until the evaluation app models studies: then this becomes "assigned to a study".
    """

    evaluator = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    intervention = models.ForeignKey("interventions.Intervention", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluatortilknytning")
        verbose_name_plural = _("evaluatortilknytninger")
        constraints = [
            models.UniqueConstraint(fields=["evaluator", "intervention"], name="outcomes_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} / {self.intervention}"


class ImportStatus(models.TextChoices):
    INVALID = "invalid", _("Fejl i filen")
    VALIDATED = "validated", _("Klar til import")
    QUEUED = "queued", _("I kø")
    RUNNING = "running", _("Importeres")
    DONE = "done", _("Importeret")
    FAILED = "failed", _("Mislykkedes")
    ABORTED = "aborted", _("Afbrudt")


class ImportJob(models.Model):
    """A bulk import: validated in full before anything is written, then committed all or nothing.

    ``payload`` holds the validated, already pseudonymised rows (never a CPR number) between the preview
    and the commit; it is emptied when the import is done.
    """

    municipality = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(MeasurementRound, on_delete=models.PROTECT, related_name="import_jobs")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(_("fil"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices)
    total_rows = models.PositiveIntegerField(_("rækker"), default=0)
    done_rows = models.PositiveIntegerField(_("importeret"), default=0)
    errors = models.JSONField(_("fejl"), default=list, blank=True)  # [{"row", "column", "message"}]
    error_count = models.PositiveIntegerField(default=0)
    preview = models.JSONField(default=list, blank=True)  # the first rows, pseudonymised
    payload = models.BinaryField(null=True, blank=True, editable=False)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    finished_at = models.DateTimeField(_("afsluttet"), null=True, blank=True)

    AUDIT_EXCLUDE = ("payload", "errors", "preview")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("importer")

    def __str__(self) -> str:
        return _("Import af %(file)s") % {"file": self.file_name}

    @property
    def percent(self) -> int:
        return int(100 * self.done_rows / self.total_rows) if self.total_rows else 0

    @property
    def is_finished(self) -> bool:
        return self.status in {
            ImportStatus.DONE,
            ImportStatus.FAILED,
            ImportStatus.INVALID,
            ImportStatus.ABORTED,
        }


class RetentionPolicy(models.Model):
    """How long an intervention's outcome data is kept after the last measurement (days)."""

    intervention = models.OneToOneField(
        "interventions.Intervention", on_delete=models.CASCADE, related_name="outcome_retention"
    )
    retention_days = models.PositiveIntegerField(_("opbevaringstid i dage"))

    class Meta:
        verbose_name = _("opbevaringstid")
        verbose_name_plural = _("opbevaringstider")

    def __str__(self) -> str:
        return f"{self.intervention}: {self.retention_days}"


class InsightVersion(models.Model):
    """How far an intervention's measurements with one instrument have changed, and how far its insight
    summary has caught up: ``version`` is bumped in the transaction of every write that adds or deletes
    such measurements, ``summary_version`` is the version the summary rows were computed at (None: never).
    The insight page reads the summary only when the two are equal and the baseline is the one the
    summary was computed against; otherwise it computes the figures from the measurements."""

    intervention = models.ForeignKey("interventions.Intervention", on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    version = models.BigIntegerField(default=0)
    summary_version = models.BigIntegerField(null=True, blank=True)
    summary_baseline = models.ForeignKey(
        MeasurementRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    # the intervention's EnrolmentVersion.version when the completeness counts were computed (None: never)
    summary_enrolment_version = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "instrument"], name="outcomes_insightversion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.intervention_id}/{self.instrument_id}: {self.version} ({self.summary_version})"


class InsightSummary(models.Model):
    """The insight page's figures per (intervention, instrument, score, round, municipality), kept current
    by outcomes.services.insight_summary: for ``kind`` 0 the children with the score (number, mean, sum
    of squared deviations), for ``kind`` 1 the children measured in the round and at baseline (number,
    mean and sum of squared deviations of the change, pairs with a band at both times, pairs with a
    better band). A few hundred rows per intervention, whatever the number of measurements."""

    intervention = models.ForeignKey("interventions.Intervention", on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    score_key = models.CharField(max_length=60)
    kind = models.PositiveSmallIntegerField()  # 0: level, 1: change from baseline
    round = models.ForeignKey(MeasurementRound, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    n = models.IntegerField()
    mean = models.FloatField()
    squares = models.FloatField()
    band_pairs = models.IntegerField(default=0)
    better = models.IntegerField(default=0)
    version = models.BigIntegerField()  # InsightVersion.version when computed
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["intervention", "instrument", "score_key"], name="outcomes_insightsummary_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.intervention_id}/{self.instrument_id}/{self.score_key}/{self.round_id}"


class EnrolmentVersion(models.Model):
    """How far an intervention's enrolments have changed: bumped in the transaction of every write that
    adds or deletes enrolments (outcomes.services.insight_summary.enrolments_changed). The completeness
    page reads CompletenessSummary only when this equals the version its counts were computed at."""

    intervention = models.OneToOneField(
        "interventions.Intervention", on_delete=models.CASCADE, related_name="+"
    )
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.intervention_id}: {self.version}"


class CompletenessSummary(models.Model):
    """The completeness page's counts per (intervention, instrument, municipality, round), kept current
    with InsightSummary by outcomes.services.insight_summary: with ``round`` empty, the municipality's
    children enrolled in the intervention; with a round, those of them measured with the instrument in
    it (rows only where some are). A row per municipality and round, whatever the number of children."""

    intervention = models.ForeignKey("interventions.Intervention", on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(
        MeasurementRound, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["intervention", "instrument"], name="outcomes_completeness_key")]

    def __str__(self) -> str:
        return f"{self.intervention_id}/{self.instrument_id}/{self.municipality_id}/{self.round_id}: {self.n}"


class MunicipalityTotals(models.Model):
    """A municipality's children and measurements as the front page shows them, recounted at the end of
    every write that adds or deletes either, under a lock of this row (outcomes.totals): equal to a live
    count once the write commits, and read as one row whatever the number of children."""

    municipality = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    participants = models.BigIntegerField(_("børn"), default=0)
    measurements = models.BigIntegerField(_("målinger"), default=0)

    class Meta:
        verbose_name = _("kommunens antal børn og målinger")
        verbose_name_plural = _("kommunernes antal børn og målinger")

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.participants} / {self.measurements}"
