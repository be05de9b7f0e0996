"""Forms of the evaluation app (Danish labels; the services validate again)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indsats.evaluation.access import ExposureScope
from indsats.evaluation.exposure import parse_fidelity
from indsats.evaluation.models import AllocationMethod, Design, Grade, RatingLevel, Study
from indsats.evaluation.selectors import participants_in_scope
from indsats.interventions.fields import intervention_field
from indsats.interventions.models import Intervention
from indsats.outcomes import tabular
from indsats.outcomes.models import Instrument, MeasurementRound, Participant
from indsats.outcomes.registry import engine_instrument, localised
from indsats.outcomes.selectors import instruments_in_use


def outcome_choices(first: Sequence[Instrument] = ()) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every (instrument, scale) pair, grouped by instrument: value "<instrument pk>:<score key>"; the
    instruments in ``first`` (those the intervention uses) lead the list."""
    groups = []
    others = Instrument.objects.filter(is_active=True).exclude(pk__in=[i.pk for i in first])
    for instrument in [*first, *others.order_by("name", "-version")]:
        engine = engine_instrument(instrument)
        groups.append(
            (
                str(instrument),
                [(f"{instrument.pk}:{key}", localised(engine.score_name(key))) for key in engine.score_keys],
            )
        )
    return groups


class StudyForm(forms.Form):
    name = forms.CharField(label=_("Navn på studiet"), max_length=200)
    design = forms.ChoiceField(label=_("Design"), choices=Design.choices)
    outcome = forms.ChoiceField(
        label=_("Udfaldsmål"), help_text=_("Måleredskab og skala, fx SDQ forælder: samlede vanskeligheder.")
    )
    baseline_round = forms.ModelChoiceField(label=_("Førmåling"), queryset=MeasurementRound.objects.none())
    follow_up_round = forms.ModelChoiceField(label=_("Eftermåling"), queryset=MeasurementRound.objects.none())
    comparison_intervention = forms.ModelChoiceField(
        label=_("Sammenligningsgruppe"),
        queryset=Intervention.objects.none(),
        required=False,
        help_text=_(
            "Børn i en anden indsats, målt i målerunder af samme slags. Lad feltet stå tomt ved før-efter."
        ),
    )
    adjust_for_age = forms.BooleanField(
        label=_("Juster for alder"),
        required=False,
        initial=True,
        help_text=_("Bruges ved design med to grupper."),
    )
    adjust_for_sex = forms.BooleanField(
        label=_("Juster for køn"),
        required=False,
        initial=True,
        help_text=_("Bruges ved design med to grupper."),
    )
    is_independent = forms.BooleanField(
        label=_("Uafhængig evaluering"),
        required=False,
        help_text=_("Studiet udføres af en evaluator, der ikke har udviklet eller driver indsatsen."),
    )
    without_clustering = forms.BooleanField(
        label=_("Fravælg klyngerobuste standardfejl efter kommune"),
        required=False,
        help_text=_(
            "Som standard er standardfejlen klyngerobust efter kommune, fordi børn i samme kommune ligner "
            "hinanden. Fravælg kun med en begrundelse."
        ),
    )
    no_clustering_reason = forms.CharField(
        label=_("Begrundelse for ikke at klynge"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, intervention: Intervention, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rounds = MeasurementRound.objects.filter(intervention=intervention).order_by("order", "opens_on")
        self.fields["baseline_round"].queryset = rounds  # type: ignore[attr-defined]
        self.fields["follow_up_round"].queryset = rounds  # type: ignore[attr-defined]
        for field in ("baseline_round", "follow_up_round"):
            self.fields[field].label_from_instance = lambda r: r.get_kind_display()  # type: ignore[attr-defined]
        comparison = self.fields["comparison_intervention"]
        self.fields["comparison_intervention"] = intervention_field(
            Intervention.objects.filter(measurement_rounds__isnull=False)
            .exclude(pk=intervention.pk)
            .distinct()
            .order_by("name"),
            required=False,
            label=comparison.label,
            help_text=comparison.help_text,
        )
        used = instruments_in_use(intervention)
        self.fields["outcome"].choices = outcome_choices(used)  # type: ignore[attr-defined]
        if used:  # the intervention's own instrument and its first scale, not the first in the alphabet
            self.fields["outcome"].initial = f"{used[0].pk}:{engine_instrument(used[0]).score_keys[0]}"
        if len(rounds) >= 2:
            self.fields["baseline_round"].initial = rounds[0].pk
            self.fields["follow_up_round"].initial = rounds[1].pk

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["cluster_by_municipality"] = not data.pop("without_clustering", False)
        instrument_pk, score_key = data.pop("outcome").split(":", 1)
        data["instrument"] = Instrument.objects.get(pk=int(instrument_pk))
        data["score_key"] = score_key
        return data


class RandomisationForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Metode"),
        choices=[
            (AllocationMethod.BLOCK, AllocationMethod.BLOCK.label),
            (AllocationMethod.STRATIFIED, AllocationMethod.STRATIFIED.label),
            (AllocationMethod.SIMPLE, AllocationMethod.SIMPLE.label),
        ],
    )
    seed = forms.IntegerField(label=_("Startværdi (seed)"), min_value=0, max_value=2**62)
    block_size = forms.IntegerField(label=_("Blokstørrelse"), min_value=2, max_value=20, initial=4)
    sizes = forms.CharField(
        label=_("Antal pladser"),
        help_text=_(
            "Et tal for hele studiet, eller ved stratificering kommunekode og antal pr. kommune, "
            "fx “751: 40, 461: 30”."
        ),
    )

    def clean_sizes(self) -> dict[str, int]:
        text = self.cleaned_data["sizes"].strip()
        try:
            if ":" not in text:
                return {"": int(text)}
            pairs = (part.split(":", 1) for part in text.replace(";", ",").split(",") if part.strip())
            return {code.strip().zfill(3): int(size) for code, size in pairs}
        except ValueError:
            raise forms.ValidationError(
                gettext("Skriv et helt tal, eller kommunekode og antal, fx “751: 40, 461: 30”.")
            ) from None


class AllocationUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Allokeringsliste (CSV)"),
        help_text=_(
            "Kolonnen “gruppe” (indsats eller kontrol) og ved stratificering “kommunekode”; "
            "én række pr. plads."
        ),
    )
    made_by = forms.CharField(label=_("Lavet af"), max_length=200)
    made_at = forms.DateTimeField(
        label=_("Lavet (dato og tid)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


# A drop-down lists at most this many children; with more, the person types the child's short pseudonym
PICK_LIST_MAX = 200


class ChildByCodeField(forms.CharField):
    """One of ``children`` by its short pseudonym (the first characters shown in the page's tables), for
    a municipality with more children than a drop-down can list. Cleans to the Participant."""

    def __init__(self, *, children: QuerySet[Participant], **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Barnets pseudonym (kort form)"))
        kwargs.setdefault(
            "help_text", _("De første 10 tegn af barnets pseudonym, som de står i tabellen over jeres børn.")
        )
        super().__init__(max_length=64, **kwargs)
        self.children = children

    def clean(self, value: Any) -> Participant:
        code = str(super().clean(value)).strip().lower()
        if len(code) < 6:
            raise forms.ValidationError(_("Skriv mindst 6 tegn af pseudonymet."), code="short")
        found = list(self.children.filter(pseudonym__startswith=code)[:2])
        if not found:
            raise forms.ValidationError(
                _("Intet af jeres børn i indsatsen har et pseudonym, der begynder med %(code)s.")
                % {"code": code},
                code="unknown",
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("Flere børn har et pseudonym, der begynder med %(code)s: skriv flere tegn.")
                % {"code": code},
                code="ambiguous",
            )
        return found[0]


def child_field(children: QuerySet[Participant]) -> forms.Field:
    """A drop-down of the children when they are few (PICK_LIST_MAX), else a field for the short pseudonym:
    a page never lists thousands of children."""
    if children.count() > PICK_LIST_MAX:
        return ChildByCodeField(children=children)
    field: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Barn"), queryset=children)
    field.label_from_instance = lambda p: p.short_code  # type: ignore[method-assign,assignment]
    return field


class EnrolmentForm(forms.Form):
    def __init__(self, *args: Any, children: QuerySet[Participant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"] = child_field(children)


class RatingDecisionForm(forms.Form):
    level = forms.ChoiceField(label=_("Evidensvurdering"), choices=RatingLevel.choices)
    lasting = forms.BooleanField(label=_("Virkningen varede mindst 12 måneder (+)"), required=False)
    reason = forms.CharField(
        label=_("Begrundelse"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hvorfor afviger vurderingen fra forslaget? Begrundelsen gemmes i historikken."),
    )


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("Vurdering af virkning (A-D)"), choices=Grade.choices)
    reason = forms.CharField(
        label=_("Begrundelse"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hvorfor afviger din vurdering fra forslaget? Begrundelsen gemmes i historikken."),
    )


# --- dose and fidelity -------------------------------------------------------------------------------


class ExposureUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fil (CSV eller Excel .xlsx)"),
        help_text=_("Alle rækker tjekkes, før noget gemmes. Er der én fejl, gemmes intet."),
    )

    def clean_file(self) -> Any:
        """Refuse a file past the upload limit before it is read into memory."""
        upload = self.cleaned_data["file"]
        tabular.check_size(upload.size or 0)
        return upload


class ExposureChildForm(forms.Form):
    """One child's values: municipality staff pick among their own children, others type the code."""

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
            self.fields = {"participant": child_field(participants_in_scope(scope)), **self.fields}

    def clean_fidelity(self) -> float | None:
        # a value that is no share of 0-1 raises ExposureValueError, a ValidationError naming the problem
        return parse_fidelity(self.cleaned_data["fidelity"] or "")


# --- the report across practices ---------------------------------------------------------------------


class CrossPracticeForm(forms.Form):
    studie = forms.MultipleChoiceField(
        label=_("Effektstudier, der indgår"),
        help_text=_(
            "Vælg mindst to studier af forskellige indsatser. Hvert studie indgår med sin nyeste analyse."
        ),
        widget=forms.CheckboxSelectMultiple,
    )
    valgt = forms.CharField(widget=forms.HiddenInput, initial="1", required=False)

    def __init__(self, *args: Any, studies: list[Study], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["studie"].choices = [  # type: ignore[attr-defined]
            (
                str(study.pk),
                gettext("%(intervention)s: %(study)s (%(design)s)")
                % {
                    "intervention": study.intervention,
                    "study": study.name,
                    "design": study.get_design_display(),
                },
            )
            for study in studies
        ]
