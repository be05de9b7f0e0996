"""Pages of the register, the portfolio and the phase model. Thin: services decide, selectors read."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.accounts.permissions import (
    ASSESS_PRACTICE,
    DECIDE_GATE_REVIEWS,
    MANAGE_INTERVENTIONS,
    VIEW_PORTFOLIO,
    has_permission,
    municipality_ids_of,
    require_permission,
)
from indsats.interventions import access, charts, display, selectors, services
from indsats.interventions.evidence import live_facts, proposed_declaration
from indsats.interventions.export import portfolio_workbook
from indsats.interventions.fact_snapshots import (
    FactChange,
    changes_since,
    current_facts_document,
    frozen_facts,
    is_intact,
    latest_snapshot,
)
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
    PartnershipDatesForm,
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
    DeclarationScore,
    DeliverableTemplate,
    Dimension,
    GateReview,
    Intervention,
    Material,
    Partnership,
    PhaseRecord,
    PracticeElement,
    ProblemArea,
)
from indsats.interventions.workflow import PHASES, InterventionState, is_phase
from indsats.ui.choices import labels_of
from indsats.ui.formatting import kroner
from indsats.ui.pagination import paginate
from indsats.ui.service_calls import run_service


def _can(request: AuthenticatedHttpRequest, permission: str) -> bool:
    return has_permission(request.user, permission)


# --- the portfolio ------------------------------------------------------------------------------------


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The agency and the steering group see the board; a municipality its interventions."""
    if has_permission(request.user, VIEW_PORTFOLIO):
        return board(request)
    overview = selectors.municipality_overview(
        user=request.user, page=request.GET.get("side", 1), join_page=request.GET.get("aaben", 1)
    )
    return render(
        request,
        "interventions/municipality_index.html",
        {"overview": overview, "can_assess": _can(request, ASSESS_PRACTICE)},
    )


