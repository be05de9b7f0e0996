"""Forms of the economy app: the price catalogue, the price index and business cases (with formsets for
cost lines and outcomes). Errors name the field, and for formsets the row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from indsats.economy.documents import CaseInputError, ErrorLocation, parse_years
from indsats.economy.models import (
    SHARE_FIELDS,
    BusinessCase,
    CostLine,
    EffectType,
    OutcomeLine,
    PriceCatalogue,
    PriceIndex,
    UnitPrice,
    check_shares,
)
from indsats.interventions.fields import intervention_field
from indsats.interventions.models import Intervention
from indsats.ui.fields import accept_decimal_comma, decimal_formfield


class CatalogueEditionForm(forms.Form):
    title = forms.CharField(
        label=_("Titel"), max_length=200, required=False, help_text=_("Tom: ”Priskatalog version N”.")
    )


class UnitPriceForm(forms.ModelForm[UnitPrice]):
    class Meta:
        formfield_callback = decimal_formfield
        model = UnitPrice
        fields = [
            "name",
            "unit",
            "amount",
            "price_year",
            "share_kommune",
            "share_region",
            "share_stat",
            "source",
            "valid_from",
        ]
        widgets = {
            "source": forms.Textarea(attrs={"rows": 3}),
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "share_kommune": _("Andel fra 0 til 1. Kommune, region og stat skal tilsammen give 1."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accept_decimal_comma(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(data.get(name) is not None for name in SHARE_FIELDS):
            try:
                check_shares(data)
            except ValidationError as error:
                self.add_error(None, error)
        return data


class PriceIndexForm(forms.ModelForm[PriceIndex]):
    class Meta:
        formfield_callback = decimal_formfield
        model = PriceIndex
        fields = ["year", "index", "source"]
        widgets = {"source": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accept_decimal_comma(self)

    def validate_unique(self) -> None:
        """A year that exists is updated by the service, not refused."""


# --- business cases -------------------------------------------------------------------------------------


def price_index_years() -> list[int]:
    """The years the price index has a number for, newest first."""
    return list(PriceIndex.objects.order_by("-year").values_list("year", flat=True))


def offer_index_years(form: forms.BaseForm) -> None:
    """Offer as price year only the years the price index knows (a case priced in another year cannot use
    catalogue prices), and say which they are; with an empty index the year stays a number."""
    years = price_index_years()
    field = form.fields["price_year"]
    if not years:
        field.help_text = _("Prisindekset er tomt; enhedspriser fra kataloget kan ikke omregnes.")
        return
    instance = getattr(form, "instance", None)
    current = form.initial.get("price_year") or (instance.price_year if instance is not None else None)
    if current and current not in years:  # an older case keeps its year, so it can still be opened
        years = sorted([*years, current], reverse=True)
    form.fields["price_year"] = forms.TypedChoiceField(
        label=field.label,
        choices=[(year, str(year)) for year in years],
        coerce=int,
        help_text=_("Prisindekset har tal for %(first)s–%(last)s. Nyere år tilføjes under Prisindeks.")
        % {"first": min(years), "last": max(years)},
    )


class NewBusinessCaseForm(forms.ModelForm[BusinessCase]):
    intervention = forms.ModelChoiceField(
        label=_("Indsats"), queryset=Intervention.objects.order_by("name"), empty_label=_("Vælg en indsats")
    )

    class Meta:
        formfield_callback = decimal_formfield
        model = BusinessCase
        fields = ["intervention", "name", "participants", "price_year", "horizon_years"]

    def __init__(
        self, *args: Any, interventions: QuerySet[Intervention] | None = None, **kwargs: Any
    ) -> None:
        """``interventions``: the choices of a municipality's manager (those it takes part in)."""
        super().__init__(*args, **kwargs)
        self.fields["intervention"] = intervention_field(
            interventions if interventions is not None else Intervention.objects.order_by("name"),
            empty_label=_("Vælg en indsats"),
        )
        offer_index_years(self)


