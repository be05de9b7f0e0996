"""Forms of result documentation. The questionnaire form is generated from the instrument's definition."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indsats.engine.cpr import mask_cpr
from indsats.engine.instruments import Instrument as EngineInstrument
from indsats.interventions.fields import intervention_field
from indsats.outcomes import tabular
from indsats.outcomes.exporting import FORMATS
from indsats.outcomes.models import Instrument, InstrumentList, MeasurementRound, RoundKind, SourceSystem
from indsats.outcomes.registry import localised
from indsats.ui import formatting
from indsats.ui.fields import DecimalInput


class RoundChoiceField(forms.ModelChoiceField[MeasurementRound]):
    def label_from_instance(self, obj: MeasurementRound) -> str:
        period = formatting.date_range(obj.opens_on, obj.closes_on)
        return f"{obj.intervention}: {obj.get_kind_display()} ({period})"


class InstrumentChoiceField(forms.ModelChoiceField[Instrument]):
    def label_from_instance(self, obj: Instrument) -> str:
        marker = " ★" if obj.list_status == InstrumentList.SHORT else ""
        return f"{obj.name} (v{obj.version}){marker}"


class _CprMaskedInput(forms.TextInput):
    """A text box that writes back what was typed, except anything shaped like a CPR number."""

    def format_value(self, value: Any) -> str | None:
        formatted = super().format_value(value)
        return mask_cpr(formatted) if formatted else formatted


class _NotShownAgainInput(forms.TextInput):
    """A text box that is empty when the page comes back: the CPR number is not written into the page."""

    def format_value(self, value: Any) -> str | None:
        return None


class ParticipantForm(forms.Form):
    cpr = forms.CharField(
        label=_("CPR-nummer"),
        max_length=11,
        help_text=_("DDMMÅÅ-SSSS. Indsats gemmer kun et pseudonym, fødselsår og køn, aldrig nummeret."),
        # a form sent back with an error does not write the number into the page (browser cache, history)
        widget=_NotShownAgainInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    intervention: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Indsats"), queryset=None)  # type: ignore[arg-type]
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Kommune"), queryset=None)  # type: ignore[arg-type]
    local_reference = forms.CharField(
        label=_("Lokal reference"),
        max_length=40,
        required=False,
        help_text=_("Kommunens eget sags- eller journalnummer, som I kan søge på. Aldrig et CPR-nummer."),
        widget=_CprMaskedInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, interventions: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intervention"] = intervention_field(interventions)
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()
            self.fields["municipality"].widget = forms.HiddenInput()


class ParticipantSearchForm(forms.Form):
    """Find a registered child by CPR number: compared as its pseudonym, never stored or logged."""

    search_cpr = forms.CharField(
        label=_("Find et barn ud fra CPR-nummer"),
        max_length=11,
        help_text=_("DDMMÅÅ-SSSS. Nummeret sammenlignes som pseudonym og gemmes ikke."),
        widget=_NotShownAgainInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class LocalReferenceForm(forms.Form):
    """Change a child's local reference (empty clears it)."""

    local_reference = forms.CharField(
        label=_("Lokal reference"),
        max_length=40,
        required=False,
        help_text=_("Kommunens eget sags- eller journalnummer. Aldrig et CPR-nummer."),
        widget=_CprMaskedInput(attrs={"autocomplete": "off"}),
    )


