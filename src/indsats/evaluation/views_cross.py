"""The evaluation report across practices: choose studies, see the pooled effect, download the PDF.

Thin: the studies come from the evaluation selectors (only those the person may see), the numbers from
cross_practice. Study ids in the address that the person may not see are ignored on the page (as if they
did not exist) and give 404 for the PDF; either way nothing about them is shown.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indsats.accounts.permissions import MANAGE_STUDIES, VIEW_PORTFOLIO, has_permission
from indsats.evaluation import cross_practice
from indsats.evaluation.models import Study

STUDY_PARAMETER = "studie"
CHOSEN_PARAMETER = "valgt"


class CrossPracticeForm(forms.Form):
    studie = forms.MultipleChoiceField(
        label=gettext_lazy("Effektstudier, der indgår"),
        help_text=gettext_lazy(
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
                _("%(intervention)s: %(study)s (%(design)s)")
                % {
                    "intervention": study.intervention,
                    "study": study.name,
                    "design": study.get_design_display(),
                },
            )
            for study in studies
        ]


def _require_access(request: HttpRequest) -> None:
    if not (has_permission(request.user, MANAGE_STUDIES) or has_permission(request.user, VIEW_PORTFOLIO)):
        raise PermissionDenied("evaluation")


def _requested_ids(query: QueryDict) -> set[int]:
    return {int(value) for value in query.getlist(STUDY_PARAMETER) if value.isdigit()}


def _selection(request: HttpRequest, *, strict: bool) -> tuple[list[Study], list[Study]]:
    """(the studies the person may choose from, the chosen ones). Without a choice in the address every
    study that may be chosen is; with ``strict`` an id the person may not see is a 404."""
    selectable = list(cross_practice.selectable_studies(user=request.user))
    if CHOSEN_PARAMETER not in request.GET and STUDY_PARAMETER not in request.GET:
        return selectable, selectable
    requested = _requested_ids(request.GET)
    chosen = [study for study in selectable if study.pk in requested]
    if strict and len(chosen) != len(requested):
        raise Http404
    return selectable, chosen


@login_required
def cross_practice_report(request: HttpRequest) -> HttpResponse:
    _require_access(request)
    selectable, chosen = _selection(request, strict=False)
    form = CrossPracticeForm(
        {STUDY_PARAMETER: [str(s.pk) for s in chosen], CHOSEN_PARAMETER: "1"}, studies=selectable
    )
    form.is_valid()
    context = cross_practice.report_context(cross_practice.build_report(chosen))
    query = QueryDict(mutable=True)
    query.setlist(STUDY_PARAMETER, [str(s.pk) for s in chosen])
    context.update({"form": form, "selectable": selectable, "pdf_query": query.urlencode()})
    return render(request, "evaluation/cross_practice.html", context)


@login_required
def cross_practice_pdf(request: HttpRequest) -> HttpResponse:
    _require_access(request)
    _selectable, chosen = _selection(request, strict=True)
    context = cross_practice.report_context(cross_practice.build_report(chosen))
    response = HttpResponse(cross_practice.report_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="evaluering-tvaergaaende.pdf"'
    return response
