"""Pages of the register, the portfolio and the phase model. Thin: services decide, selectors read."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts.permissions import (
    ASSESS_PRACTICE,
    DECIDE_GATE_REVIEWS,
    MANAGE_INTERVENTIONS,
    VIEW_PORTFOLIO,
    has_permission,
    municipality_ids_of,
    require_permission,
)
from indsats.interventions import charts, display, selectors, services
from indsats.interventions.evidence import live_facts
from indsats.interventions.export import portfolio_workbook
from indsats.interventions.forms import (
    ContactForm,
    CriterionForm,
    DecisionForm,
    DeclarationForm,
    DeliverableTemplateForm,
    InterventionForm,
    JoinRequestForm,
    MaterialForm,
    PartnerForm,
    PhaseRecordForm,
    PracticeAssessmentForm,
    ProblemAreaForm,
    ReferenceForm,
    ReturnForm,
    ReviewSummaryForm,
    StopForm,
)
from indsats.interventions.models import (
    GRADE_POINTS,
    Criterion,
    DeliverableTemplate,
    Dimension,
    GateReview,
    Material,
    PracticeElement,
    ProblemArea,
    ReviewStatus,
)
from indsats.interventions.workflow import (
    PHASES,
    InterventionError,
    InterventionState,
    ReviewAlreadyDecided,
    WorkflowAction,
    is_phase,
    transitions_from,
)
from indsats.ui.formatting import kroner
from indsats.ui.service_calls import show_service_errors


def _can(request: HttpRequest, permission: str) -> bool:
    return has_permission(request.user, permission)


# --- the portfolio ------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The agency and the steering group see the board; a municipality its interventions."""
    if selectors.sees_portfolio(request.user) and has_permission(request.user, VIEW_PORTFOLIO):
        return board(request)
    overview = selectors.municipality_overview(user=request.user)
    return render(
        request,
        "interventions/municipality_index.html",
        {"overview": overview, "can_assess": _can(request, ASSESS_PRACTICE)},
    )


def _portfolio_context(
    request: HttpRequest, filters: selectors.PortfolioFilters, *, with_options: bool = True
) -> dict[str, Any]:
    base = {
        "filters": filters,
        "query_string": urlencode(filters.as_query()),
        "can_manage": _can(request, MANAGE_INTERVENTIONS),
    }
    if not with_options:
        return base
    options = selectors.filter_options()
    return {
        **base,
        "area_options": display.select_options(options.problem_areas, filters.problem_area),
        "programme_options": display.select_options([(p, p) for p in options.programmes], filters.programme),
        "state_options": display.select_options(options.states, filters.state),
        "municipality_options": display.select_options(options.municipalities, filters.municipality),
    }


PAGE_CACHE_SECONDS = 10 * 60


def _cached_body(request: HttpRequest, name: str, render_body: Callable[[], str]) -> str:
    """The page's body from the cache, keyed by the audit trail's head, the query and the day.

    Every write goes through a service that writes an audit entry, so a new entry means the data may
    have changed; the day is in the key because the days in a phase and overdue reviews change daily.
    """
    key = "interventions:{}:{}".format(
        name,
        hashlib.sha256(
            "|".join(
                [
                    str(selectors.data_version()),
                    str(timezone.localdate()),
                    get_language() or "",
                    str(_can(request, MANAGE_INTERVENTIONS)),
                    request.GET.urlencode(),
                ]
            ).encode()
        ).hexdigest(),
    )
    body = cache.get(key)
    if body is None:
        body = render_body()
        cache.set(key, body, PAGE_CACHE_SECONDS)
    return mark_safe(body)  # noqa: S308 - our own template's output


