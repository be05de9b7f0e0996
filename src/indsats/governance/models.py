"""The steering group's record: meetings with their agenda and members present, each item's collective
decision (votes or consensus, who chaired, who stood aside for a conflict of interest)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from indsats.governance.workflow import MeetingStatus
from indsats.interventions.workflow import action_label


class Meeting(models.Model):
    """A steering-group meeting. `quorum` is the number of members present (and not standing aside) an
    item needs before it can be decided; it is fixed when the meeting is planned (settings'
    STEERING_GROUP_QUORUM, or a majority of the members) so the record shows the rule that applied."""

    held_on = models.DateField(_("dato"))
    location = models.CharField(_("sted"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    quorum = models.PositiveSmallIntegerField(_("beslutningsdygtig ved"))
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mødeleder"),
    )
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meetings_attended", verbose_name=_("fremmødte"), blank=True
    )
    minutes_status = models.CharField(_("referat"), max_length=20, blank=True)
    minutes_pdf = models.BinaryField(_("referat (PDF)"), null=True, editable=False)
    minutes_sha256 = models.CharField(_("referatets sha256"), max_length=64, blank=True)
    minutes_error = models.TextField(_("fejl"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    AUDIT_EXCLUDE = ("minutes_pdf",)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("styregruppemøde")
        verbose_name_plural = _("styregruppemøder")
        constraints = [
            models.CheckConstraint(condition=Q(quorum__gte=1), name="meeting_quorum_positive"),
            models.CheckConstraint(condition=Q(status__in=MeetingStatus.values), name="meeting_status_valid"),
        ]

    def __str__(self) -> str:
        return str(_("Styregruppemøde %(date)s") % {"date": self.held_on.strftime("%d.%m.%Y")})


class ItemKind(models.TextChoices):
    GATE_REVIEW = "gate_review", _("Gate review")
    ALLOCATION = "allocation", _("Årets udmøntning")
    OTHER = "other", _("Andet punkt")


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("punkt nr."))
    kind = models.CharField(_("type"), max_length=20, choices=ItemKind.choices)
    title = models.CharField(_("overskrift"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    gate_review = models.ForeignKey(
        "interventions.GateReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("gate review"),
    )
    programme_year = models.ForeignKey(
        "grants.ProgrammeYear",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("programår"),
    )

    class Meta:
        ordering = ["meeting", "position"]
        verbose_name = _("dagsordenspunkt")
        verbose_name_plural = _("dagsordenspunkter")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_item_position_unique"),
            models.CheckConstraint(
                condition=~Q(kind="gate_review") | Q(gate_review__isnull=False),
                name="agenda_item_gate_review_named",
            ),
            models.CheckConstraint(
                condition=~Q(kind="allocation") | Q(programme_year__isnull=False),
                name="agenda_item_programme_year_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.heading}"

    @property
    def heading(self) -> str:
        """The title to show: a gate review's default title (the review itself, stored in the language of
        whoever planned the item) is named again in the reader's language; a title someone typed stays."""
        if self.gate_review_id is not None:
            defaults = set()
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    defaults.add(str(self.gate_review))
            if self.title in defaults:
                return str(self.gate_review)
        return self.title


class Recusal(models.Model):
    """A member stands aside from an item for a conflict of interest (inhabilitet): no vote, and the
    member does not count towards the quorum of that item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="recusals")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("medlem")
    )
    reason = models.CharField(_("begrundelse"), max_length=500)

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("inhabilitet")
        verbose_name_plural = _("inhabiliteter")
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="recusal_unique")]

    def __str__(self) -> str:
        return f"{self.member}: {self.reason}"


class ItemDecision(models.Model):
    """The steering group's decision on one agenda item, taken collectively: by consensus or by the votes
    of every member present who did not stand aside."""

    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(_("afgørelse"), max_length=40)
    text = models.TextField(_("begrundelse"))
    by_consensus = models.BooleanField(_("i enighed"), default=False)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("mødeleder")
    )
    members_eligible = models.PositiveSmallIntegerField(_("stemmeberettigede"))
    gate_decision = models.OneToOneField(
        "interventions.GateDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_decision",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("besluttet"), default=timezone.now)

    class Meta:
        ordering = ["item"]
        verbose_name = _("beslutning")
        verbose_name_plural = _("beslutninger")

    def __str__(self) -> str:
        return f"{self.item}: {self.outcome}"

    @property
    def outcome_label(self) -> str:
        """A gate decision's action in words (Godkend, Afvis, ...); any other outcome as written."""
        return action_label(self.outcome)


class Position(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Imod")
    ABSTAIN = "abstain", _("Undlod at stemme")


class Vote(models.Model):
    decision = models.ForeignKey(ItemDecision, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("medlem")
    )
    position = models.CharField(_("stemme"), max_length=10, choices=Position.choices)

    class Meta:
        ordering = ["decision", "id"]
        verbose_name = _("stemme")
        verbose_name_plural = _("stemmer")
        constraints = [
            models.UniqueConstraint(fields=["decision", "member"], name="vote_one_per_member"),
            models.CheckConstraint(condition=Q(position__in=Position.values), name="vote_position_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_position_display()}"


class AllocationScenario(models.Model):
    """A named run of the allocation helper for a programme year: its inputs (candidates, budget,
    must-include/exclude) with their sha256, the engine's result and version. The chosen scenario of a
    year drafts the steering group's recommendation."""

    programme_year = models.ForeignKey(
        "grants.ProgrammeYear", on_delete=models.CASCADE, related_name="allocation_scenarios"
    )
    name = models.CharField(_("navn"), max_length=200)
    budget = models.DecimalField(_("budget (kr.)"), max_digits=14, decimal_places=2)
    inputs = models.JSONField(_("input"))
    inputs_sha256 = models.CharField(_("inputs sha256"), max_length=64)
    result = models.JSONField(_("resultat"))
    engine_version = models.CharField(_("motorversion"), max_length=20)
    is_chosen = models.BooleanField(_("valgt"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)

    AUDIT_EXCLUDE = ("inputs", "result")

    class Meta:
        ordering = ["programme_year", "-created_at", "-id"]
        verbose_name = _("udmøntningsscenarie")
        verbose_name_plural = _("udmøntningsscenarier")
        constraints = [
            models.UniqueConstraint(
                fields=["programme_year", "name"], name="allocation_scenario_name_unique"
            ),
            models.UniqueConstraint(
                fields=["programme_year"], condition=Q(is_chosen=True), name="allocation_scenario_one_chosen"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def best(self) -> dict[str, Any]:
        combinations = self.result.get("combinations") or [{}]
        best: dict[str, Any] = combinations[0]
        return best