class QuestionnaireForm(forms.Form):
    """One questionnaire: round, date, then the items in order, built from the definition.

    A discrete scale is a row of radio buttons (arrow keys move, so a keyboard is enough); a continuous
    one a number input with min, max and step.
    """

    round = RoundChoiceField(label=_("Målerunde"), queryset=MeasurementRound.objects.none())
    measured_on = forms.DateField(
        label=_("Dato for besvarelsen"),
        help_text=_("Skal ligge i målerundens periode, som står ved runden ovenfor."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Begrundelse for at bruge et redskab uden for kortlisten"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, instrument: EngineInstrument, rounds: Any, needs_reason: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.fields["round"].queryset = rounds  # type: ignore[attr-defined]
        today = timezone.localdate()
        open_today = next((r for r in rounds if r.opens_on <= today <= r.closes_on), None)
        if open_today is not None:  # the usual case: the answer was given today, in the round open now
            self.fields["round"].initial = open_today.pk
            self.fields["measured_on"].initial = today
        if not needs_reason:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True
        for number, item in enumerate(instrument.items, start=1):
            scale = instrument.scales[item.scale]
            label = f"{number}. {localised(item.text)}"
            if scale.is_discrete:
                self.fields[item.key] = forms.TypedChoiceField(
                    label=label,
                    choices=[(f"{v.value:g}", localised(v.label)) for v in scale.values],
                    coerce=float,
                    required=False,
                    empty_value=None,
                    widget=forms.RadioSelect,
                )
            else:
                self.fields[item.key] = forms.FloatField(
                    label=label,
                    required=False,
                    min_value=scale.minimum,
                    max_value=scale.maximum,
                    widget=DecimalInput(),
                )

    def answers(self) -> list[float | None]:
        return [self.cleaned_data.get(key) for key in self.instrument.item_keys]

    def sections(self) -> list[FieldSubset | AnswerGrid]:
        """The form in the order of its fields: the round and date first, then each run of items that
        share their answers as one grid (item rows, answer columns), other items as fields."""
        head: list[str] = [name for name in ("round", "measured_on", "reason") if name in self.fields]
        sections: list[FieldSubset | AnswerGrid] = [FieldSubset(self, head)]
        for key in self.instrument.item_keys:
            bound = self[key]
            item_field = self.fields[key]
            is_scale = isinstance(item_field, forms.TypedChoiceField)
            choices = list(item_field.choices) if is_scale else None  # type: ignore[attr-defined, arg-type]
            last = sections[-1]
            if choices is None:
                if isinstance(last, FieldSubset):
                    last.names.append(key)
                else:
                    sections.append(FieldSubset(self, [key]))
            elif isinstance(last, AnswerGrid) and last.choices == choices:
                last.rows.append(bound)
            else:
                sections.append(AnswerGrid(f"grid-{len(sections)}", choices, [bound]))
        return sections


@dataclass
class FieldSubset:
    """Some of a form's fields, shaped like a form for includes/form_fields.html."""

    form: forms.BaseForm
    names: list[str]

    def hidden_fields(self) -> list[BoundField]:
        return [field for field in self.form.hidden_fields() if field.name in self.names]

    def visible_fields(self) -> list[BoundField]:
        return [self.form[name] for name in self.names if not self.form[name].is_hidden]


@dataclass
class AnswerGrid:
    """Items that share their answers: one row each, one column per answer (outcomes/_answer_grid.html)."""

    key: str
    choices: list[tuple[Any, Any]]
    rows: list[BoundField] = field(default_factory=list)


class ImportForm(forms.Form):
    round = RoundChoiceField(label=_("Målerunde"), queryset=MeasurementRound.objects.none())
    instrument = InstrumentChoiceField(label=_("Måleredskab"), queryset=Instrument.objects.none())
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Kommune"), queryset=None)  # type: ignore[arg-type]
    source_system = forms.ChoiceField(
        label=_("Fagsystem"),
        choices=SourceSystem.choices,
        help_text=_("Den gemte kolonneopsætning for fagsystemet bruges, hvis I har en."),
    )
    file = forms.FileField(label=_("Fil (CSV eller Excel .xlsx)"))

    def clean_file(self) -> Any:
        """Refuse a file past the upload limit before it is read into memory."""
        upload = self.cleaned_data["file"]
        tabular.check_size(upload.size or 0)
        return upload

    mapping = forms.CharField(
        label=_("Kolonneopsætning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Én linje pr. kolonne: “Kolonne i filen = cpr”, “Dato = dato”, “Spm 1 = sdq1”. "
            "Efter lighedstegnet tomt: kolonnen ignoreres."
        ),
    )
    save_mapping = forms.BooleanField(label=_("Gem kolonneopsætningen til næste gang"), required=False)
    reason = forms.CharField(
        label=_("Begrundelse, hvis redskabet ikke er på kortlisten"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, rounds: Any, instruments: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = rounds  # type: ignore[attr-defined]
        self.fields["instrument"].queryset = instruments  # type: ignore[attr-defined]
        self.fields["instrument"].initial = instruments.filter(key="sdq-parent-4-17").first()
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()
            self.fields["municipality"].widget = forms.HiddenInput()


class InstrumentListForm(forms.Form):
    list_status = forms.ChoiceField(label=_("Liste"), choices=InstrumentList.choices)
    is_active = forms.BooleanField(label=_("I brug"), required=False)


class InstrumentDefinitionForm(forms.Form):
    definition = forms.FileField(
        label=_("Definition (JSON)"), help_text=_("Formatet er beskrevet i docs/instruments.md.")
    )
    list_status = forms.ChoiceField(
        label=_("Liste"), choices=InstrumentList.choices, initial=InstrumentList.LONG
    )

    def clean_definition(self) -> dict[str, Any]:
        upload = self.cleaned_data["definition"]
        tabular.check_size(upload.size or 0)
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise forms.ValidationError(
                _("Filen er ikke gyldig JSON: %(error)s") % {"error": error}
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("Definitionen skal være et JSON-objekt."))
        return data


class ExportForm(forms.Form):
    intervention: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Indsats"), queryset=None)  # type: ignore[arg-type]
    instrument = InstrumentChoiceField(label=_("Måleredskab"), queryset=Instrument.objects.none())
    fmt = forms.ChoiceField(label=_("Format"), choices=list(FORMATS.items()))

    def __init__(self, *args: Any, interventions: Any, instruments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intervention"] = intervention_field(interventions)
        self.fields["instrument"].queryset = instruments  # type: ignore[attr-defined]


class DeleteParticipantForm(forms.Form):
    reason = forms.CharField(label=_("Begrundelse (fx anmodning om sletning)"), max_length=300)


class RoundForm(forms.Form):
    """A measurement round of an intervention: its kind, number in the order, and the dates its answers
    must fall within."""

    kind = forms.ChoiceField(label=_("Målepunkt"), choices=RoundKind.choices)
    order = forms.IntegerField(
        label=_("Rækkefølge"),
        min_value=0,
        max_value=100,
        help_text=_("Runderne vises og analyseres i denne rækkefølge: før-målingen har det laveste nummer."),
    )
    opens_on = forms.DateField(
        label=_("Åbner"),
        help_text=_("Første dato, en besvarelse kan have."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    closes_on = forms.DateField(
        label=_("Lukker"),
        help_text=_("Sidste dato, en besvarelse kan have."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class RetentionForm(forms.Form):
    retention_days = forms.IntegerField(
        label=_("Opbevaringstid i dage"),
        min_value=1,
        max_value=50 * 366,
        help_text=_("Fx 1825 dage (5 år). Regnes fra datoen for hver måling."),
    )


class EvaluatorAssignmentForm(forms.Form):
    evaluator: forms.ModelChoiceField[Any] = forms.ModelChoiceField(  # type: ignore[arg-type]
        label=_("Evaluator"), queryset=None, empty_label=_("Vælg en evaluator")
    )

    def __init__(self, *args: Any, evaluators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = evaluators  # type: ignore[attr-defined]
