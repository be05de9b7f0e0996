"""Pages of effect studies. Thin: services write, selectors read, permissions decide there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts.permissions import MANAGE_STUDIES, VIEW_PORTFOLIO, has_permission
from indsats.dashboard.form_errors import show_service_errors
from indsats.evaluation import report, selectors, services
from indsats.evaluation.forms import GradeForm, StudyForm
from indsats.evaluation.models import Analysis, RenderedReport, RenderStatus, ReportKind, Study
from indsats.interventions.models import Intervention
from indsats.outcomes.registry import engine_instrument


def _require_access(request: HttpRequest) -> None:
    if not (has_permission(request.user, MANAGE_STUDIES) or has_permission(request.user, VIEW_PORTFOLIO)):
        raise PermissionDenied("evaluation")


def _study_or_404(request: HttpRequest, pk: int) -> Study:
    try:
        return selectors.study_detail(user=request.user, pk=pk)
    except Study.DoesNotExist as error:
        raise Http404 from error


def _analysis_or_404(request: HttpRequest, pk: int) -> Analysis:
    try:
        return selectors.analysis_detail(user=request.user, pk=pk)
    except Analysis.DoesNotExist as error:
        raise Http404 from error


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_access(request)
    return render(
        request,
        "evaluation/index.html",
        {
            "studies": selectors.studies(user=request.user).prefetch_related("analyses"),
            "interventions": selectors.manageable_interventions(user=request.user),
        },
    )


@login_required
def study_create(request: HttpRequest, intervention_pk: int) -> HttpResponse:
    intervention = Intervention.objects.filter(pk=intervention_pk).first()
    if intervention is None or not selectors.can_manage_studies_of(request.user, intervention):
        raise Http404
    form = StudyForm(request.POST or None, intervention=intervention)
    if request.method == "POST" and form.is_valid():
        try:
            study = services.create_study(
                actor=request.user, intervention=intervention, **form.service_arguments()
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Effektstudiet er oprettet."))
            return redirect("evaluation:study_detail", pk=study.pk)
    return render(request, "evaluation/study_create.html", {"form": form, "intervention": intervention})


@login_required
def study_detail(request: HttpRequest, pk: int) -> HttpResponse:
    study = _study_or_404(request, pk)
    return render(
        request,
        "evaluation/study_detail.html",
        {
            "study": study,
            "score_name": engine_instrument(study.instrument).score_name(study.score_key).da,
            "adjusted_for": report.covariate_list(study),
            "analyses": study.analyses.all(),
            "can_manage": selectors.can_manage_studies_of(request.user, study.intervention),
        },
    )


@login_required
@require_POST
def study_run(request: HttpRequest, pk: int) -> HttpResponse:
    study = _study_or_404(request, pk)
    try:
        analysis = services.run_analysis(actor=request.user, study=study)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("evaluation:study_detail", pk=study.pk)
    messages.success(request, _("Analysen er beregnet."))
    return redirect("evaluation:analysis_report", pk=analysis.pk)


@login_required
def analysis_report(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis_or_404(request, pk)
    can_manage = selectors.can_manage_studies_of(request.user, analysis.study.intervention)
    form = GradeForm(request.POST or None, initial={"grade": analysis.grade})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("evaluation.manage_studies")
        if form.is_valid():
            try:
                services.override_grade(
                    actor=request.user,
                    analysis=analysis,
                    grade=form.cleaned_data["grade"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, _("Vurderingen er gemt."))
                return redirect("evaluation:analysis_report", pk=analysis.pk)
    context = report.report_context(analysis, request.GET.get("type", "slut"))
    context.update({"form": form, "can_manage": can_manage})
    return render(request, "evaluation/report.html", context)


def _report_kind(request: HttpRequest) -> str:
    kind = request.GET.get("type", ReportKind.FINAL)
    return kind if kind in ReportKind.values else ReportKind.FINAL


def _rendered_report(analysis: Analysis, kind: str) -> RenderedReport | None:
    """The ordered PDF of the report in the person's language (without its bytes)."""
    return (
        RenderedReport.objects.defer("pdf")
        .filter(analysis=analysis, kind=kind, language=get_language())
        .first()
    )


@login_required
def analysis_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF: served when rendered, else ordered from the background worker and a page
    that follows its progress is shown. POST orders a failed rendering again."""
    analysis = _analysis_or_404(request, pk)
    kind = _report_kind(request)
    url = reverse("evaluation:analysis_pdf", args=[analysis.pk]) + f"?type={kind}"
    if request.method == "POST":
        services.request_report_pdf(actor=request.user, analysis=analysis, kind=kind, language=get_language())
        return redirect(url)
    rendered = _rendered_report(analysis, kind)
    if rendered is not None and rendered.status == RenderStatus.DONE:
        pdf = RenderedReport.objects.values_list("pdf", flat=True).get(pk=rendered.pk) or b""
        response = HttpResponse(bytes(pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="evaluering-{analysis.pk}-{kind}.pdf"'
        return response
    if rendered is None:
        services.request_report_pdf(actor=request.user, analysis=analysis, kind=kind, language=get_language())
        rendered = _rendered_report(analysis, kind)  # a worker that runs at once may have finished it
    return render(
        request,
        "evaluation/pdf_status.html",
        {"analysis": analysis, "kind": kind, "rendered": rendered, "pdf_url": url},
    )


@login_required
def analysis_pdf_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment of an ordered report PDF, polled by htmx every second until it is done."""
    analysis = _analysis_or_404(request, pk)
    kind = _report_kind(request)
    rendered = _rendered_report(analysis, kind)
    if rendered is None:
        raise Http404
    return render(
        request,
        "evaluation/_pdf_status.html",
        {
            "analysis": analysis,
            "kind": kind,
            "rendered": rendered,
            "pdf_url": reverse("evaluation:analysis_pdf", args=[analysis.pk]) + f"?type={kind}",
        },
    )
