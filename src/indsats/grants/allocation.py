"""The allocation helper's page input: candidate initiatives typed one a line, checked with a Danish
error that names the line, then handed to the engine (`engine.allocation.recommend_allocation`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indsats.engine.allocation import (
    AllocationInputError,
    AllocationResult,
    Candidate,
    TradeOff,
    recommend_allocation,
)
from indsats.ui.engine_messages import engine_message
from indsats.ui.fields import AmountField, parse_amount


def _number(text: str, line: int, column: str) -> Decimal:
    try:
        return Decimal(parse_amount(text.strip()))
    except InvalidOperation as error:
        raise ValidationError(
            _(
                "Linje %(line)s, kolonnen “%(column)s”: “%(value)s” er ikke et tal. "
                "Skriv fx 12000000 eller 12.000.000."
            )
            % {"line": line, "column": column, "value": text.strip()}
        ) from error


def parse_candidates(text: str) -> list[Candidate]:
    """Lines of "navn; omkostning (kr.); forventet værdi" (Danish number format allowed)."""
    candidates = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [part.strip() for part in raw.split(";")]
        if len(parts) != 3 or not parts[0]:
            raise ValidationError(
                _("Linje %(line)s skal have tre kolonner adskilt af semikolon: navn; omkostning; værdi.")
                % {"line": number}
            )
        cost = _number(parts[1], number, _("omkostning"))
        value = _number(parts[2], number, _("værdi"))
        if cost < 0:
            raise ValidationError(_("Linje %(line)s: omkostningen kan ikke være negativ.") % {"line": number})
        if value < 0:
            raise ValidationError(
                _("Linje %(line)s: værdien kan ikke være negativ; et initiativ uden gevinst vælges aldrig.")
                % {"line": number}
            )
        candidates.append(Candidate(key=f"c{number}", name=parts[0], cost=float(cost), value=float(value)))
    if not candidates:
        raise ValidationError(_("Skriv mindst ét kandidat-initiativ."))
    return candidates


class AllocationForm(forms.Form):
    budget = AmountField(label=gettext_lazy("Budget (kr.)"), max_digits=14, decimal_places=2, min_value=0)
    candidates = forms.CharField(
        label=gettext_lazy("Kandidat-initiativer"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Ét initiativ pr. linje: navn; omkostning i kr.; forventet værdi "
            "(fx nettogevinst i kr. eller en score)."
        ),
    )
    top_k = forms.IntegerField(
        label=gettext_lazy("Antal kombinationer"), min_value=1, max_value=20, initial=5
    )

    def clean_candidates(self) -> list[Candidate]:
        return parse_candidates(self.cleaned_data["candidates"])


def recommend(form: AllocationForm) -> AllocationResult:
    """Run the engine; its input errors become a form error."""
    data: dict[str, Any] = form.cleaned_data
    try:
        return recommend_allocation(data["candidates"], float(data["budget"]), top_k=data["top_k"])
    except AllocationInputError as error:
        raise ValidationError(capfirst(engine_message(error))) from error


@dataclass(frozen=True)
class TradeOffRow:
    """A trade-off as the page shows it: the value per million kroner reads for scores (21.5 points for
    DKK 12 million is 1.79 per million, not 0.0000 per krone) and for kroner alike."""

    trade_off: TradeOff
    value_per_million: float | None


def trade_off_rows(result: AllocationResult) -> list[TradeOffRow]:
    return [
        TradeOffRow(
            item,
            None if item.value_per_krone is None else round(item.value_per_krone * 1_000_000, 2),
        )
        for item in result.trade_offs
    ]
