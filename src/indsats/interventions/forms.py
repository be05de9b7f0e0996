"""Forms of the register and the phase model. Services validate again; forms give early, named errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import Organisation
from indsats.interventions.models import (
    PARTNER_KINDS,
    Contact,
    Criterion,
    DeliverableTemplate,
    Dimension,
    ElementScore,
    EvidenceReference,
    Grade,
    Intervention,
    MaterialKind,
    PartnerRole,
    PhaseRecord,
    PracticeElement,
    ProblemArea,
    Rating,
)
from indsats.interventions.workflow import DECISIONS, state_label
from indsats.ui.fields import AmountField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _active_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_active=True).order_by("kind", "name")


class InterventionForm(forms.ModelForm[Intervention]):
    problem_areas = forms.ModelMultipleChoiceField(
        label=_("Problemområder"),
        queryset=ProblemArea.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Intervention
        fields = [
            "name",
            "short_description",
            "description",
            "target_group",
            "age_from",
            "age_to",
            "problem_areas",
            "origin",
            "owner",
            "programme",
            "activities",
            "short_term_outcomes",
            "long_term_outcomes",
            "core_elements",
            "staff_qualifications",
            "training_days",
            "supervision",
            "sessions",
            "weeks",
            "setting",
            "delivery_format",
            "delivery_model",
            "is_open_to_join",
        ]
        labels = {
            "name": _("Navn"),
            "short_description": _("Kort beskrivelse"),
            "description": _("Beskrivelse"),
            "target_group": _("Målgruppe"),
            "age_from": _("Alder fra (år)"),
            "age_to": _("Alder til (år)"),
            "origin": _("Oprindelse"),
            "owner": _("Ejer"),
            "programme": _("Program eller initiativ"),
            "activities": _("Aktiviteter"),
            "short_term_outcomes": _("Kortsigtede resultater"),
            "long_term_outcomes": _("Langsigtede resultater"),
            "core_elements": _("Kerneelementer"),
            "is_open_to_join": _("Åben for nye kommuner"),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "target_group": forms.Textarea(attrs={"rows": 3}),
            "activities": forms.Textarea(attrs={"rows": 4}),
            "short_term_outcomes": forms.Textarea(attrs={"rows": 4}),
            "long_term_outcomes": forms.Textarea(attrs={"rows": 4}),
            "core_elements": forms.Textarea(attrs={"rows": 4}),
            "staff_qualifications": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_organisations()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        age_from, age_to = data.get("age_from"), data.get("age_to")
        if age_from is not None and age_to is not None and age_from > age_to:
            self.add_error("age_to", _("“Alder til” skal være mindst lige så høj som “alder fra”."))
        return data


class PartnerForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Kommune, region eller socialt tilbud"), queryset=Organisation.objects.none()
    )
    role = forms.ChoiceField(label=_("Rolle"), choices=PartnerRole.choices)
    joined_on = forms.DateField(label=_("Deltager fra"), widget=DateInput())
    ended_on = forms.DateField(label=_("Deltager til"), widget=DateInput(), required=False)
    funding_ended_on = forms.DateField(
        label=_("Finansieringen ophørte"),
        widget=DateInput(),
        required=False,
        help_text=_("Herefter spørges kommunen hvert år, om indsatsen stadig er i drift."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind__in=PARTNER_KINDS, is_active=True
        ).order_by("kind", "name")


class PartnershipDatesForm(forms.Form):
    joined_on = forms.DateField(label=_("Deltager fra"), widget=DateInput())
    ended_on = forms.DateField(label=_("Deltager til"), widget=DateInput(), required=False)
    funding_ended_on = forms.DateField(
        label=_("Finansieringen ophørte"),
        widget=DateInput(),
        required=False,
        help_text=_("Herefter spørges kommunen hvert år, om indsatsen stadig er i drift."),
    )


class ContactForm(forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = ["name", "role", "organisation", "email", "phone"]
        labels = {
            "name": _("Navn"),
            "role": _("Rolle"),
            "organisation": _("Organisation"),
            "email": _("E-mail"),
            "phone": _("Telefon"),
        }


class ReferenceForm(forms.ModelForm[EvidenceReference]):
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    class Meta:
        model = EvidenceReference
        fields = [
            "citation",
            "year",
            "url",
            "effect_input",
            "outcome",
            "lower_is_better",
            "yi",
            "vi",
            "mean_treated",
            "sd_treated",
            "n_treated",
            "mean_control",
            "sd_control",
            "n_control",
            "events_treated",
            "events_control",
        ]
        labels = {"citation": _("Reference"), "year": _("År"), "url": _("Link")}
        help_texts = {
            "effect_input": _(
                "Valgfrit: studiets effekt, så litteraturen kan samles i en metaanalyse. Udfyld kun felterne "
                "for den valgte form."
            )
        }


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=MaterialKind.choices)
    file = forms.FileField(label=_("Fil"), help_text=_("PDF, Word eller Excel, højst 20 MB."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("Filen er større end 20 MB."))
        return upload


class PhaseRecordForm(forms.Form):
    done = forms.MultipleChoiceField(
        label=_("Leverancer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Markér de leverancer, der er færdige. Obligatoriske leverancer skal være færdige, før "
            "gate review kan sendes til styregruppen."
        ),
    )
    new_item = forms.CharField(label=_("Tilføj en leverance"), max_length=200, required=False)
    planned_start = forms.DateField(label=_("Planlagt start"), required=False, widget=DateInput())
    planned_end = forms.DateField(label=_("Planlagt afslutning"), required=False, widget=DateInput())
    committed_amount = AmountField(
        label=_("Bevilget beløb til fasen (kr.)"), min_value=0, max_digits=14, decimal_places=2
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisationer i fasen"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Hold Ctrl (Cmd på Mac) nede for at vælge flere."),
    )

    def __init__(self, *args: Any, phase_record: PhaseRecord, **kwargs: Any) -> None:
        items = list(phase_record.checklist.all())
        kwargs.setdefault(
            "initial",
            {
                "done": [str(i.pk) for i in items if i.is_done],
                "planned_start": phase_record.planned_start,
                "planned_end": phase_record.planned_end,
                "committed_amount": phase_record.committed_amount,
                "organisations": list(phase_record.organisations.all()),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["done"].choices = [  # type: ignore[attr-defined]
            (str(i.pk), f"{i.title} ({_('obligatorisk')})" if i.is_required else i.title) for i in items
        ]
        self.fields["organisations"].queryset = _active_organisations()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("Den planlagte afslutning ligger før den planlagte start."))
        return data


class CriterionForm(forms.Form):
    """One criterion of a gate review; used five times with the criterion as prefix."""

    rating = forms.ChoiceField(label=_("Vurdering"), choices=Rating.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        label=_("Begrundelse"),
        required=False,  # a criterion not assessed needs none; clean() asks for it otherwise
        help_text=_("Skal udfyldes, når kriteriet er vurderet."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rationale.show_optional = False  # type: ignore[attr-defined]  # required once rated: not "(frivilligt)"
    fact = forms.CharField(
        label=_("Fakta"),
        required=False,
        max_length=300,
        help_text=_("Tal eller resultat, der understøtter vurderingen, fx “d = 0,3 (95 % KI 0,1-0,5)”."),
    )
    fact_source = forms.CharField(label=_("Kilde"), required=False, max_length=300)
    fact_url = forms.URLField(label=_("Link til kilden"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, criterion: str, **kwargs: Any) -> None:
        self.criterion = criterion
        self.criterion_label = Criterion(criterion).label
        kwargs["prefix"] = criterion
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("rating") not in (None, Rating.NOT_ASSESSED)
            and not (data.get("rationale") or "").strip()
        ):
            self.add_error("rationale", _("Skriv en begrundelse for vurderingen."))
        return data


class ReviewSummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Styrelsens indstilling til styregruppen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Afgørelse"), choices=[(d.value, d.label) for d in DECISIONS], widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 4}))
    conditions = forms.CharField(
        label=_("Betingelser"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Skal udfyldes ved godkendelse med betingelser."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "approve_with_conditions" and not (data.get("conditions") or "").strip():
            self.add_error("conditions", _("Skriv betingelserne for godkendelsen."))
        return data


class ReturnForm(forms.Form):
    phase = forms.ChoiceField(label=_("Vend tilbage til"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, targets: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = [(t, state_label(t)) for t in targets]  # type: ignore[attr-defined]


class StopForm(forms.Form):
    reason = forms.CharField(label=_("Begrundelse for at stoppe"), widget=forms.Textarea(attrs={"rows": 3}))


# The questionnaire: one question for each of the 11 elements of promising practice (after SFI 2016).
PRACTICE_QUESTIONS: dict[str, Any] = {
    PracticeElement.THEORY_AND_KNOWLEDGE: _(
        "Bygger praksis på en beskrevet teori og på viden om, hvad der virker for målgruppen?"
    ),
    PracticeElement.EFFECT: _("Er der dokumentation for, at praksis har en positiv virkning for børnene?"),
    PracticeElement.DESCRIPTION: _(
        "Er praksis beskrevet, så andre kan forstå målgruppe, aktiviteter og kerneelementer?"
    ),
    PracticeElement.GOALS: _("Har praksis klare og målbare mål for børnene og familierne?"),
    PracticeElement.TRANSFERABILITY: _("Kan praksis overføres til og gennemføres i andre kommuner?"),
    PracticeElement.ECONOMY: _("Kendes omkostningerne, og står de i et rimeligt forhold til resultaterne?"),
    PracticeElement.PROFESSIONAL_REFLECTION: _(
        "Reflekterer medarbejderne systematisk over deres praksis og resultater?"
    ),
    PracticeElement.RELATIONAL_COOPERATION: _(
        "Bygger praksis på et godt samarbejde og en god relation mellem medarbejder og barn eller familie?"
    ),
    PracticeElement.INDIVIDUAL_PLANNING: _("Tilrettelægges indsatsen efter det enkelte barns behov?"),
    PracticeElement.MONITORING: _("Følges børnenes udvikling systematisk med data undervejs?"),
    PracticeElement.FOLLOW_UP: _("Følges der op på, om målene nås, og justeres indsatsen derefter?"),
}


class PracticeAssessmentForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Kommune"), queryset=Organisation.objects.none())
    assessed_on = forms.DateField(label=_("Vurderet den"), widget=DateInput())

    def __init__(self, *args: Any, municipalities: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        field.queryset = Organisation.objects.filter(pk__in=[m.pk for m in municipalities]).order_by("name")  # type: ignore[attr-defined]
        if len(municipalities) == 1:
            field.initial = municipalities[0].pk
        for element in PracticeElement:
            self.fields[element.value] = forms.TypedChoiceField(
                label=f"{element.label}: {PRACTICE_QUESTIONS[element]}",
                choices=ElementScore.choices,
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.fields["note"] = forms.CharField(
            label=_("Bemærkning"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )

    def scores(self) -> dict[str, int]:
        return {e: int(self.cleaned_data[e]) for e in PracticeElement.values}


class DeclarationForm(forms.Form):
    declared_on = forms.DateField(label=_("Dato"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dimension in Dimension:
            self.fields[f"{dimension.value}_grade"] = forms.ChoiceField(
                label=_("%(dimension)s: karakter") % {"dimension": dimension.label},
                choices=Grade.choices,
                widget=forms.RadioSelect,
                help_text=_("A er højest, D lavest."),
            )
            self.fields[f"{dimension.value}_reason"] = forms.CharField(
                label=_("%(dimension)s: begrundelse") % {"dimension": dimension.label},
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def grades(self) -> dict[str, tuple[str, str]]:
        return {
            d: (self.cleaned_data[f"{d}_grade"], self.cleaned_data[f"{d}_reason"]) for d in Dimension.values
        }


class JoinRequestForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Kommune"), queryset=Organisation.objects.none())
    message = forms.CharField(
        label=_("Besked til styrelsen"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, municipality_ids: frozenset[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        field.queryset = Organisation.objects.filter(pk__in=municipality_ids).order_by("name")  # type: ignore[attr-defined]
        if len(municipality_ids) == 1:
            field.initial = next(iter(municipality_ids))


class ProblemAreaForm(forms.ModelForm[ProblemArea]):
    class Meta:
        model = ProblemArea
        fields = ["name", "description", "order", "is_active"]
        labels = {
            "name": _("Navn"),
            "description": _("Beskrivelse"),
            "order": _("Rækkefølge"),
            "is_active": _("I brug"),
        }


class DeliverableTemplateForm(forms.ModelForm[DeliverableTemplate]):
    class Meta:
        model = DeliverableTemplate
        fields = ["phase", "title", "description", "is_required", "order", "is_active"]
        labels = {
            "phase": _("Fase"),
            "title": _("Leverance"),
            "description": _("Beskrivelse"),
            "is_required": _("Obligatorisk før gate review"),
            "order": _("Rækkefølge"),
            "is_active": _("I brug"),
        }
