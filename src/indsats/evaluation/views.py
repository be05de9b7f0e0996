"""Pages of effect studies. Thin: services write, selectors read, permissions decide there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.evaluation import access, cross_practice, report, selectors, services
from indsats.evaluation.access import ExposureScope
from indsats.evaluation.exposure import ExposureImport
from indsats.evaluation.forest_plot import ForestRow, forest_plot
from indsats.evaluation.forms import (
    AllocationUploadForm,
    CrossPracticeForm,
    EnrolmentForm,
    ExposureChildForm,
    ExposureUploadForm,
    GradeForm,
    RandomisationForm,
    RatingDecisionForm,
    StudyForm,
)
from indsats.evaluation.literature import literature_effects, pooled_literature
from indsats.evaluation.models import (
    Analysis,
    Design,
    Randomisation,
    RenderedReport,
    RenderStatus,
    ReportKind,
    Study,
)
from indsats.evaluation.rating import evidence_rating
from indsats.outcomes.pseudonyms import pseudonym_key
from indsats.outcomes.registry import engine_instrument, localised
from indsats.ui.converters import url_with_id
from indsats.ui.pagination import paginate
from indsats.ui.service_calls import run_service


def _study_or_404(request: AuthenticatedHttpRequest, pk: int) -> Study:
    try:
        return selectors.study_detail(user=request.user, pk=pk)
    except Study.DoesNotExist as error:
        raise Http404 from error


def _analysis_or_404(request: AuthenticatedHttpRequest, pk: int) -> Analysis:
    try:
        return selectors.analysis_detail(user=request.user, pk=pk)
    except Analysis.DoesNotExist as error:
        raise Http404 from error


def _readable_study(request: AuthenticatedHttpRequest, pk: int) -> tuple[Study, bool]:
    """The study for its reader, and whether they read it as a municipality (their practice only)."""
    try:
        return selectors.study_detail(user=request.user, pk=pk), False
    except Study.DoesNotExist:
        pass
    try:
        return selectors.practice_study_detail(user=request.user, pk=pk), True
    except Study.DoesNotExist as error:
        raise Http404 from error


def _readable_analysis(request: AuthenticatedHttpRequest, pk: int) -> tuple[Analysis, bool, bool]:
    """The analysis for its reader, whether they read it as a municipality (their practice only), and
    whether they manage its study."""
    try:
        analysis, manages = selectors.analysis_detail_with_management(user=request.user, pk=pk)
        return analysis, False, manages
    except Analysis.DoesNotExist:
        pass
    try:
        analysis = selectors.practice_analysis_detail(user=request.user, pk=pk)
    except Analysis.DoesNotExist as error:
        raise Http404 from error
    return analysis, True, access.can_manage_studies_of(request.user, analysis.study.intervention)


@dataclass(frozen=True)
class StudyRow:
    """A row of the study list, as it shows it."""

    url: str
    name: str
    intervention: str
    design: str  # the design's label
    analysis_count: int


@dataclass(frozen=True)
class InterventionLinks:
    """An intervention of the study list's links: a new study of it, its dose and fidelity."""

    name: str
    study_create_url: str
    exposure_url: str


def _study_rows(rows: list[tuple[int, str, str, str, int]]) -> list[StudyRow]:
    study_url = url_with_id("evaluation:study_detail")
    designs = {design.value: str(design.label) for design in Design}
    return [
        StudyRow(study_url(pk), name, intervention, designs.get(design, design), count)
        for pk, name, intervention, design, count in rows
    ]


def _intervention_links(rows: list[tuple[int, str]]) -> list[InterventionLinks]:
    create_url = url_with_id("evaluation:study_create")
    exposure_url = url_with_id("evaluation:exposure_index")
    return [InterventionLinks(name, create_url(pk), exposure_url(pk)) for pk, name in rows]


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_evaluation_access(request.user)
    return render(
        request,
        "evaluation/index.html",
        {
            "studies": paginate(request, selectors.study_list(user=request.user), prepare=_study_rows),
            "interventions": paginate(
                request,
                selectors.manageable_interventions(user=request.user),
                parameter="indsats-side",
                prepare=_intervention_links,
            ),
        },
    )