@login_required
def board(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, VIEW_PORTFOLIO)
    filters = selectors.PortfolioFilters.from_querydict(request.GET)

    def render_body() -> str:
        result = selectors.portfolio_board(user=request.user, filters=filters)
        today = timezone.localdate()
        pipeline_rows = [
            (
                charts.quarter_label(day, today),
                [counts.get(s, 0) for s in InterventionState if s != "stopped"],
            )
            for day, counts in result.pipeline
        ]
        return render_to_string(
            "interventions/_board_body.html",
            {
                **_portfolio_context(request, filters),
                "board": result,
                "columns": [(column, display.rows_for(column.cards)) for column in result.columns],
                "committed_total": kroner(result.committed_total),
                "pipeline_svg": charts.pipeline_svg(result.pipeline, today=today),
                "pipeline_rows": pipeline_rows,
                "pipeline_states": [s.label for s in InterventionState if s != "stopped"],
            },
            request=request,
        )

    context = {**_portfolio_context(request, filters, with_options=False), "tab": "board"}
    context["body"] = _cached_body(request, "board", render_body)
    return render(request, "interventions/board.html", context)


@login_required
def table(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, VIEW_PORTFOLIO)
    filters = selectors.PortfolioFilters.from_querydict(request.GET)
    order = request.GET.get("sortering", "navn")

    def render_body() -> str:
        page = selectors.portfolio_table(
            user=request.user, filters=filters, page=request.GET.get("side", 1), order=order
        )
        return render_to_string(
            "interventions/_table_body.html",
            {
                **_portfolio_context(request, filters),
                "page": page,
                "rows": display.rows_for(page.object_list, with_areas=True),
                "order": order,
            },
            request=request,
        )

    context = {**_portfolio_context(request, filters, with_options=False), "tab": "table"}
    context["body"] = _cached_body(request, "table", render_body)
    return render(request, "interventions/table.html", context)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    filters = selectors.PortfolioFilters.from_querydict(request.GET)
    content = portfolio_workbook(selectors.export_rows(user=request.user, filters=filters))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="indsatser-{timezone.localdate():%Y-%m-%d}.xlsx"'
    return response


@login_required
def reviews_waiting(request: HttpRequest) -> HttpResponse:
    reviews = selectors.waiting_reviews(user=request.user)
    return render(request, "interventions/reviews_waiting.html", {"reviews": reviews, "tab": "reviews"})


# --- one intervention ---------------------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    user = request.user
    records = selectors.phase_records(intervention)
    current = next((r for r in records if r.phase == intervention.state), None)
    declarations = selectors.declarations(intervention=intervention)
    dimension_labels = [str(d.label) for d in Dimension]
    spider = None
    if declarations:
        series = [
            (
                f"{d.declared_on:%d.%m.%Y}",
                [
                    GRADE_POINTS[s.grade]
                    for s in sorted(d.scores.all(), key=lambda s: Dimension.values.index(s.dimension))
                ],
            )
            for d in declarations[:3]
        ]
        spider = charts.spider_chart_svg(dimension_labels, series)
    assessments = selectors.practice_rows(
        selectors.practice_assessments(user=user, intervention=intervention)
    )
    rows = transitions_from(intervention.state)
    return_targets = [r.to_state for r in rows if r.action == WorkflowAction.RETURN_TO_PHASE]
    municipalities = municipality_ids_of(user)
    partner_ids = {p.municipality_id for p in intervention.partnerships.all()}
    context = {
        "intervention": intervention,
        "phases": [(p, p.label, records_by_phase(records).get(p)) for p in PHASES],
        "current_record": current,
        "is_in_phase": is_phase(intervention.state),
        "toc_svg": charts.theory_of_change_svg(
            intervention.activity_list, intervention.short_term_list, intervention.long_term_list
        ),
        "timeline": selectors.timeline(user=user, intervention=intervention),
        "reviews": selectors.reviews_of(user=user, intervention=intervention),
        "open_review": next(
            (r for r in selectors.reviews_of(user=user, intervention=intervention) if r.is_open), None
        ),
        "declarations": declarations,
        "spider_svg": spider,
        "dimension_labels": dimension_labels,
        "practice_rows": assessments,
        "practice_elements": list(PracticeElement),
        "can_manage": _can(request, MANAGE_INTERVENTIONS),
        "can_assess": _can(request, ASSESS_PRACTICE),
        "sees_portfolio": selectors.sees_portfolio(user),
        "can_return": bool(return_targets) and _can(request, MANAGE_INTERVENTIONS),
        "can_stop": any(r.action == WorkflowAction.STOP for r in rows)
        and _can(request, MANAGE_INTERVENTIONS),
        "can_request_join": intervention.is_open_to_join
        and bool(municipalities - partner_ids)
        and _can(request, ASSESS_PRACTICE),
    }
    return render(request, "interventions/detail.html", context)


