"""Forms of the steering group's pages: plan a meeting, its agenda, attendance, recusals, decisions with
votes and conditions, conditions followed up, and a municipality's answer on operation."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.governance.models import ItemKind, Position
from indsats.governance.selectors import steering_group_members
from indsats.governance.services.allocation import CandidateRow, GroupLimit
from indsats.grants.models import ProgrammeYear
from indsats.interventions.models import Financing, GateReview, OperationStatus, ReviewStatus
from indsats.interventions.workflow import DECISIONS, ConditionAction


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class PeopleChoiceField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


def _members_queryset() -> Any:
    return User.objects.filter(pk__in=[m.pk for m in steering_group_members()]).order_by(
        "last_name", "first_name"
    )


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Dato"), widget=DateInput())
    location = forms.CharField(label=_("Sted"), max_length=200, required=False)
    quorum = forms.IntegerField(
        label=_("Beslutningsdygtig ved"),
        min_value=1,
        required=False,
        help_text=_(
            "Antal fremmødte medlemmer (uden inhabile), et punkt kræver. Tomt: flertal af medlemmerne."
        ),
    )


class AgendaItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ItemKind.choices)
    gate_review = forms.ModelChoiceField(
        label=_("Gate review"), queryset=GateReview.objects.none(), required=False
    )
    programme_year = forms.ModelChoiceField(
        label=_("Programår"), queryset=ProgrammeYear.objects.none(), required=False
    )
    title = forms.CharField(
        label=_("Overskrift"),
        max_length=300,
        required=False,
        help_text=_("Tom: navnet på gate review eller programår."),
    )
    description = forms.CharField(
        label=_("Beskrivelse"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gate_review"].queryset = GateReview.objects.filter(  # type: ignore[attr-defined]
            status=ReviewStatus.SUBMITTED
        ).select_related("intervention")
        self.fields["programme_year"].queryset = ProgrammeYear.objects.select_related(  # type: ignore[attr-defined]
            "programme"
        )


class AttendanceForm(forms.Form):
    members_present = PeopleChoiceField(
        label=_("Fremmødte medlemmer"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    chair = PersonChoiceField(label=_("Mødeleder"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = _members_queryset()
        self.fields["members_present"].queryset = members  # type: ignore[attr-defined]
        self.fields["chair"].queryset = members  # type: ignore[attr-defined]


class RecusalForm(forms.Form):
    member = PersonChoiceField(label=_("Medlem"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Begrundelse for inhabilitet"), max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = _members_queryset()  # type: ignore[attr-defined]


class ItemDecisionForm(forms.Form):
    """The decision on one item: the outcome, the reason, consensus or one position per eligible member,
    and (for a gate review approved with conditions) up to two conditions with owner and deadline."""

    CONDITION_ROWS = 2

    outcome = forms.CharField(label=_("Beslutning"), max_length=40)
    text = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 3}))
    by_consensus = forms.BooleanField(label=_("Truffet i enighed (ingen afstemning)"), required=False)

    def __init__(self, *args: Any, item_kind: str, eligible: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.eligible = eligible
        self.is_gate_review = item_kind == ItemKind.GATE_REVIEW
        if self.is_gate_review:
            self.fields["outcome"] = forms.ChoiceField(
                label=_("Afgørelse"), choices=[(d.value, d.label) for d in DECISIONS]
            )
        for member in eligible:
            self.fields[f"vote_{member.pk}"] = forms.ChoiceField(
                label=_("Stemme: %(name)s") % {"name": member.get_full_name() or member.username},
                choices=[("", "–"), *Position.choices],
                required=False,
            )
        if self.is_gate_review:
            owners = (
                User.objects.filter(is_active=True, memberships__isnull=False)
                .distinct()
                .order_by("last_name", "first_name")
            )
            for row in range(1, self.CONDITION_ROWS + 1):
                self.fields[f"condition_{row}_text"] = forms.CharField(
                    label=_("Betingelse %(n)s") % {"n": row}, max_length=500, required=False
                )
                self.fields[f"condition_{row}_owner"] = PersonChoiceField(
                    label=_("Ansvarlig for betingelse %(n)s") % {"n": row}, queryset=owners, required=False
                )
                self.fields[f"condition_{row}_deadline"] = forms.DateField(
                    label=_("Frist for betingelse %(n)s") % {"n": row}, widget=DateInput(), required=False
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(1, self.CONDITION_ROWS + 1):
            text = data.get(f"condition_{row}_text")
            if text and not (data.get(f"condition_{row}_owner") and data.get(f"condition_{row}_deadline")):
                self.add_error(
                    f"condition_{row}_text", _("En betingelse skal have en ansvarlig og en frist.")
                )
        return data

    def votes(self) -> dict[int, str]:
        return {
            member.pk: self.cleaned_data[f"vote_{member.pk}"]
            for member in self.eligible
            if self.cleaned_data.get(f"vote_{member.pk}")
        }

    def condition_rows(self) -> list[tuple[str, User, Any]]:
        rows = []
        for row in range(1, self.CONDITION_ROWS + 1):
            text = self.cleaned_data.get(f"condition_{row}_text")
            if text:
                rows.append(
                    (
                        text,
                        self.cleaned_data[f"condition_{row}_owner"],
                        self.cleaned_data[f"condition_{row}_deadline"],
                    )
                )
        return rows


class ConditionChangeForm(forms.Form):
    action = forms.ChoiceField(label=_("Handling"), choices=ConditionAction.choices)
    resolution = forms.CharField(
        label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class OperationAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Er indsatsen i drift?"), choices=OperationStatus.choices, widget=forms.RadioSelect
    )
    financing = forms.ChoiceField(
        label=_("Finansiering"), choices=Financing.choices, widget=forms.RadioSelect
    )
    children_served = forms.IntegerField(label=_("Antal børn og unge i året"), min_value=0, required=False)
    annual_cost = forms.DecimalField(
        label=_("Udgift i året (kr.)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    reason = forms.CharField(
        label=_("Begrundelse"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Hvorfor er indsatsen tilpasset eller stoppet?"),
    )


PLAIN_NUMBER = re.compile(r"^\d+([.,]\d+)?$")


def _exact_number(text: str, line: int, column: str) -> Decimal:
    written = text.strip()
    if written.startswith("-"):
        raise forms.ValidationError(
            _("Linje %(line)s, “%(column)s”: %(value)s er negativ; udelad kandidaten i stedet.")
            % {"line": line, "column": column, "value": written}
        )
    if not PLAIN_NUMBER.match(written):
        raise forms.ValidationError(
            _(
                "Linje %(line)s, “%(column)s”: “%(value)s” er ikke et tal uden tusindtalsseparator. "
                "Skriv fx 12000000 eller 0,75."
            )
            % {"line": line, "column": column, "value": written}
        )
    return Decimal(written.replace(",", "."))


class ScenarioForm(forms.Form):
    """A scenario of the allocation helper: candidates one a line as "nøgle;navn;omkostning;værdi",
    numbers read exactly (a thousands separator is refused, never misread)."""

    name = forms.CharField(label=_("Scenariets navn"), max_length=200)
    budget = forms.DecimalField(label=_("Budget (kr.)"), min_value=0, max_digits=14, decimal_places=2)
    candidates = forms.CharField(
        label=_("Kandidater"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Én pr. linje: nøgle;navn;omkostning (kr.);værdi, fx “skole;Skolefravær;12000000;30”. Valgfrit "
            "derefter ;mindste andel (delfinansiering, fx 0,5) og ;gruppe."
        ),
    )
    must_include = forms.CharField(label=_("Skal med (nøgler, adskilt af komma)"), required=False)
    must_exclude = forms.CharField(label=_("Skal ikke med (nøgler, adskilt af komma)"), required=False)
    group_limits = forms.CharField(
        label=_("Grænser for grupper"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Én pr. linje: gruppe;mindst;højst, fx “skole;1;2” (tomt højst: ingen grænse)."),
    )

    def clean_candidates(self) -> list[CandidateRow]:
        rows = []
        for line, raw in enumerate(self.cleaned_data["candidates"].splitlines(), start=1):
            if not raw.strip():
                continue
            parts = [part.strip() for part in raw.split(";")]
            if not 4 <= len(parts) <= 6 or not parts[0]:
                raise forms.ValidationError(
                    _("Linje %(line)s: skriv nøgle;navn;omkostning;værdi.") % {"line": line}
                )
            min_share = (
                _exact_number(parts[4], line, str(_("mindste andel")))
                if len(parts) > 4 and parts[4]
                else Decimal(1)
            )
            if not Decimal(0) < min_share <= Decimal(1):
                raise forms.ValidationError(
                    _("Linje %(line)s: den mindste andel skal være over 0 og højst 1.") % {"line": line}
                )
            rows.append(
                CandidateRow(
                    parts[0],
                    parts[1] or parts[0],
                    _exact_number(parts[2], line, str(_("omkostning"))),
                    _exact_number(parts[3], line, str(_("værdi"))),
                    min_share,
                    parts[5] if len(parts) > 5 else "",
                )
            )
        if not rows:
            raise forms.ValidationError(_("Skriv mindst én kandidat."))
        return rows

    @staticmethod
    def _keys(text: str) -> list[str]:
        return [key.strip() for key in text.split(",") if key.strip()]

    def clean_must_include(self) -> list[str]:
        return self._keys(self.cleaned_data["must_include"])

    def clean_must_exclude(self) -> list[str]:
        return self._keys(self.cleaned_data["must_exclude"])

    def clean_group_limits(self) -> list[GroupLimit]:
        limits = []
        for line, raw in enumerate(self.cleaned_data["group_limits"].splitlines(), start=1):
            if not raw.strip():
                continue
            parts = [part.strip() for part in raw.split(";")]
            if (
                len(parts) != 3
                or not parts[0]
                or not parts[1].isdigit()
                or not (parts[2].isdigit() or not parts[2])
            ):
                raise forms.ValidationError(
                    _("Linje %(line)s: skriv gruppe;mindst;højst med hele tal.") % {"line": line}
                )
            limits.append(GroupLimit(parts[0], int(parts[1]), int(parts[2]) if parts[2] else None))
        return limits


class PoliticalDecisionForm(forms.Form):
    decision = forms.CharField(label=_("Den politiske beslutning"), widget=forms.Textarea(attrs={"rows": 3}))
    decided_on = forms.DateField(label=_("Besluttet den"), widget=DateInput())
