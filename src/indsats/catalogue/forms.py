"""The agency's forms: publish a version, withdraw a description."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from indsats.interventions.models import Intervention, Material


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label=_("Ændringsnote"),
        help_text=_("Vises offentligt ved versionen: hvad er nyt eller ændret."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    documents = forms.ModelMultipleChoiceField(
        label=_("Dokumenter, der offentliggøres"),
        queryset=Material.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, intervention: Intervention, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = Material.objects.filter(intervention=intervention)  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrundelse"),
        help_text=_("Vises offentligt på indsatsens side."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
