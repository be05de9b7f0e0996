"""Forms of the grants app. Money fields are Decimal (DKK); datetimes are entered in Copenhagen time.
The services validate again; the forms give early errors on the right field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import Organisation, OrganisationKind, User
from indsats.grants.models import (
    ApplicantKind,
    Application,
    AwardCriterion,
    BudgetCategory,
    ChangeKind,
    Pool,
    PoolCriterion,
    Programme,
    SupportKind,
)
from indsats.grants.scoring import DEFAULT_WEIGHTS
from indsats.interventions.fields import intervention_field
from indsats.interventions.models import Intervention
from indsats.ui.fields import AmountField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def money(label: Any, **kwargs: Any) -> AmountField:
    return AmountField(label=label, max_digits=14, decimal_places=2, min_value=0, **kwargs)


class ProgrammeYearForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Program"), queryset=Programme.objects.all(), required=False)
    new_programme = forms.CharField(
        label=_("Eller et nyt program"),
        max_length=200,
        required=False,
        help_text=_("Fx “Udviklings- og investeringsprogrammet (BUIP)”."),
    )
    year = forms.IntegerField(label=_("År"), min_value=2000, max_value=2100)
    frame = money(_("Årlig ramme (kr.)"))
    recommendation = forms.CharField(
        label=_("Styregruppens indstilling"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    recommended_on = forms.DateField(label=_("Indstillet den"), widget=DateInput(), required=False)
    decision = forms.CharField(
        label=_("Den politiske beslutning"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    decided_on = forms.DateField(label=_("Besluttet den"), widget=DateInput(), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("programme") and not data.get("new_programme"):
            self.add_error("programme", _("Vælg et program, eller skriv navnet på et nyt."))
        return data


class InitiativeForm(forms.Form):
    name = forms.CharField(label=_("Navn"), max_length=200)
    description = forms.CharField(
        label=_("Beskrivelse"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    budget = money(_("Budget (kr.)"))
    intervention = forms.CharField(required=False)  # replaced in __init__: intervention_field

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intervention"] = intervention_field(
            Intervention.objects.order_by("name"), required=False
        )


class PoolForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    purpose = forms.CharField(label=_("Formål"), widget=forms.Textarea(attrs={"rows": 3}))
    target_group = forms.CharField(label=_("Målgruppe"), widget=forms.Textarea(attrs={"rows": 2}))
    eligible_applicants = forms.MultipleChoiceField(
        label=_("Hvem kan søge"), choices=ApplicantKind.choices, widget=forms.CheckboxSelectMultiple
    )
    budget = money(_("Puljens budget (kr.)"))
    max_per_grant = money(_("Højeste tilskud pr. ansøgning (kr.)"))
    opens_at = forms.DateTimeField(label=_("Åbner (dansk tid)"), widget=DateTimeInput())
    deadline = forms.DateTimeField(label=_("Ansøgningsfrist (dansk tid)"), widget=DateTimeInput())
    expected_decision_on = forms.DateField(label=_("Forventet afgørelse"), widget=DateInput(), required=False)
    required_attachments = forms.CharField(
        label=_("Krævede bilag"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Ét bilag pr. linje, fx “Budget” eller “Tidsplan”."),
    )
    questions = forms.CharField(
        label=_("Puljens egne spørgsmål"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Ét spørgsmål pr. linje; ansøgerne skal besvare dem alle, før de indsender."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion, label in AwardCriterion.choices:
            self.fields[f"weight_{criterion}"] = forms.IntegerField(
                label=_("Vægt (%%): %(criterion)s") % {"criterion": label},
                min_value=0,
                max_value=100,
                initial=DEFAULT_WEIGHTS[criterion],
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weights = [data.get(f"weight_{c}") for c in AwardCriterion.values]
        total = sum(w for w in weights if w is not None)
        if all(w is not None for w in weights) and total != 100:
            self.add_error(
                None,
                _("Kriteriernes vægte skal give 100 %% tilsammen; de giver nu %(total)s %%.")
                % {"total": total},
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        weights = {c: data.pop(f"weight_{c}") for c in AwardCriterion.values}
        return {**data, "weights": weights}

    @classmethod
    def initial_for(cls, pool: Pool) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(pool, name)
            for name in (
                "title",
                "purpose",
                "target_group",
                "eligible_applicants",
                "budget",
                "max_per_grant",
                "opens_at",
                "deadline",
                "expected_decision_on",
                "required_attachments",
                "questions",
            )
        }
        for criterion in pool.criteria.all():
            initial[f"weight_{criterion.criterion}"] = criterion.weight
        return initial


class ApplicationForm(forms.Form):
    title = forms.CharField(label=_("Projektets titel"), max_length=200)
    purpose = forms.CharField(label=_("Formål"), widget=forms.Textarea(attrs={"rows": 3}))
    target_group = forms.CharField(
        label=_("Målgruppe"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    activities = forms.CharField(
        label=_("Aktiviteter"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    timeline = forms.CharField(label=_("Tidsplan"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    organisation_text = forms.CharField(
        label=_("Organisering"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    amount_requested = money(_("Ansøgt beløb (kr.)"))

    def __init__(self, *args: Any, questions: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions or [])
        for index, question in enumerate(self.questions):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question, widget=forms.Textarea(attrs={"rows": 3}), required=False
            )

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned data with the answers to the pool's questions gathered by question."""
        data = dict(self.cleaned_data)
        answers = {question: data.pop(f"answer_{index}", "") for index, question in enumerate(self.questions)}
        return {**data, "answers": answers} if self.questions else data

    @classmethod
    def initial_for(cls, application: Application) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(application, name) for name in cls.base_fields}
        for index, question in enumerate(application.pool.question_list):
            initial[f"answer_{index}"] = application.answers.get(question, "")
        return initial


