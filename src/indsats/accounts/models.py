"""Organisations (the agency, the 98 municipalities, evaluators, foundations), people and their roles."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indsats.ui.choices import ChoiceLabels


class Region(models.TextChoices):
    """The five Danish regions, by their official region codes."""

    NORDJYLLAND = "1081", _("Region Nordjylland")
    MIDTJYLLAND = "1082", _("Region Midtjylland")
    SYDDANMARK = "1083", _("Region Syddanmark")
    HOVEDSTADEN = "1084", _("Region Hovedstaden")
    SJAELLAND = "1085", _("Region Sjælland")


class OrganisationKind(models.TextChoices):
    AGENCY = "agency", _("Styrelse")
    MUNICIPALITY = "municipality", _("Kommune")
    REGION = "region", _("Region")
    SERVICE_PROVIDER = "service_provider", _("Socialt tilbud")
    EVALUATOR = "evaluator", _("Ekstern evaluator")
    FOUNDATION = "foundation", _("Fond")
    CIVIL_SOCIETY = "civil_society", _("Civilsamfund")
    RESEARCH = "research", _("Forskningsinstitution")
    STEERING_GROUP = "steering_group", _("Styregruppe")


class Organisation(models.Model):
    name = models.CharField(_("navn"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationKind.choices)
    municipality_code = models.CharField(
        _("kommunekode"),
        max_length=3,
        blank=True,
        help_text=_("Den officielle tre-cifrede kommunekode, fx 101 for København."),
    )
    region = models.CharField(_("region"), max_length=4, choices=Region.choices, blank=True)
    cvr = models.CharField(_("CVR-nummer"), max_length=8, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality_code"],
                condition=~Q(municipality_code=""),
                name="organisation_unique_municipality_code",
            ),
            models.CheckConstraint(
                condition=~Q(kind="municipality") | (~Q(municipality_code="") & ~Q(region="")),
                name="organisation_municipality_has_code_and_region",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_municipality(self) -> bool:
        return self.kind == OrganisationKind.MUNICIPALITY


class User(AbstractUser):
    """A person who logs in. What they may do follows from their memberships (roles in organisations)."""

    email = models.EmailField(_("e-mail"), blank=True)
    title = models.CharField(_("stilling"), max_length=120, blank=True)

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        verbose_name = _("person")
        verbose_name_plural = _("personer")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


# Whoever a request comes from: a signed-in person, or an anonymous visitor (public pages, the log-in page).
Visitor: TypeAlias = User | AnonymousUser


class Role(models.TextChoices):
    AGENCY_ADMIN = "agency_admin", _("Administrator i styrelsen")
    AGENCY_STAFF = "agency_staff", _("Medarbejder i styrelsen")
    MUNICIPALITY_MANAGER = "municipality_manager", _("Leder i kommune")
    CASEWORKER = "caseworker", _("Sagsbehandler")
    EVALUATOR = "evaluator", _("Evaluator")
    ECONOMIST = "economist", _("Økonom")
    STEERING_GROUP = "steering_group", _("Medlem af styregruppen")
    FOUNDATION = "foundation", _("Fondsmedarbejder")
    REGION_MANAGER = "region_manager", _("Leder i region")
    PROVIDER_MANAGER = "provider_manager", _("Leder af socialt tilbud")


# Which organisation kinds a role can be held in: a caseworker works in a municipality, and so on.
ROLE_ORGANISATION_KINDS: dict[str, frozenset[str]] = {
    Role.AGENCY_ADMIN: frozenset({OrganisationKind.AGENCY}),
    Role.AGENCY_STAFF: frozenset({OrganisationKind.AGENCY}),
    Role.MUNICIPALITY_MANAGER: frozenset({OrganisationKind.MUNICIPALITY}),
    Role.CASEWORKER: frozenset({OrganisationKind.MUNICIPALITY}),
    Role.EVALUATOR: frozenset(
        {OrganisationKind.EVALUATOR, OrganisationKind.RESEARCH, OrganisationKind.AGENCY}
    ),
    Role.ECONOMIST: frozenset(
        {OrganisationKind.EVALUATOR, OrganisationKind.RESEARCH, OrganisationKind.AGENCY}
    ),
    Role.STEERING_GROUP: frozenset(OrganisationKind.values),
    Role.FOUNDATION: frozenset({OrganisationKind.FOUNDATION, OrganisationKind.CIVIL_SOCIETY}),
    Role.REGION_MANAGER: frozenset({OrganisationKind.REGION}),
    Role.PROVIDER_MANAGER: frozenset({OrganisationKind.SERVICE_PROVIDER}),
}


class Membership(ChoiceLabels, models.Model):
    """A person holds a role in an organisation. A person may hold several."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("rolle"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}, {self.organisation}"

    def clean(self) -> None:
        """The role must fit the organisation: a caseworker belongs to a municipality, and so on."""
        if self.organisation_id is None or not self.role:
            return
        if self.organisation.kind not in ROLE_ORGANISATION_KINDS.get(self.role, frozenset()):
            raise ValidationError(
                {
                    "role": _("Rollen “%(role)s” kan ikke have en %(kind)s som organisation.")
                    % {"role": Role(self.role).label, "kind": self.organisation.get_kind_display().lower()}
                }
            )
