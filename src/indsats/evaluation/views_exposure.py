"""The dose and fidelity page of an intervention. Thin: services write, selectors read and decide scope."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.evaluation import exposure_selectors, services
from indsats.evaluation.exposure_forms import ExposureChildForm, ExposureUploadForm
from indsats.evaluation.exposure_selectors import ExposureScope
from indsats.interventions.models import Intervention
from indsats.outcomes.services import pseudonym_key


def _scope_or_404(request: HttpRequest, intervention_pk: int) -> ExposureScope:
    """404 for an intervention that does not exist and for one the person has nothing to do with."""
    intervention = Intervention.objects.filter(pk=intervention_pk).first()
    scope = exposure_selectors.exposure_scope(request.user, intervention) if intervention else None
    if scope is None:
        raise Http404
    return scope


def _page(
    request: HttpRequest,
    scope: ExposureScope,
    *,
    upload_form: ExposureUploadForm | None = None,
    child_form: ExposureChildForm | None = None,
    result: services.ExposureImport | None = None,
) -> HttpResponse:
    rows, total = exposure_selectors.municipality_summaries(scope)
    context: dict[str, Any] = {
        "intervention": scope.intervention,
        "scope": scope,
        "summaries": rows,
        "total": total,
        "children": exposure_selectors.child_rows(scope, pseudonym_key()),
        "upload_form": upload_form or ExposureUploadForm(),
        "child_form": child_form or ExposureChildForm(scope=scope),
        "result": result,
    }
    return render(request, "evaluation/exposure_index.html", context)


@login_required
def exposure_index(request: HttpRequest, intervention_pk: int) -> HttpResponse:
    return _page(request, _scope_or_404(request, intervention_pk))


@login_required
@require_POST
def exposure_import(request: HttpRequest, intervention_pk: int) -> HttpResponse:
    scope = _scope_or_404(request, intervention_pk)
    form = ExposureUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, scope, upload_form=form)
    upload = form.cleaned_data["file"]
    result = services.import_exposures(
        actor=request.user, intervention=scope.intervention, content=upload.read(), file_name=upload.name
    )
    if not result.is_valid:
        return _page(request, scope, upload_form=form, result=result)
    messages.success(
        request,
        _("Filen er indlæst: %(created)s nye, %(updated)s ændrede og %(unchanged)s uændrede børn.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("evaluation:exposure_index", intervention_pk=scope.intervention.pk)


@login_required
@require_POST
def exposure_set(request: HttpRequest, intervention_pk: int) -> HttpResponse:
    scope = _scope_or_404(request, intervention_pk)
    form = ExposureChildForm(request.POST, scope=scope)
    if form.is_valid():
        participant = form.cleaned_data.get("participant")
        if participant is None:
            participant = exposure_selectors.participant_by_code(
                scope, form.cleaned_data["code"], pseudonym_key()
            )
            if participant is None:
                form.add_error(
                    "code", _("Koden findes ikke blandt børnene i indsatsen. Tjek koden i eksporten.")
                )
        if participant is not None:
            try:
                services.record_exposure(
                    actor=request.user,
                    intervention=scope.intervention,
                    participant=participant,
                    sessions=form.cleaned_data["sessions"],
                    fidelity=form.cleaned_data["fidelity"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Barnets dosis og troskab er gemt."))
                return redirect("evaluation:exposure_index", intervention_pk=scope.intervention.pk)
    return _page(request, scope, child_form=form)