def records_by_phase(records: list[Any]) -> dict[str, Any]:
    return {r.phase: r for r in records}


@login_required
def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk) if pk else None
    form = InterventionForm(request.POST or None, instance=intervention)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        areas = data.pop("problem_areas", [])
        try:
            if intervention is None:
                intervention = services.create_intervention(actor=request.user, problem_areas=areas, **data)
                messages.success(request, _("Indsatsen er registreret i Fase 0: Screening."))
            else:
                intervention = services.update_intervention(
                    actor=request.user, intervention=intervention, problem_areas=areas, **data
                )
                messages.success(request, _("Ændringerne er gemt."))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request, "interventions/intervention_form.html", {"form": form, "intervention": intervention}
    )


@login_required
def phase(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    if not is_phase(intervention.state):
        raise Http404
    record = selectors.phase_record_for(
        user=request.user, intervention=intervention, phase=intervention.state
    )
    form = PhaseRecordForm(request.POST or None, phase_record=record)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_phase_record(
                actor=request.user,
                phase_record=record,
                done_item_ids=[int(v) for v in data["done"]],
                planned_start=data["planned_start"],
                planned_end=data["planned_end"],
                committed_amount=data["committed_amount"],
                organisations=data["organisations"],
                new_item=data["new_item"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Fasen og tjeklisten er gemt."))
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/phase_form.html",
        {"form": form, "intervention": intervention, "record": record},
    )


RELATED_FORMS: dict[str, tuple[Any, Any]] = {
    "partner": (PartnerForm, gettext_lazy("Tilføj partnerkommune")),
    "kontakt": (ContactForm, gettext_lazy("Tilføj kontaktperson")),
    "reference": (ReferenceForm, gettext_lazy("Tilføj reference")),
    "materiale": (MaterialForm, gettext_lazy("Tilføj manual eller materiale")),
}


@login_required
def add_related(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    if kind not in RELATED_FORMS:
        raise Http404
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    form_class, title = RELATED_FORMS[kind]
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if kind == "partner":
                services.add_partner(actor=request.user, intervention=intervention, **data)
            elif kind == "kontakt":
                services.add_contact(actor=request.user, intervention=intervention, **data)
            elif kind == "reference":
                services.add_reference(actor=request.user, intervention=intervention, **data)
            else:
                services.add_material(actor=request.user, intervention=intervention, **data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Tilføjet."))
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/related_form.html",
        {"form": form, "intervention": intervention, "title": title},
    )


@login_required
def material(request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    item = get_object_or_404(Material, pk=material_pk, intervention=intervention)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return FileResponse(handle, as_attachment=True, filename=(item.file.name or "fil").rsplit("/", 1)[-1])


@login_required
def return_to_phase(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    targets = [
        r.to_state for r in transitions_from(intervention.state) if r.action == WorkflowAction.RETURN_TO_PHASE
    ]
    form = ReturnForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_to_phase(
                actor=request.user,
                intervention=intervention,
                phase=form.cleaned_data["phase"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        except InterventionError as error:
            form.add_error(None, error.message())
        else:
            messages.success(request, _("Indsatsen er vendt tilbage til en tidligere fase."))
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/transition_form.html",
        {"form": form, "intervention": intervention, "title": _("Vend tilbage til en tidligere fase")},
    )


@login_required
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    form = StopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.stop_intervention(
                actor=request.user, intervention=intervention, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        except InterventionError as error:
            form.add_error(None, error.message())
        else:
            messages.success(request, _("Indsatsen er stoppet."))
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/transition_form.html",
        {"form": form, "intervention": intervention, "title": _("Stop indsatsen"), "danger": True},
    )


@login_required
def join(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, ASSESS_PRACTICE)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    form = JoinRequestForm(request.POST or None, municipality_ids=municipality_ids_of(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.request_to_join(
                actor=request.user,
                intervention=intervention,
                municipality=form.cleaned_data["municipality"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Styrelsen har fået jeres anmodning om at deltage."))
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/related_form.html",
        {"form": form, "intervention": intervention, "title": _("Bed om at deltage")},
    )


# --- gate reviews -------------------------------------------------------------------------------------


@login_required
@require_POST
def start_review(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    try:
        review = services.start_gate_review(actor=request.user, intervention=intervention)
    except InterventionError as error:
        messages.error(request, error.message())
        return redirect("interventions:detail", pk=intervention.pk)
    return redirect("interventions:review_edit", review_pk=review.pk)


def _criterion_forms(request: HttpRequest, review: GateReview) -> list[CriterionForm]:
    by_criterion = {a.criterion: a for a in review.assessments.all()}
    forms = []
    for criterion in Criterion.values:
        assessment = by_criterion.get(criterion)
        initial = (
            {
                "rating": assessment.rating,
                "rationale": assessment.rationale,
                "fact": assessment.fact,
                "fact_source": assessment.fact_source,
                "fact_url": assessment.fact_url,
            }
            if assessment
            else {}
        )
        forms.append(CriterionForm(request.POST or None, criterion=criterion, initial=initial))
    return forms


@login_required
def review_edit(request: HttpRequest, review_pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    review = selectors.gate_review_detail(user=request.user, pk=review_pk)
    if review.status != ReviewStatus.DRAFT:
        return redirect("interventions:review_detail", review_pk=review.pk)
    criterion_forms = _criterion_forms(request, review)
    summary_form = ReviewSummaryForm(
        request.POST or None, initial={"summary": review.summary, "version": review.version}
    )
    if request.method == "POST" and summary_form.is_valid() and all(f.is_valid() for f in criterion_forms):
        try:
            services.update_gate_review(
                actor=request.user,
                review=review,
                assessments={f.criterion: f.cleaned_data for f in criterion_forms},
                summary=summary_form.cleaned_data["summary"],
                expected_version=summary_form.cleaned_data["version"],
            )
        except InterventionError as error:
            messages.error(request, error.message())
        except ValidationError as error:
            show_service_errors(summary_form, error)
        else:
            if "send" in request.POST:
                return review_submit(request, review.pk)
            messages.success(request, _("Vurderingen er gemt."))
            return redirect("interventions:review_edit", review_pk=review.pk)
    facts = live_facts(review.intervention)
    readiness = services.gate_readiness(review)
    return render(
        request,
        "interventions/review_edit.html",
        {
            "review": review,
            "intervention": review.intervention,
            "summary_form": summary_form,
            "criteria": [(f, facts.get(f.criterion, [])) for f in criterion_forms],
            "readiness": readiness.reasons() if readiness else [],
            "has_errors": bool(summary_form.errors) or any(f.errors for f in criterion_forms),
        },
    )


@login_required
@require_POST
def review_submit(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = get_object_or_404(GateReview, pk=review_pk)
    try:
        services.submit_gate_review(actor=request.user, review=review)
    except InterventionError as error:
        messages.error(request, error.message())
        return redirect("interventions:review_edit", review_pk=review.pk)
    messages.success(request, _("Gate review er sendt til styregruppen."))
    return redirect("interventions:review_detail", review_pk=review.pk)


@login_required
def review_detail(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = selectors.gate_review_detail(user=request.user, pk=review_pk)
    can_decide = _can(request, DECIDE_GATE_REVIEWS) and review.status == ReviewStatus.SUBMITTED
    form = DecisionForm(request.POST or None, initial={"version": review.version}) if can_decide else None
    lost: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        if not _can(request, DECIDE_GATE_REVIEWS):
            raise PermissionDenied(DECIDE_GATE_REVIEWS)
        if form is None:
            # Someone else decided while this person was reading: tell them, and keep what they wrote.
            form = DecisionForm(request.POST)
            form.is_valid()
            lost = {
                "reason": request.POST.get("reason", ""),
                "conditions": request.POST.get("conditions", ""),
            }
            latest = review.decisions.order_by("-decided_at", "-id").first()
            error = ReviewAlreadyDecided(
                decided_by=latest.decided_by_name if latest else "",
                decision=str(latest.get_decision_display()) if latest else "",
            )
            messages.error(request, error.message())
            form, status = None, 409
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.decide_gate_review(
                    actor=request.user,
                    review=review,
                    decision=data["decision"],
                    reason=data["reason"],
                    conditions=data["conditions"],
                    expected_version=data["version"],
                )
            except ReviewAlreadyDecided as error:
                messages.error(request, error.message())
                lost = {"reason": data["reason"], "conditions": data["conditions"]}
                review = selectors.gate_review_detail(user=request.user, pk=review_pk)
                form, status = None, 409
            except InterventionError as error:
                form.add_error(None, error.message())
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, _("Afgørelsen er gemt, og indsatsen er flyttet."))
                return redirect("interventions:detail", pk=review.intervention_id)
    facts = live_facts(review.intervention)
    assessments = [(a, facts.get(a.criterion, [])) for a in review.assessments.all()]
    return render(
        request,
        "interventions/review_detail.html",
        {
            "review": review,
            "intervention": review.intervention,
            "assessments": assessments,
            "form": form,
            "lost": lost,
            "can_edit": review.status == ReviewStatus.DRAFT and _can(request, MANAGE_INTERVENTIONS),
        },
        status=status,
    )


# --- promising practice and knowledge declarations ----------------------------------------------------


@login_required
def practice_new(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    municipalities = services.municipalities_for_practice(request.user)
    form = PracticeAssessmentForm(
        request.POST or None, municipalities=municipalities, initial={"assessed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_practice_assessment(
                actor=request.user,
                intervention=intervention,
                municipality=form.cleaned_data["municipality"],
                scores=form.scores(),
                assessed_on=form.cleaned_data["assessed_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Vurderingen af praksis er gemt."))
            return redirect("interventions:detail", pk=intervention.pk)
    return render(request, "interventions/practice_form.html", {"form": form, "intervention": intervention})


@login_required
def practice_comparison(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("fase", InterventionState.SCREENING)
    if state not in InterventionState.values:
        state = ""
    rows = selectors.practice_comparison(user=request.user, state=state)
    return render(
        request,
        "interventions/practice_comparison.html",
        {
            "rows": rows,
            "elements": list(PracticeElement),
            "state": state,
            "states": [(s.value, s.label) for s in InterventionState],
            "sees_portfolio": has_permission(request.user, VIEW_PORTFOLIO),
            "can_manage": _can(request, MANAGE_INTERVENTIONS),
        },
    )


@login_required
def declaration_new(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    form = DeclarationForm(request.POST or None, initial={"declared_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.declare_knowledge(
                actor=request.user,
                intervention=intervention,
                grades=form.grades(),
                declared_on=form.cleaned_data["declared_on"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Vidensdeklarationen er gemt."))
            return redirect(reverse("interventions:detail", args=[intervention.pk]) + "#vidensdeklaration")
    return render(
        request, "interventions/declaration_form.html", {"form": form, "intervention": intervention}
    )


# --- the agency's configuration -----------------------------------------------------------------------


@login_required
def configuration(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    templates = DeliverableTemplate.objects.all()
    return render(
        request,
        "interventions/configuration.html",
        {
            "problem_areas": ProblemArea.objects.all(),
            "phases": [(p.label, [t for t in templates if t.phase == p]) for p in PHASES],
        },
    )


@login_required
def problem_area_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    problem_area = get_object_or_404(ProblemArea, pk=pk) if pk else None
    form = ProblemAreaForm(request.POST or None, instance=problem_area)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_problem_area(actor=request.user, problem_area=problem_area, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Problemområdet er gemt."))
            return redirect("interventions:configuration")
    return render(
        request,
        "interventions/configuration_form.html",
        {"form": form, "title": _("Problemområde")},
    )


@login_required
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    template = get_object_or_404(DeliverableTemplate, pk=pk) if pk else None
    form = DeliverableTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_deliverable_template(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Leverancen er gemt. Nye faser får den på tjeklisten."))
            return redirect("interventions:configuration")
    return render(
        request,
        "interventions/configuration_form.html",
        {"form": form, "title": _("Leverance i drejebogen")},
    )