class ApplicantChoiceForm(ApplicationForm):
    applicant = forms.ModelChoiceField(
        label=_("Ansøger"), queryset=Organisation.objects.none(), empty_label=None
    )

    field_order = ["applicant"]

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applicant"].queryset = organisations  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    name = forms.CharField(
        label=_("Bilagets navn"), max_length=200, help_text=_("Fx “Budget” eller “Tidsplan”.")
    )
    file = forms.FileField(
        label=_("Fil"), help_text=_("PDF, Word, Excel, OpenDocument, CSV eller tekst, højst 10 MB.")
    )


class CoEditorForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Medredaktør"), queryset=User.objects.none())

    def __init__(self, *args: Any, organisation: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = (
            User.objects.filter(memberships__organisation=organisation).distinct()
            if organisation
            else User.objects.none()
        )
        self.fields["person"].queryset = queryset  # type: ignore[attr-defined]


SCORE_CHOICES = [(str(n), str(n)) for n in range(6)]


class AssessmentForm(forms.Form):
    has_conflict = forms.BooleanField(label=_("Jeg er inhabil og vurderer ikke ansøgningen"), required=False)
    conflict_note = forms.CharField(
        label=_("Begrundelse for inhabilitet"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    comment = forms.CharField(
        label=_("Samlet vurdering"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, criteria: list[PoolCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=_("%(criterion)s (vægt %(weight)s %%)")
                % {"criterion": criterion.get_criterion_display(), "weight": criterion.weight},
                choices=SCORE_CHOICES,
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
                help_text=_("0 = slet ikke opfyldt, 5 = fuldt opfyldt."),
            )
        self.order_fields([*(f"score_{c.pk}" for c in criteria), "comment", "has_conflict", "conflict_note"])

    def scores(self) -> dict[int, int]:
        return {
            c.pk: self.cleaned_data[f"score_{c.pk}"]
            for c in self.criteria
            if self.cleaned_data.get(f"score_{c.pk}") not in (None, "")
        }


class AwardForm(forms.Form):
    amount = money(_("Tilskud (kr.)"))
    project_start = forms.DateField(label=_("Projektstart"), widget=DateInput())
    project_end = forms.DateField(label=_("Projektslut"), widget=DateInput())
    conditions = forms.CharField(
        label=_("Særlige vilkår"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Begrundelse for afslag"), widget=forms.Textarea(attrs={"rows": 3}))


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("Projektet startede den"), widget=DateInput())


class ReportForm(forms.Form):
    """A report, with the spending so far on each budget line (required in the accounts)."""

    file = forms.FileField(label=_("Rapport"), required=False)
    note = forms.CharField(label=_("Bemærkning"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category, label in BudgetCategory.choices:
            self.fields[f"spent_{category}"] = forms.DecimalField(
                label=_("Forbrug til dato: %(line)s (kr.)") % {"line": label},
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
            )

    def spending(self) -> dict[str, Decimal]:
        return {
            category: self.cleaned_data[f"spent_{category}"]
            for category in BudgetCategory.values
            if self.cleaned_data.get(f"spent_{category}") is not None
        }


class AssignAssessorForm(forms.Form):
    assessor = forms.ModelChoiceField(label=_("Bedømmer"), queryset=User.objects.none())

    def __init__(self, *args: Any, assessors: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = assessors  # type: ignore[attr-defined]


class ReturnReportForm(forms.Form):
    reason = forms.CharField(
        label=_("Hvorfor sendes rapporten retur?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 2}))


class BudgetLinesForm(forms.Form):
    """The application's budget: an amount per line and what others co-fund."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category, label in BudgetCategory.choices:
            self.fields[f"amount_{category}"] = forms.DecimalField(
                label=_("%(line)s: søges (kr.)") % {"line": label},
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
            )
            self.fields[f"co_amount_{category}"] = forms.DecimalField(
                label=_("%(line)s: medfinansiering (kr.)") % {"line": label},
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
            )
            self.fields[f"co_source_{category}"] = forms.CharField(
                label=_("%(line)s: medfinansieret af") % {"line": label}, required=False, max_length=200
            )

    def lines(self) -> dict[str, tuple[Decimal, Decimal, str]]:
        data = self.cleaned_data
        return {
            category: (
                data.get(f"amount_{category}") or Decimal("0"),
                data.get(f"co_amount_{category}") or Decimal("0"),
                data.get(f"co_source_{category}", ""),
            )
            for category in BudgetCategory.values
            if data.get(f"amount_{category}") is not None or data.get(f"co_amount_{category}") is not None
        }


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ChangeKind.choices)
    description = forms.CharField(
        label=_("Beskrivelse og begrundelse"), widget=forms.Textarea(attrs={"rows": 3})
    )
    new_end = forms.DateField(
        label=_("Ny projektslut (kun ved forlængelse)"), widget=DateInput(), required=False
    )


class DecideChangeForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Afgørelse"),
        choices=[("1", _("Godkend")), ("0", _("Afvis"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Styrelsens skriftlige svar"), widget=forms.Textarea(attrs={"rows": 2}))


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Din e-mailadresse"))


class _WithIntervention(forms.Form):
    """A form whose first field picks an intervention (``intervention_field``: a search when there are
    many)."""

    intervention = forms.CharField()  # replaced in __init__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intervention"] = intervention_field(Intervention.objects.order_by("name"))


def _municipalities() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Kommune"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, is_active=True).order_by(
            "name"
        ),
    )


class TrainingForm(_WithIntervention):
    municipality = _municipalities()
    staff_name = forms.CharField(label=_("Medarbejder"), max_length=200)
    staff_role = forms.CharField(label=_("Stilling"), max_length=120, required=False)
    course = forms.CharField(label=_("Forløb"), max_length=200)
    trained_on = forms.DateField(label=_("Uddannet den"), widget=DateInput())


class SupportForm(_WithIntervention):
    municipality = _municipalities()
    kind = forms.ChoiceField(label=_("Type"), choices=SupportKind.choices)
    given_on = forms.DateField(label=_("Dato"), widget=DateInput())
    hours = AmountField(label=_("Timer"), max_digits=6, decimal_places=1, min_value=0)
    note = forms.CharField(label=_("Notat"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
