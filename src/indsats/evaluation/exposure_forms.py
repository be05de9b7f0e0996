"""Forms of the dose and fidelity page (Danish labels; the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from indsats.evaluation.exposure import ExposureValueError, parse_fidelity
from indsats.evaluation.exposure_selectors import ExposureScope, participants_in_scope


class ExposureUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fil (CSV eller Excel .xlsx)"),
        help_text=_("Alle rækker tjekkes, før noget gemmes. Er der én fejl, gemmes intet."),
    )


class ExposureChildForm(forms.Form):
    """One child's values: municipality staff pick among their own children, others type the code."""

    participant: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Barn"), queryset=None)  # type: ignore[arg-type]
    code = forms.CharField(
        label=_("Deltagerkode"),
        max_length=64,
        help_text=_("Koden i kolonnen “deltager” i jeres eksport af indsatsens data (16 tegn)."),
    )
    sessions = forms.IntegerField(
        label=_("Modtagne sessioner"),
        min_value=0,
        required=False,
        help_text=_("Et helt tal. Lad feltet stå tomt, hvis det ikke kendes."),
    )
    fidelity = forms.CharField(
        label=_("Troskab (andel 0-1)"),
        required=False,
        max_length=20,
        help_text=_(
            "Andelen af kerneelementerne, der blev leveret som beskrevet: fx 0,8 eller 80 %. "
            "Lad feltet stå tomt, hvis det ikke kendes."
        ),
    )

    def __init__(self, *args: Any, scope: ExposureScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scope.uses_cpr:
            del self.fields["code"]
            field = self.fields["participant"]
            field.queryset = participants_in_scope(scope)  # type: ignore[attr-defined]
            field.label_from_instance = lambda p: p.short_code  # type: ignore[attr-defined]
        else:
            del self.fields["participant"]

    def clean_fidelity(self) -> float | None:
        try:
            return parse_fidelity(self.cleaned_data["fidelity"] or "")
        except ExposureValueError as error:
            raise forms.ValidationError(error.message) from None