def _portfolio_context(
    request: AuthenticatedHttpRequest, filters: selectors.PortfolioFilters, *, with_options: bool = True
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


def _cached_body(request: AuthenticatedHttpRequest, name: str, render_body: Callable[[], str]) -> str:
    """The page's body from the cache, keyed by the audit trail's head, the query and the day.

    Every write goes through a service that writes an audit entry, so a new entry means the data may
    have changed; the day is in the key because the days in a phase and overdue reviews change daily.
    Everyone with the same key shares the body, so it is rendered without the request (no context
    processors): nothing of the person who built it can reach it.
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
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_permission(request.user, VIEW_PORTFOLIO)
    filters = selectors.PortfolioFilters.from_querydict(request.GET)

    def render_body() -> str:
        result = selectors.portfolio_board(user=request.user, filters=filters)
        context = _portfolio_context(request, filters)
        today = timezone.localdate()
        shown = [s for s in InterventionState if s != "stopped"]
        pipeline_rows = [
            (charts.quarter_label(day, today), [counts.get(s, 0) for s in shown])
            for day, counts in result.pipeline
        ]
        return render_to_string(
            "interventions/_board_body.html",
            {
                **context,
                "board": result,
                "columns": display.board_columns_html(
                    [
                        (column, display.board_cards_html(display.rows_for(column.cards)))
                        for column in result.columns
                    ],
                    context["query_string"],
                ),
                "committed_total": kroner(result.committed_total),
                "pipeline_svg": charts.pipeline_svg(result.pipeline, today=today),
                "pipeline_rows": display.pipeline_rows_html(pipeline_rows),
                "pipeline_states": [
                    label for state, label in labels_of(Intervention, "state").items() if state != "stopped"
                ],
            },
        )

    context = {**_portfolio_context(request, filters, with_options=False), "tab": "board"}
    context["body"] = _cached_body(request, "board", render_body)
    return render(request, "interventions/board.html", context)


@login_required
def table(request: AuthenticatedHttpRequest) -> HttpResponse:
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
                "rows": display.table_rows_html(display.rows_for(page.object_list, with_areas=True)),
                "order": order,
            },
        )

    context = {**_portfolio_context(request, filters, with_options=False), "tab": "table"}
    context["body"] = _cached_body(request, "table", render_body)
    return render(request, "interventions/table.html", context)


@login_required
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = selectors.PortfolioFilters.from_querydict(request.GET)
    content = portfolio_workbook(selectors.export_rows(user=request.user, filters=filters))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="indsatser-{timezone.localdate():%Y-%m-%d}.xlsx"'
    return response


@login_required
def reviews_waiting(request: AuthenticatedHttpRequest) -> HttpResponse:
    reviews = paginate(request, selectors.waiting_reviews(user=request.user))
    return render(request, "interventions/reviews_waiting.html", {"reviews": reviews, "tab": "reviews"})


# --- one intervention ---------------------------------------------------------------------------------

DIMENSION_ORDER = {dimension: index for index, dimension in enumerate(Dimension.values)}


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    user = request.user
    records = selectors.phase_records(intervention)
    records_by_phase = {r.phase: r for r in records}
    declarations = selectors.declarations(intervention=intervention)
    dimension_labels = list(labels_of(DeclarationScore, "dimension").values())  # in Dimension's order
    spider = None
    if declarations:
        series = [
            (
                f"{d.declared_on:%d.%m.%Y}",
                [GRADE_POINTS[s.grade] for s in sorted(d.scores, key=lambda s: DIMENSION_ORDER[s.dimension])],
            )
            for d in declarations[:3]
        ]
        spider = charts.spider_chart_svg(dimension_labels, series)
    # the newest practice assessments, one more than shown to know whether there are more; all on request
    all_assessments = request.GET.get("vurderinger") == "alle"
    assessments = selectors.intervention_practice_lines(
        user=user, intervention=intervention, limit=None if all_assessments else selectors.PRACTICE_SHOWN + 1
    )
    reviews = selectors.reviews_of(user=user, intervention=intervention)
    # the newest events, one more than shown to know whether there are more; all of them on request
    whole_timeline = request.GET.get("tidslinje") == "alle"
    timeline = selectors.timeline(
        user=user, intervention=intervention, limit=None if whole_timeline else selectors.TIMELINE_SHOWN + 1
    )
    may = access.intervention_actions(user, intervention)
    current_record = records_by_phase.get(intervention.state)
    links = display.intervention_links(intervention.pk)
    context: dict[str, Any] = {
        "intervention": intervention,
        "phase_items": display.phase_items_html(intervention.state, records_by_phase),
        "current_record": current_record,
        "current_phase_label": labels_of(PhaseRecord, "phase").get(intervention.state, intervention.state),
        "checklist_items": display.checklist_items_html(current_record.checklist if current_record else []),
        "is_in_phase": is_phase(intervention.state),
        "toc_svg": charts.theory_of_change_svg(
            intervention.activity_list, intervention.short_term_list, intervention.long_term_list
        ),
        "timeline_items": display.timeline_items_html(
            timeline[: selectors.TIMELINE_SHOWN] if not whole_timeline else timeline
        ),
        "timeline_cut": not whole_timeline and len(timeline) > selectors.TIMELINE_SHOWN,
        "reviews": reviews,
        "review_rows": display.review_rows_html(reviews),
        "open_review": next((r for r in reviews if r.is_open), None),
        "declarations": declarations,
        "declaration_rows": display.declaration_rows_html(declarations[0]) if declarations else "",
        "declaration_history": display.declaration_history_html(declarations)
        if len(declarations) > 1
        else "",
        "spider_svg": spider,
        "dimension_labels": dimension_labels,
        "practice_rows": display.practice_rows_html(
            assessments if all_assessments else assessments[: selectors.PRACTICE_SHOWN]
        ),
        "practice_cut": not all_assessments and len(assessments) > selectors.PRACTICE_SHOWN,
        "practice_columns": display.practice_columns_html(),
        "may": may,
        "links": links,
        "text": display.detail_labels(),
        "about": display.about_html(intervention),
        "related_lists": display.related_lists_html(
            intervention,
            partner_items=display.partner_items_html(intervention, may_manage=may.manage),
            links=links if may.manage else None,
        ),
    }
    context["heading"] = display.heading_html(
        intervention=intervention,
        may=may,
        links=links,
        phase_items=context["phase_items"],
        is_in_phase=context["is_in_phase"],
    )
    context["overview"] = display.overview_html(
        about=context["about"],
        toc_svg=context["toc_svg"],
        current_record=current_record,
        current_phase_label=context["current_phase_label"],
        checklist_items=context["checklist_items"],
    )
    context["sections"] = display.detail_sections_html(
        may=may,
        links=links,
        **{
            name: context[name]
            for name in (
                "reviews",
                "review_rows",
                "timeline_items",
                "timeline_cut",
                "declarations",
                "spider_svg",
                "declaration_rows",
                "declaration_history",
                "dimension_labels",
                "practice_rows",
                "practice_columns",
                "practice_cut",
            )
        },
    )
    return render(request, "interventions/detail.html", context)


@login_required
def edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk) if pk else None
    form = InterventionForm(request.POST or None, instance=intervention)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        areas = data.pop("problem_areas", [])
        if intervention is None:
            saved = run_service(
                lambda: services.create_intervention(actor=request.user, problem_areas=areas, **data),
                form=form,
                request=request,
                success=_("Indsatsen er registreret i Fase 0: Screening."),
            )
        else:
            existing = intervention
            saved = run_service(
                lambda: services.update_intervention(
                    actor=request.user, intervention=existing, problem_areas=areas, **data
                ),
                form=form,
                request=request,
                success=_("Ændringerne er gemt."),
            )
        if saved is not None:
            return redirect("interventions:detail", pk=saved.pk)
    return render(
        request, "interventions/intervention_form.html", {"form": form, "intervention": intervention}
    )


@login_required
def phase(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    if not is_phase(intervention.state):
        raise Http404
    record = selectors.phase_record_for(
        user=request.user, intervention=intervention, phase=intervention.state
    )
    form = PhaseRecordForm(request.POST or None, phase_record=record)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(
            lambda: services.update_phase_record(
                actor=request.user,
                phase_record=record,
                done_item_ids=[int(v) for v in data["done"]],
                planned_start=data["planned_start"],
                planned_end=data["planned_end"],
                committed_amount=data["committed_amount"],
                organisations=data["organisations"],
                new_item=data["new_item"],
            ),
            form=form,
            request=request,
            success=_("Fasen og tjeklisten er gemt."),
        )
        if saved is not None:
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
RELATED_SERVICES: dict[str, Callable[..., Any]] = {
    "partner": services.add_partner,
    "kontakt": services.add_contact,
    "reference": services.add_reference,
    "materiale": services.add_material,
}


@login_required
def add_related(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    if kind not in RELATED_FORMS:
        raise Http404
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    form_class, title = RELATED_FORMS[kind]
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        added = run_service(
            lambda: RELATED_SERVICES[kind](
                actor=request.user, intervention=intervention, **form.cleaned_data
            ),
            form=form,
            request=request,
            success=_("Tilføjet."),
        )
        if added is not None:
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/related_form.html",
        {"form": form, "intervention": intervention, "title": title},
    )


@login_required
def partner_edit(request: AuthenticatedHttpRequest, pk: int, partner_pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    partnership = get_object_or_404(Partnership, pk=partner_pk, intervention=intervention)
    form = PartnershipDatesForm(
        request.POST or None,
        initial={
            "joined_on": partnership.joined_on,
            "ended_on": partnership.ended_on,
            "funding_ended_on": partnership.funding_ended_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            lambda: services.set_partnership_dates(
                actor=request.user, partnership=partnership, **form.cleaned_data
            ),
            form=form,
            request=request,
            success=_("Datoerne er gemt."),
        )
        if saved is not None:
            return redirect("interventions:detail", pk=intervention.pk)
    title = _("Datoer for %(municipality)s") % {"municipality": partnership.municipality.name}
    return render(
        request,
        "interventions/related_form.html",
        {"form": form, "intervention": intervention, "title": title},
    )


@login_required
def material(request: AuthenticatedHttpRequest, pk: int, material_pk: int) -> FileResponse:
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    item = get_object_or_404(Material, pk=material_pk, intervention=intervention)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return FileResponse(handle, as_attachment=True, filename=(item.file.name or "fil").rsplit("/", 1)[-1])


@login_required
def return_to_phase(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    form = ReturnForm(request.POST or None, targets=access.return_targets(intervention))
    if request.method == "POST" and form.is_valid():
        moved = run_service(
            lambda: services.return_to_phase(
                actor=request.user,
                intervention=intervention,
                phase=form.cleaned_data["phase"],
                reason=form.cleaned_data["reason"],
            ),
            form=form,
            request=request,
            success=_("Indsatsen er vendt tilbage til en tidligere fase."),
        )
        if moved is not None:
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/transition_form.html",
        {"form": form, "intervention": intervention, "title": _("Vend tilbage til en tidligere fase")},
    )


@login_required
def stop(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    form = StopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        stopped = run_service(
            lambda: services.stop_intervention(
                actor=request.user, intervention=intervention, reason=form.cleaned_data["reason"]
            ),
            form=form,
            request=request,
            success=_("Indsatsen er stoppet."),
        )
        if stopped is not None:
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/transition_form.html",
        {"form": form, "intervention": intervention, "title": _("Stop indsatsen"), "danger": True},
    )


@login_required
def join(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, ASSESS_PRACTICE)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    form = JoinRequestForm(request.POST or None, municipality_ids=municipality_ids_of(request.user))
    if request.method == "POST" and form.is_valid():
        asked = run_service(
            lambda: services.request_to_join(
                actor=request.user,
                intervention=intervention,
                municipality=form.cleaned_data["municipality"],
                message=form.cleaned_data["message"],
            ),
            form=form,
            request=request,
            success=_("Styrelsen har fået jeres anmodning om at deltage."),
        )
        if asked is not None:
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/related_form.html",
        {"form": form, "intervention": intervention, "title": _("Bed om at deltage")},
    )


# --- gate reviews -------------------------------------------------------------------------------------


@login_required
@require_POST
def start_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    review = run_service(
        lambda: services.start_gate_review(actor=request.user, intervention=intervention), request=request
    )
    if review is None:
        return redirect("interventions:detail", pk=intervention.pk)
    return redirect("interventions:review_edit", review_pk=review.pk)


def _criterion_forms(request: AuthenticatedHttpRequest, review: GateReview) -> list[CriterionForm]:
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
def review_edit(request: AuthenticatedHttpRequest, review_pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    review = selectors.gate_review_detail(user=request.user, pk=review_pk)
    may = access.review_actions(request.user, review)
    if not may.edit:
        return redirect("interventions:review_detail", review_pk=review.pk)
    criterion_forms = _criterion_forms(request, review)
    summary_form = ReviewSummaryForm(
        request.POST or None, initial={"summary": review.summary, "version": review.version}
    )
    if request.method == "POST" and summary_form.is_valid() and all(f.is_valid() for f in criterion_forms):
        sending = "send" in request.POST
        saved = run_service(
            lambda: services.update_gate_review(
                actor=request.user,
                review=review,
                assessments={f.criterion: f.cleaned_data for f in criterion_forms},
                summary=summary_form.cleaned_data["summary"],
                expected_version=summary_form.cleaned_data["version"],
            ),
            form=summary_form,
            request=request,
            success=None if sending else _("Vurderingen er gemt."),
        )
        if saved is not None:
            if sending:
                return review_submit(request, review.pk)
            return redirect("interventions:review_edit", review_pk=review.pk)
    facts = live_facts(review.intervention)
    readiness = access.gate_readiness(review)
    return render(
        request,
        "interventions/review_edit.html",
        {
            "review": review,
            "intervention": review.intervention,
            "summary_form": summary_form,
            "criteria": [(f, facts.get(f.criterion, [])) for f in criterion_forms],
            "readiness": readiness.reasons if readiness else [],
            "has_errors": bool(summary_form.errors) or any(f.errors for f in criterion_forms),
            "may": may,
        },
    )


@login_required
@require_POST
def review_submit(request: AuthenticatedHttpRequest, review_pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    review = selectors.gate_review_detail(user=request.user, pk=review_pk)
    submitted = run_service(
        lambda: services.submit_gate_review(actor=request.user, review=review),
        request=request,
        success=_("Gate review er sendt til styregruppen."),
    )
    if submitted is None:
        return redirect("interventions:review_edit", review_pk=review.pk)
    return redirect("interventions:review_detail", review_pk=review.pk)


@login_required
def review_detail(request: AuthenticatedHttpRequest, review_pk: int) -> HttpResponse:
    review = selectors.gate_review_detail(user=request.user, pk=review_pk)
    may = access.review_actions(request.user, review)
    form = DecisionForm(request.POST or None, initial={"version": review.version}) if may.decide else None
    lost: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        require_permission(request.user, DECIDE_GATE_REVIEWS)
        conflict = None
        if form is None:
            # The review no longer waits: someone decided it while this person was reading.
            conflict = access.decision_conflict(review)
        elif form.is_valid():
            data = form.cleaned_data
            decided = run_service(
                lambda: services.decide_gate_review(
                    actor=request.user,
                    review=review,
                    decision=data["decision"],
                    reason=data["reason"],
                    conditions=data["conditions"],
                    expected_version=data["version"],
                ),
                form=form,
                request=request,
                success=_("Afgørelsen er gemt, og indsatsen er flyttet."),
            )
            if decided is not None:
                return redirect("interventions:detail", pk=review.intervention_id)
            review = selectors.gate_review_detail(user=request.user, pk=review_pk)
            may = access.review_actions(request.user, review)
            conflict = access.decision_conflict(review, data["version"])
        if conflict is not None:
            # Tell them who decided what, and give back what they wrote.
            messages.error(request, conflict.text)
            lost = {
                "reason": request.POST.get("reason", ""),
                "conditions": request.POST.get("conditions", ""),
            }
            form, status = None, 409
    frozen = latest_snapshot(review)
    if frozen is None:
        facts = live_facts(review.intervention)
        changed: dict[str, list[FactChange]] = {}
    else:
        # What the steering group saw, and beside it what has changed since.
        facts = frozen_facts(frozen)
        changed = changes_since(frozen.facts, current_facts_document(review.intervention))
    assessments = [
        (a, facts.get(a.criterion, []), changed.get(a.criterion, [])) for a in review.assessments.all()
    ]
    return render(
        request,
        "interventions/review_detail.html",
        {
            "review": review,
            "intervention": review.intervention,
            "assessments": assessments,
            "frozen": frozen,
            "at_meetings_only": access.decided_at_meetings_only(),
            "frozen_intact": frozen is not None and is_intact(frozen),
            "conditions": review.intervention.conditions.select_related("owner", "decision"),
            "form": form,
            "lost": lost,
            "may": may,
        },
        status=status,
    )


# --- promising practice and knowledge declarations ----------------------------------------------------


@login_required
def practice_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    municipalities = access.practice_municipalities(request.user)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    form = PracticeAssessmentForm(
        request.POST or None, municipalities=municipalities, initial={"assessed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        recorded = run_service(
            lambda: services.record_practice_assessment(
                actor=request.user,
                intervention=intervention,
                municipality=form.cleaned_data["municipality"],
                scores=form.scores(),
                assessed_on=form.cleaned_data["assessed_on"],
                note=form.cleaned_data["note"],
            ),
            form=form,
            request=request,
            success=_("Vurderingen af praksis er gemt."),
        )
        if recorded is not None:
            return redirect("interventions:detail", pk=intervention.pk)
    return render(request, "interventions/practice_form.html", {"form": form, "intervention": intervention})


@login_required
def practice_comparison(request: AuthenticatedHttpRequest) -> HttpResponse:
    state = request.GET.get("fase", InterventionState.SCREENING)
    if state not in InterventionState.values:
        state = ""
    assessments = selectors.practice_comparison(user=request.user, state=state)
    rows = paginate(request, assessments, prepare=selectors.practice_rows)
    return render(
        request,
        "interventions/practice_comparison.html",
        {
            "rows": rows,
            "elements": list(PracticeElement),
            "state": state,
            "states": [(s.value, s.label) for s in InterventionState],
            "sees_portfolio": access.sees_portfolio(request.user),
            "can_manage": _can(request, MANAGE_INTERVENTIONS),
        },
    )


@login_required
def declaration_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    intervention = selectors.intervention_detail(user=request.user, pk=pk)
    initial: dict[str, object] = {"declared_on": timezone.localdate()}
    for dimension, (grade, reason) in proposed_declaration(intervention).items():
        initial[f"{dimension}_grade"] = grade
        initial[f"{dimension}_reason"] = reason
    form = DeclarationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        declared = run_service(
            lambda: services.declare_knowledge(
                actor=request.user,
                intervention=intervention,
                grades=form.grades(),
                declared_on=form.cleaned_data["declared_on"],
            ),
            form=form,
            request=request,
            success=_("Vidensdeklarationen er gemt."),
        )
        if declared is not None:
            return redirect(reverse("interventions:detail", args=[intervention.pk]) + "#vidensdeklaration")
    return render(
        request, "interventions/declaration_form.html", {"form": form, "intervention": intervention}
    )


# --- the agency's configuration -----------------------------------------------------------------------


@login_required
def configuration(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def problem_area_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    problem_area = get_object_or_404(ProblemArea, pk=pk) if pk else None
    form = ProblemAreaForm(request.POST or None, instance=problem_area)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            lambda: services.save_problem_area(
                actor=request.user, problem_area=problem_area, **form.cleaned_data
            ),
            form=form,
            request=request,
            success=_("Problemområdet er gemt."),
        )
        if saved is not None:
            return redirect("interventions:configuration")
    return render(
        request,
        "interventions/configuration_form.html",
        {"form": form, "title": _("Problemområde")},
    )


@login_required
def template_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, MANAGE_INTERVENTIONS)
    template = get_object_or_404(DeliverableTemplate, pk=pk) if pk else None
    form = DeliverableTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            lambda: services.save_deliverable_template(
                actor=request.user, template=template, **form.cleaned_data
            ),
            form=form,
            request=request,
            success=_("Leverancen er gemt. Nye faser får den på tjeklisten."),
        )
        if saved is not None:
            return redirect("interventions:configuration")
    return render(
        request,
        "interventions/configuration_form.html",
        {"form": form, "title": _("Leverance i drejebogen")},
    )
