"""The price catalogue (versioned editions of unit prices with sources, a price index) and business cases.

A business case is stored as structured rows (``BusinessCase`` with ``CostLine`` and ``OutcomeLine``),
not as a JSON document: an outcome points at a ``UnitPrice`` of the catalogue (so the price, its year,
source and payer split follow the catalogue), the forms edit rows one by one, and the audit trail shows
which row changed. ``documents.case_document`` turns the rows into the engine's JSON document, which
``engine.investment.case_document.parse_case`` validates; that document is stored with every result,
so a result can be recomputed exactly from what was computed, whatever happened to the rows afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indsats.errors import DomainError
from indsats.ui.formatting import compact_number

PAYERS = ("kommune", "region", "stat")
SHARE_FIELDS = ("share_kommune", "share_region", "share_stat")


def check_shares(fields: Mapping[str, Any]) -> None:
    """The payer split (kommune, region, stat) must sum to 1 (100 %); the database holds the same rule."""
    total = sum((Decimal(fields.get(name) or 0) for name in SHARE_FIELDS), Decimal(0))
    if total != Decimal(1):
        raise DomainError(
            gettext(
                "Andelene for kommune, region og stat summerer til %(total)s; de skal summere til 1 "
                "(fx 0,6 + 0 + 0,4)."
            )
            % {"total": compact_number(total)},
            field="share_kommune",
        )


_SHARE_TOTAL = F("share_kommune") + F("share_region") + F("share_stat")
_SHARE_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]


class PriceCatalogue(models.Model):
    """One edition of the agency's price catalogue. A published edition is frozen; changes go into a new
    edition, which starts as a copy of the last one."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("titel"), max_length=200)
    note = models.TextField(_("bemærkning"), blank=True)
    is_published = models.BooleanField(_("offentliggjort"), default=False)
    published_at = models.DateTimeField(_("offentliggjort den"), null=True, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("priskatalog")
        verbose_name_plural = _("priskataloger")

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class UnitPrice(models.Model):
    """What one occurrence (or one year in a state) costs the public, in kroner of ``price_year``, split
    over the payers that bear it, with its source."""

    catalogue = models.ForeignKey(
        PriceCatalogue, on_delete=models.CASCADE, related_name="prices", verbose_name=_("priskatalog")
    )
    name = models.CharField(_("navn"), max_length=200)
    unit = models.CharField(_("enhed"), max_length=100, help_text=_("Fx ”pr. år i anbringelse”."))
    amount = models.DecimalField(
        _("beløb (kr.)"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Kroner pr. enhed i prisåret. En indtægt (fx skat) er et negativt beløb."),
    )
    price_year = models.PositiveIntegerField(
        _("prisår"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    share_kommune = models.DecimalField(
        _("andel kommune"), max_digits=5, decimal_places=4, default=Decimal(1), validators=_SHARE_VALIDATORS
    )
    share_region = models.DecimalField(
        _("andel region"), max_digits=5, decimal_places=4, default=Decimal(0), validators=_SHARE_VALIDATORS
    )
    share_stat = models.DecimalField(
        _("andel stat"), max_digits=5, decimal_places=4, default=Decimal(0), validators=_SHARE_VALIDATORS
    )
    source = models.TextField(_("kilde"), help_text=_("Hvor prisen kommer fra, så andre kan efterprøve den."))
    valid_from = models.DateField(_("gælder fra"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("enhedspris")
        verbose_name_plural = _("enhedspriser")
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "name"], name="unitprice_unique_name_per_edition"),
            # a tolerance, because SQLite keeps decimals as floating point numbers
            models.CheckConstraint(
                condition=Q(
                    GreaterThanOrEqual(_SHARE_TOTAL, Value(Decimal("0.9999"))),
                    LessThanOrEqual(_SHARE_TOTAL, Value(Decimal("1.0001"))),
                ),
                name="unitprice_shares_sum_to_one",
                violation_error_message=_("Andelene for kommune, region og stat skal tilsammen give 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    @property
    def payer_shares(self) -> dict[str, float]:
        """The non-zero shares by payer, as the engine reads them."""
        return {
            payer: float(getattr(self, f"share_{payer}"))
            for payer in PAYERS
            if getattr(self, f"share_{payer}")
        }


class PriceIndex(models.Model):
    """A net price index value for one year, used to convert prices to a case's price year."""

    year = models.PositiveIntegerField(
        _("år"), unique=True, validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    index = models.DecimalField(
        _("indeks"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    source = models.TextField(_("kilde"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("prisindeks")
        verbose_name_plural = _("prisindeks")

    def __str__(self) -> str:
        return f"{self.year}: {self.index}"


# --- business cases -------------------------------------------------------------------------------------


class Discount(models.TextChoices):
    FINANCE_MINISTRY = "dk-finance-ministry-2021", _("Finansministeriet 2021 (3,5 % / 2,5 % / 1,5 %)")
    FLAT_4 = "flat-4", _("Fast 4 %")
    FLAT_3_5 = "flat-3.5", _("Fast 3,5 %")
    FLAT_0 = "flat-0", _("Ingen diskontering (0 %)")
    GREEN_BOOK = "uk-green-book", _("HM Treasury Green Book")


class Payer(models.TextChoices):
    KOMMUNE = "kommune", _("Kommune")
    REGION = "region", _("Region")
    STAT = "stat", _("Stat")


class CostCategory(models.TextChoices):
    PREPARATION = "preparation", _("Forberedelse")
    TRAINING = "training", _("Uddannelse")
    OPERATION = "operation", _("Drift")
    EQUIPMENT = "equipment", _("Investering i materiel")


class CostBasis(models.TextChoices):
    AMOUNT = "amount", _("Beløb for hele casen pr. år")
    PER_PARTICIPANT = "per_participant", _("Beløb pr. deltager pr. år")


class EffectType(models.TextChoices):
    RELATIVE = "relative", _("Relativ (andel, fx −0,2 = 20 % færre)")
    ABSOLUTE = "absolute", _("Absolut (ændring pr. deltager pr. år)")


class BusinessCase(models.Model):
    """A business case for an intervention: who pays what and who gains what, year by year."""

    intervention = models.ForeignKey(
        "interventions.Intervention",
        on_delete=models.PROTECT,
        related_name="business_cases",
        verbose_name=_("indsats"),
    )
    name = models.CharField(_("navn"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True)
    municipality = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("kommune"),
        help_text=_("En kommunes lokale business case; tom for styrelsens (den nationale)."),
    )
    catalogue = models.ForeignKey(
        PriceCatalogue,
        on_delete=models.PROTECT,
        related_name="business_cases",
        verbose_name=_("priskatalog"),
        null=True,
        blank=True,
        help_text=_("Den version af priskataloget, som effekternes enhedspriser vælges fra."),
    )
    participants = models.PositiveIntegerField(
        _("deltagere"), validators=[MinValueValidator(1)], help_text=_("Antal børn og unge i forløbet.")
    )
    price_year = models.PositiveIntegerField(
        _("prisår"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    horizon_years = models.PositiveSmallIntegerField(
        _("tidshorisont (år)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    discount = models.CharField(
        _("diskontering"), max_length=40, choices=Discount.choices, default=Discount.FINANCE_MINISTRY
    )
    net_tax_factor = models.DecimalField(
        _("nettoafgiftsfaktor"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.28"),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(2))],
    )
    draws = models.PositiveIntegerField(
        _("Monte Carlo-træk"),
        default=10_000,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("0 til 1.000.000. Over 50.000 træk regnes i baggrunden."),
    )
    seed = models.PositiveIntegerField(_("startværdi (seed)"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("oprettet af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        ordering = ["intervention__name", "name"]
        verbose_name = _("business case")
        verbose_name_plural = _("business cases")

    def __str__(self) -> str:
        return self.name


class CostLine(models.Model):
    """One cost of the case, or (``is_base_alternative``) a cost that would have been spent anyway."""

    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="costs")
    position = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    name = models.CharField(_("navn"), max_length=200)
    activity = models.CharField(
        _("aktivitet"), max_length=300, blank=True, help_text=_("En af indsatsens registrerede aktiviteter.")
    )
    payer = models.CharField(_("betaler"), max_length=20, choices=Payer.choices, default=Payer.KOMMUNE)
    category = models.CharField(_("kategori"), max_length=20, choices=CostCategory.choices, blank=True)
    basis = models.CharField(
        _("grundlag"), max_length=20, choices=CostBasis.choices, default=CostBasis.AMOUNT
    )
    value = models.DecimalField(
        _("beløb (kr.)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    years = models.CharField(
        _("år"),
        max_length=200,
        default="0",
        help_text=_("Årstal fra 0 (første år), adskilt af komma, fx 0, 1, 2."),
    )
    is_base_alternative = models.BooleanField(
        _("basisalternativ"),
        default=False,
        help_text=_("En udgift, der var afholdt alligevel; den trækkes fra."),
    )
    source = models.TextField(_("kilde"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("omkostning")
        verbose_name_plural = _("omkostninger")

    def __str__(self) -> str:
        return self.name


class OutcomeLine(models.Model):
    """One outcome the intervention changes, valued with a unit price from the catalogue or typed in."""

    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    name = models.CharField(_("navn"), max_length=200)
    baseline = models.DecimalField(
        _("basisniveau"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Hyppighed pr. deltager pr. år uden indsatsen. Skal udfyldes ved en relativ effekt."),
    )
    effect_type = models.CharField(
        _("effekttype"), max_length=10, choices=EffectType.choices, default=EffectType.RELATIVE
    )
    effect_estimate = models.DecimalField(_("effekt"), max_digits=12, decimal_places=4)
    effect_se = models.DecimalField(
        _("effektens standardfejl"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Usikkerheden, der bruges i Monte Carlo-simuleringen. Tom: ingen usikkerhed."),
    )
    effect_source = models.TextField(
        _("effektens kilde"), help_text=_("Fx effektstudiet eller litteraturen.")
    )
    full_years = models.PositiveSmallIntegerField(_("år med fuld effekt"), default=1)
    decay = models.DecimalField(
        _("aftagning"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.5"),
        validators=_SHARE_VALIDATORS,
        help_text=_("Den andel af effekten, der holder hvert år efter de fulde år (0 til 1)."),
    )
    start_year = models.PositiveSmallIntegerField(_("første år med effekt"), default=0)
    unit_price = models.ForeignKey(
        UnitPrice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enhedspris fra kataloget"),
    )
    unit_price_amount = models.DecimalField(
        _("egen enhedspris (kr.)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit_price_year = models.PositiveIntegerField(_("egen pris: prisår"), null=True, blank=True)
    unit_price_source = models.TextField(_("egen pris: kilde"), blank=True)
    share_kommune = models.DecimalField(
        _("andel kommune"), max_digits=5, decimal_places=4, default=Decimal(1), validators=_SHARE_VALIDATORS
    )
    share_region = models.DecimalField(
        _("andel region"), max_digits=5, decimal_places=4, default=Decimal(0), validators=_SHARE_VALIDATORS
    )
    share_stat = models.DecimalField(
        _("andel stat"), max_digits=5, decimal_places=4, default=Decimal(0), validators=_SHARE_VALIDATORS
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("effekt")
        verbose_name_plural = _("effekter")

    def __str__(self) -> str:
        return self.name


class ResultStatus(models.TextChoices):
    QUEUED = "queued", _("I kø")
    RUNNING = "running", _("Regner")
    DONE = "done", _("Færdig")
    FAILED = "failed", _("Fejlede")


class BusinessCaseResult(models.Model):
    """One computation of a case by the engine: the input document, the result (``to_dict()``), and what
    it takes to recompute it exactly (inputs hash, engine version, draws, seed)."""

    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="results")
    status = models.CharField(
        _("status"), max_length=10, choices=ResultStatus.choices, default=ResultStatus.QUEUED
    )
    progress = models.PositiveIntegerField(_("færdige træk"), default=0)
    document = models.JSONField(_("input"), help_text=_("Casen som beregningsmotorens JSON-dokument."))
    result = models.JSONField(_("resultat"), null=True, blank=True)
    histogram = models.JSONField(_("fordeling af nutidsværdien"), null=True, blank=True)
    # what the result page shows of `result` and `document` (presentation.shown_parts), kept by the write
    # that stores the result: a few kilobytes to decode on every view instead of the whole result
    shown = models.JSONField(_("det viste af resultatet"), null=True, blank=True)
    inputs_hash = models.CharField(_("inputs hash"), max_length=64)
    engine_version = models.CharField(_("motorversion"), max_length=20)
    draws = models.PositiveIntegerField(_("træk"))
    seed = models.PositiveIntegerField(_("seed"))
    error = models.TextField(_("fejl"), blank=True)
    requested_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    computed_at = models.DateTimeField(_("beregnet"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beregnet af"),
    )

    AUDIT_EXCLUDE = ("document", "result", "histogram", "shown")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # the finished results newest first (the result page's list of results to compare with), with
            # the columns that list shows, so PostgreSQL reads it from the index
            models.Index(
                fields=["-requested_at", "-id"],
                name="economy_result_done_newest",
                condition=Q(status=ResultStatus.DONE),
                include=["case", "computed_at"],
            )
        ]
        verbose_name = _("beregning")
        verbose_name_plural = _("beregninger")

    def __str__(self) -> str:
        return f"{self.case} – {self.requested_at:%Y-%m-%d %H:%M}" if self.requested_at else str(self.case)

    @property
    def is_finished(self) -> bool:
        return self.status in {ResultStatus.DONE, ResultStatus.FAILED}