@login_required
def study_create(request: AuthenticatedHttpRequest, intervention_pk: int) -> HttpResponse:
    intervention = selectors.intervention(pk=intervention_pk)
    if intervention is None or not access.can_manage_studies_of(request.user, intervention):
        raise Http404
    form = StudyForm(request.POST or None, intervention=intervention)
    if request.method == "POST" and form.is_valid():
        study = run_service(
            lambda: services.create_study(
                actor=request.user, intervention=intervention, **form.service_arguments()
            ),
            form=form,
        )
        if study is not None:
            messages.success(request, _("Effektstudiet er oprettet."))
            return redirect("evaluation:study_detail", pk=study.pk)
    return render(request, "evaluation/study_create.html", {"form": form, "intervention": intervention})


@login_required
def study_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    study, practice_reader = _readable_study(request, pk)
    can_manage = access.can_manage_studies_of(request.user, study.intervention)
    # A municipality's reader does not see how far the allocation lists are used (concealment).
    randomisation = None if practice_reader else Randomisation.objects.filter(study=study).first()
    needs_list = can_manage and study.design == Design.RANDOMISED and randomisation is None
    return render(
        request,
        "evaluation/study_detail.html",
        {
            "study": study,
            "score_name": localised(engine_instrument(study.instrument).score_name(study.score_key)),
            "adjusted_for": report.covariate_list(study),
            "analyses": study.analyses.all(),
            "can_manage": can_manage,
            "practice_reader": practice_reader,
            "randomisation": randomisation,
            "positions": selectors.randomisation_positions(study) if randomisation else [],
            "randomisation_problems": study.randomisation_problems(),
            "randomise_form": RandomisationForm(prefix="r") if needs_list else None,
            "upload_form": AllocationUploadForm(prefix="u") if needs_list else None,
        },
    )


@login_required
@require_POST
def study_randomise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Make the allocation list in Indsats (or store an uploaded one, with ?upload)."""
    study = _study_or_404(request, pk)
    access.require_study_manager(request.user, study.intervention)
    if "upload" in request.GET:
        upload = AllocationUploadForm(request.POST, request.FILES, prefix="u")
        if upload.is_valid():
            content = upload.cleaned_data["file"].read().decode("utf-8-sig", errors="replace")
            run_service(
                lambda: services.upload_allocation_list(
                    actor=request.user,
                    study=study,
                    content=content,
                    made_by=upload.cleaned_data["made_by"],
                    made_at=upload.cleaned_data["made_at"],
                ),
                request=request,
                success=_("Allokeringslisten er gemt."),
            )
        else:
            messages.error(request, _("Udfyld fil, hvem der lavede listen, og hvornår."))
        return redirect("evaluation:study_detail", pk=study.pk)
    form = RandomisationForm(request.POST, prefix="r")
    if form.is_valid():
        run_service(
            lambda: services.randomise_study(actor=request.user, study=study, **form.cleaned_data),
            request=request,
            success=_("Lodtrækningen er lavet og gemt. Listen er skjult, indtil børnene tilmeldes."),
        )
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("evaluation:study_detail", pk=study.pk)


@login_required
def study_enrol(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Municipality staff enrol their own children in a randomised study; each enrolment reveals the
    next position of the child's municipality, nothing more."""
    study = selectors.randomised_studies_for_enrolment(user=request.user).filter(pk=pk).first()
    if study is None:
        raise Http404
    form = EnrolmentForm(
        request.POST or None, children=selectors.children_to_enrol(user=request.user, study=study)
    )
    if request.method == "POST" and form.is_valid():
        allocation = run_service(
            lambda: services.enrol_randomised_child(
                actor=request.user, study=study, participant=form.cleaned_data["participant"]
            ),
            form=form,
        )
        if allocation is not None:
            messages.success(
                request,
                _("Barnet er tilmeldt: %(arm)s.") % {"arm": allocation.get_arm_display()},
            )
            return redirect("evaluation:study_enrol", pk=study.pk)
    return render(
        request,
        "evaluation/study_enrol.html",
        {
            "study": study,
            "form": form,
            "revealed": selectors.allocations_revealed_to(user=request.user, study=study),
        },
    )