class BusinessCaseForm(forms.ModelForm[BusinessCase]):
    class Meta:
        formfield_callback = decimal_formfield
        model = BusinessCase
        fields = [
            "name",
            "description",
            "catalogue",
            "participants",
            "price_year",
            "horizon_years",
            "discount",
            "net_tax_factor",
            "draws",
            "seed",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        catalogue_field = self.fields["catalogue"]
        assert isinstance(catalogue_field, forms.ModelChoiceField)
        catalogue_field.queryset = PriceCatalogue.objects.filter(is_published=True).order_by("-version")
        offer_index_years(self)
        accept_decimal_comma(self)
        self.cost_rows: Sequence[forms.BaseForm] = ()
        self.outcome_rows: Sequence[forms.BaseForm] = ()

    def attach_rows(self, *, costs: Sequence[forms.BaseForm], outcomes: Sequence[forms.BaseForm]) -> None:
        """The kept rows of the cost and outcome formsets, in the order they were sent to the service, so
        that an engine error lands on the row it names."""
        self.cost_rows, self.outcome_rows = costs, outcomes

    def add_error(self, field: str | None, error: Any) -> None:
        if isinstance(error, CaseInputError):
            self._show_case_error(error.location)
        else:
            super().add_error(field, error)

    def _show_case_error(self, location: ErrorLocation) -> None:
        """Put the engine's refusal on the row and field it names (or on this form)."""
        if location.section == "case" or location.row is None:
            super().add_error(location.field if location.field in self.fields else None, location.message)
            return
        target = (self.cost_rows if location.section == "costs" else self.outcome_rows)[location.row]
        target.add_error(location.field if location.field in target.fields else None, location.message)


class CostLineForm(forms.ModelForm[CostLine]):
    """One cost line. The activity is one of the intervention's registered activities."""

    activity = forms.ChoiceField(label=_("Aktivitet"), required=False)

    class Meta:
        formfield_callback = decimal_formfield
        model = CostLine
        fields = [
            "name",
            "activity",
            "payer",
            "category",
            "basis",
            "value",
            "years",
            "is_base_alternative",
            "source",
        ]
        widgets = {"source": forms.TextInput()}

    def __init__(self, *args: Any, activities: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Ingen bestemt aktivitet"))] + [(a, a) for a in activities or []]
        current = self.initial.get("activity")
        if current and current not in (activities or []):
            choices.append((current, current))
        activity_field = self.fields["activity"]
        assert isinstance(activity_field, forms.ChoiceField)
        activity_field.choices = choices
        accept_decimal_comma(self)

    def clean_years(self) -> str:
        # a text that is no list of years raises a DomainError (a ValidationError) naming the problem
        years = parse_years(self.cleaned_data.get("years", ""))
        return ", ".join(str(year) for year in years)


class OutcomeLineForm(forms.ModelForm[OutcomeLine]):
    """One outcome: its effect (with source), and its unit price from the catalogue or typed with source."""

    class Meta:
        formfield_callback = decimal_formfield
        model = OutcomeLine
        fields = [
            "name",
            "effect_type",
            "effect_estimate",
            "effect_se",
            "baseline",
            "effect_source",
            "full_years",
            "decay",
            "start_year",
            "unit_price",
            "unit_price_amount",
            "unit_price_year",
            "unit_price_source",
            "share_kommune",
            "share_region",
            "share_stat",
        ]
        widgets = {"effect_source": forms.TextInput(), "unit_price_source": forms.TextInput()}
        help_texts = {
            "unit_price": _(
                "Vælg en pris fra kataloget – eller lad den stå tom og skriv din egen pris herunder."
            ),
            "share_kommune": _("Kun ved egen pris: kommune, region og stat skal tilsammen give 1."),
        }

    def __init__(self, *args: Any, catalogue: PriceCatalogue | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        price_field = self.fields["unit_price"]
        assert isinstance(price_field, forms.ModelChoiceField)
        price_field.queryset = (
            UnitPrice.objects.filter(catalogue=catalogue).select_related("catalogue").order_by("name")
            if catalogue is not None
            else UnitPrice.objects.none()
        )
        price_field.empty_label = _("Egen pris (skrives herunder)")
        accept_decimal_comma(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("effect_type") == EffectType.RELATIVE and data.get("baseline") is None:
            self.add_error(
                "baseline", _("En relativ effekt skal have et basisniveau (hyppighed uden indsatsen).")
            )
        if data.get("unit_price") is None:
            if data.get("unit_price_amount") is None:
                self.add_error(
                    "unit_price_amount", _("Vælg en pris fra kataloget, eller skriv en egen enhedspris.")
                )
            if not data.get("unit_price_source"):
                self.add_error("unit_price_source", _("En egen enhedspris skal have sin kilde."))
            if all(data.get(name) is not None for name in SHARE_FIELDS):
                try:
                    check_shares(data)
                except ValidationError as error:
                    self.add_error(None, error)
        return data


class BaseRowFormSet(forms.BaseFormSet[Any]):
    def kept_forms(self) -> list[forms.Form]:
        """The filled-in rows that are not marked for deletion, in order."""
        return [
            form
            for form in self.forms
            if form.has_changed() or form.initial
            if not (self.can_delete and self._should_delete_form(form))  # type: ignore[attr-defined]
        ]


CostFormSet = forms.formset_factory(CostLineForm, formset=BaseRowFormSet, extra=1, can_delete=True)
OutcomeFormSet = forms.formset_factory(OutcomeLineForm, formset=BaseRowFormSet, extra=1, can_delete=True)
