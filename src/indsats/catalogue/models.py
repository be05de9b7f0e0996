"""The public knowledge catalogue: published versions of intervention descriptions.

A publication is the public entry of one intervention (its slug, whether it is withdrawn and why); a
published version is an immutable snapshot of everything the public page shows, taken when the agency
publishes. Public pages, feeds and the API read only published versions, never the live register, so a
draft or an unpublished change cannot leak. The columns beside the snapshot (name, ages, phase, rating,
cost band, problem areas, municipalities, search text) copy the current version for searching and
filtering.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import Organisation
from indsats.interventions.models import Intervention, ProblemArea


class CostBand(models.TextChoices):
    """Cost per participant in bands, like the EIF Guidebook's relative cost rating."""

    LOW = "low", _("Under 10.000 kr.")
    MEDIUM = "medium", _("10.000-50.000 kr.")
    HIGH = "high", _("Over 50.000 kr.")
    UNKNOWN = "unknown", _("Ikke opgjort")


class Publication(models.Model):
    """The public entry of one intervention in the catalogue."""

    AUDIT_EXCLUDE = ("search_vector", "search_text")

    intervention = models.OneToOneField(
        Intervention, on_delete=models.PROTECT, related_name="publication", verbose_name=_("indsats")
    )
    slug = models.SlugField(_("adresse"), max_length=120, unique=True)
    # a copy of the current version, for search and filters
    name = models.CharField(_("navn"), max_length=200)
    summary = models.CharField(_("resumé"), max_length=300)
    search_text = models.TextField(_("søgetekst"), blank=True)
    # PostgreSQL only: the name (weight A) and search text (B) as a tsvector with the danish
    # configuration, written on publish, so a search does not stem 1,000 descriptions on every query.
    search_vector = SearchVectorField(null=True, editable=False)
    age_from = models.PositiveSmallIntegerField(_("alder fra"))
    age_to = models.PositiveSmallIntegerField(_("alder til"))
    phase = models.CharField(_("fase"), max_length=20)
    evidence_grade = models.CharField(_("evidens"), max_length=1, blank=True)
    cost_band = models.CharField(_("udgift pr. deltager"), max_length=10, choices=CostBand.choices)
    problem_areas = models.ManyToManyField(ProblemArea, related_name="+", blank=True)
    municipalities = models.ManyToManyField(Organisation, related_name="+", blank=True)
    outcome_domains = models.JSONField(_("udfaldsområder"), default=list)
    current_version = models.PositiveIntegerField(_("nuværende version"), default=1)
    first_published_at = models.DateTimeField(_("først offentliggjort"))
    updated_at = models.DateTimeField(_("senest ændret"))
    withdrawn_at = models.DateTimeField(_("trukket tilbage"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("begrundelse for tilbagetrækning"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("offentliggørelse")
        verbose_name_plural = _("offentliggørelser")
        indexes = [models.Index(fields=["withdrawn_at", "name"], name="publication_listed_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalogue:detail", args=[self.slug])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class PublishedVersion(models.Model):
    """One published version of an intervention description. Written once, never changed."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("indhold"))
    change_note = models.TextField(_("ændringsnote"))
    published_at = models.DateTimeField(_("offentliggjort"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_by_name = models.CharField(max_length=200, blank=True)

    AUDIT_EXCLUDE = ("snapshot",)

    class Meta:
        ordering = ["publication", "-number"]
        verbose_name = _("offentliggjort version")
        verbose_name_plural = _("offentliggjorte versioner")
        constraints = [
            models.UniqueConstraint(fields=["publication", "number"], name="published_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.publication} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("catalogue:version", args=[self.publication.slug, self.number])


class PublishedDocument(models.Model):
    """A document chosen for a published version (manual, material, report), copied in as it was, so
    each version keeps its own file even when the register's material changes later."""

    version = models.ForeignKey(PublishedVersion, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("titel"), max_length=200)
    kind = models.CharField(_("type"), max_length=20)
    filename = models.CharField(_("filnavn"), max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField(_("indhold"))
    size = models.PositiveIntegerField(_("størrelse (bytes)"))
    sha256 = models.CharField(max_length=64)

    AUDIT_EXCLUDE = ("content",)

    class Meta:
        ordering = ["version", "kind", "title"]
        verbose_name = _("offentliggjort dokument")
        verbose_name_plural = _("offentliggjorte dokumenter")

    def __str__(self) -> str:
        return self.title