@login_required
def intervention_rating(request: AuthenticatedHttpRequest, intervention_pk: int) -> HttpResponse:
    """The intervention's evidence rating with its reasons; the agency may set another with a reason."""
    intervention = selectors.intervention(pk=intervention_pk)
    if intervention is None or not access.can_see_rating(request.user, intervention):
        raise Http404
    can_decide = access.can_decide_rating(request.user)
    form = RatingDecisionForm(request.POST or None) if can_decide else None
    if request.method == "POST":
        access.require_rating_decider(request.user)
        assert form is not None
        if form.is_valid():
            decided = run_service(
                lambda: services.decide_rating(
                    actor=request.user, intervention=intervention, **form.cleaned_data
                ),
                form=form,
            )
            if decided is not None:
                messages.success(request, _("Evidensvurderingen er gemt."))
                return redirect("evaluation:intervention_rating", intervention_pk=intervention.pk)
    return render(
        request,
        "evaluation/rating.html",
        {"intervention": intervention, "rating": evidence_rating(intervention), "form": form},
    )


@login_required
@require_POST
def study_run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    study = _study_or_404(request, pk)
    analysis = run_service(
        lambda: services.run_analysis(actor=request.user, study=study),
        request=request,
        success=_("Analysen er beregnet."),
    )
    if analysis is None:
        return redirect("evaluation:study_detail", pk=study.pk)
    return redirect("evaluation:analysis_report", pk=analysis.pk)


@login_required
def analysis_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    analysis, practice_reader, can_manage = _readable_analysis(request, pk)
    form = GradeForm(request.POST or None, initial={"grade": analysis.grade})
    if request.method == "POST":
        access.require_study_manager(request.user, analysis.study.intervention)
        if form.is_valid():
            graded = run_service(
                lambda: services.override_grade(
                    actor=request.user,
                    analysis=analysis,
                    grade=form.cleaned_data["grade"],
                    reason=form.cleaned_data["reason"],
                ),
                form=form,
            )
            if graded is not None:
                messages.success(request, _("Vurderingen er gemt."))
                return redirect("evaluation:analysis_report", pk=analysis.pk)
    own = selectors.own_municipality_names(user=request.user) if practice_reader else None
    context = report.report_context(analysis, request.GET.get("type", "slut"), own)
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
def analysis_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
def analysis_pdf_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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


# --- dose and fidelity -------------------------------------------------------------------------------


def _scope_or_404(request: AuthenticatedHttpRequest, intervention_pk: int) -> ExposureScope:
    """404 for an intervention that does not exist and for one the person has nothing to do with."""
    intervention = selectors.intervention(pk=intervention_pk)
    scope = access.exposure_scope(request.user, intervention) if intervention else None
    if scope is None:
        raise Http404
    return scope


def _page(
    request: HttpRequest,
    scope: ExposureScope,
    *,
    upload_form: ExposureUploadForm | None = None,
    child_form: ExposureChildForm | None = None,
    result: ExposureImport | None = None,
) -> HttpResponse:
    rows, total = selectors.municipality_summaries(scope)
    context: dict[str, Any] = {
        "intervention": scope.intervention,
        "scope": scope,
        "summaries": rows,
        "total": total,
        "children": paginate(
            request,
            selectors.children_shown(scope),
            prepare=lambda page: selectors.rows_for_children(scope, page, pseudonym_key()),
        ),
        "upload_form": upload_form or ExposureUploadForm(),
        "child_form": child_form or ExposureChildForm(scope=scope),
        "result": result,
    }
    return render(request, "evaluation/exposure_index.html", context)


