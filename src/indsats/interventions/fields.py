"""The form field that picks an intervention: a drop-down when the choices are few, a search by name or
number when they are many (a national programme has over a thousand; a drop-down of them all is ~60 kB of
HTML on every form that asks for one)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from indsats.engine.cpr import mask_cpr
from indsats.interventions.models import Intervention

# A drop-down lists at most this many interventions; with more, the person types the name or the number
PICK_LIST_MAX = 200
# the candidates named when a search matches more than one
CANDIDATES_SHOWN = 8


class InterventionByNameField(forms.CharField):
    """One of ``queryset`` by its name, part of its name or its number. Cleans to the Intervention; a
    search that matches several names lists them (up to CANDIDATES_SHOWN) so the person can be exact."""

    def __init__(self, *, queryset: QuerySet[Intervention], **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Indsats"))
        kwargs.setdefault(
            "help_text", _("Skriv indsatsens navn eller en del af det, eller dens nummer (fx 12).")
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(max_length=200, **kwargs)
        self.queryset = queryset

    def prepare_value(self, value: Any) -> Any:
        """An initial intervention (or its id) is shown by its name."""
        if isinstance(value, Intervention):
            return value.name
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            name = self.queryset.filter(pk=int(value)).values_list("name", flat=True).first()
            return name if name is not None else value
        return value

    def clean(self, value: Any) -> Intervention | None:
        text = " ".join(str(super().clean(value) or "").split())
        if not text:
            return None
        number = text.removeprefix("nr.").removeprefix("nr").strip()
        if number.isdigit():
            found = self.queryset.filter(pk=int(number)).first()
            if found is not None:
                return found
        exact = self.queryset.filter(name__iexact=text).first()
        if exact is not None:
            return exact
        matches = list(self.queryset.filter(name__icontains=text).order_by("name")[: CANDIDATES_SHOWN + 1])
        shown_text = mask_cpr(text)  # a CPR number typed here by mistake is not written back into the page
        if not matches:
            raise forms.ValidationError(
                _(
                    "Ingen indsats hedder noget med »%(text)s«. "
                    "Tjek stavningen, eller skriv indsatsens nummer."
                )
                % {"text": shown_text},
                code="unknown",
            )
        if len(matches) > 1:
            shown = ", ".join(f"{m.name} (nr. {m.pk})" for m in matches[:CANDIDATES_SHOWN])
            more = _(" og flere") if len(matches) > CANDIDATES_SHOWN else ""
            raise forms.ValidationError(
                _(
                    "Flere indsatser passer på »%(text)s«: %(shown)s%(more)s. "
                    "Skriv hele navnet eller nummeret."
                )
                % {"text": shown_text, "shown": shown, "more": more},
                code="ambiguous",
            )
        return matches[0]


def intervention_field(
    queryset: QuerySet[Intervention], *, required: bool = True, **kwargs: Any
) -> forms.Field:
    """A drop-down of ``queryset`` when it holds at most PICK_LIST_MAX interventions, else a search by name
    or number (``InterventionByNameField``). Both clean to the Intervention (None when not required and
    left empty)."""
    if queryset.count() > PICK_LIST_MAX:
        kwargs.pop("empty_label", None)
        return InterventionByNameField(queryset=queryset, required=required, **kwargs)
    kwargs.setdefault("label", _("Indsats"))
    return forms.ModelChoiceField(queryset=queryset, required=required, **kwargs)