@login_required
def exposure_index(request: AuthenticatedHttpRequest, intervention_pk: int) -> HttpResponse:
    return _page(request, _scope_or_404(request, intervention_pk))


@login_required
@require_POST
def exposure_import(request: AuthenticatedHttpRequest, intervention_pk: int) -> HttpResponse:
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
def exposure_set(request: AuthenticatedHttpRequest, intervention_pk: int) -> HttpResponse:
    scope = _scope_or_404(request, intervention_pk)
    form = ExposureChildForm(request.POST, scope=scope)
    if form.is_valid():
        participant = form.cleaned_data.get("participant")
        if participant is None:
            participant = selectors.participant_by_code(scope, form.cleaned_data["code"], pseudonym_key())
            if participant is None:
                form.add_error(
                    "code", _("Koden findes ikke blandt børnene i indsatsen. Tjek koden i eksporten.")
                )
        if participant is not None:
            exposure = run_service(
                lambda: services.record_exposure(
                    actor=request.user,
                    intervention=scope.intervention,
                    participant=participant,
                    sessions=form.cleaned_data["sessions"],
                    fidelity=form.cleaned_data["fidelity"],
                ),
                form=form,
            )
            if exposure is not None:
                messages.success(request, _("Barnets dosis og troskab er gemt."))
                return redirect("evaluation:exposure_index", intervention_pk=scope.intervention.pk)
    return _page(request, scope, child_form=form)


# --- the report across practices ---------------------------------------------------------------------

STUDY_PARAMETER = "studie"
CHOSEN_PARAMETER = "valgt"


def _requested_ids(query: QueryDict) -> set[int]:
    return {int(value) for value in query.getlist(STUDY_PARAMETER) if value.isdigit()}


def _selection(request: AuthenticatedHttpRequest, *, strict: bool) -> tuple[list[Study], list[Study]]:
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
def cross_practice_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_evaluation_access(request.user)
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
def cross_practice_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_evaluation_access(request.user)
    _selectable, chosen = _selection(request, strict=True)
    context = cross_practice.report_context(cross_practice.build_report(chosen))
    response = HttpResponse(cross_practice.report_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="evaluering-tvaergaaende.pdf"'
    return response


@login_required
def intervention_literature(request: AuthenticatedHttpRequest, intervention_pk: int) -> HttpResponse:
    """The intervention's literature pooled: REML (Knapp-Hartung with ?kh=1), I², prediction interval,
    forest plot and the numbers in a table."""
    intervention = selectors.intervention(pk=intervention_pk)
    if intervention is None or not access.can_see_rating(request.user, intervention):
        raise Http404
    knapp_hartung = request.GET.get("kh") == "1"
    pool = pooled_literature(intervention, knapp_hartung=knapp_hartung)
    chart = None
    if pool is not None:
        result = pool.result
        chart = forest_plot(
            rows=[
                ForestRow(row.label, row.effect, row.ci_low, row.ci_high, row.weight_percent)
                for row in result.studies
            ],
            pooled=ForestRow(_("Samlet (REML)"), result.estimate, result.ci_low, result.ci_high, 100.0),
            prediction=(result.pi_low, result.pi_high) if result.pi_low is not None else None,  # type: ignore[arg-type]
            title=_("Forest plot af litteraturens effekter (Hedges' g). Tallene står i tabellen under."),
            favours_left=_("Til fordel for kontrol"),
            favours_right=_("Til fordel for indsatsen"),
            headers=(_("Studie"), _("g [95 % KI]"), _("Vægt")),
        )
    return render(
        request,
        "evaluation/literature.html",
        {
            "intervention": intervention,
            "pool": pool,
            "chart": chart,
            "knapp_hartung": knapp_hartung,
            "n_with_effect": len(literature_effects(intervention)),
        },
    )
