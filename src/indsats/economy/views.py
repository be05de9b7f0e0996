"""Pages of the economy app. Thin: services write, selectors read, the engine computes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.accounts.permissions import municipality_ids_of
from indsats.economy import access, exports, selectors, services
from indsats.economy.documents import COST_FIELDS, OUTCOME_FIELDS, row_values
from indsats.economy.forms import (
    BaseRowFormSet,
    BusinessCaseForm,
    CatalogueEditionForm,
    CostFormSet,
    NewBusinessCaseForm,
    OutcomeFormSet,
    PriceIndexForm,
    UnitPriceForm,
    price_index_years,
)
from indsats.economy.models import BusinessCase, BusinessCaseResult, ResultStatus
from indsats.economy.presentation import (
    case_facts_html,
    comparison_options_html,
    earlier_results_html,
    provenance_html,
    result_sections_html,
    result_view,
    shown_view,
)
from indsats.ui.pagination import paginate
from indsats.ui.service_calls import run_service

# --- the price catalogue ------------------------------------------------------------------------------


@login_required
def catalogue_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "economy/catalogue_list.html",
        {
            "catalogues": paginate(request, selectors.catalogue_list(user=request.user)),
            "can_manage": access.can_manage_price_catalogue(request.user),
            "form": CatalogueEditionForm(),
        },
    )


@login_required
@require_POST
def catalogue_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_catalogue_manager(request.user)
    form = CatalogueEditionForm(request.POST)
    if form.is_valid():
        catalogue = run_service(
            lambda: services.create_catalogue_edition(actor=request.user, title=form.cleaned_data["title"]),
            request=request,
            success=_("Den nye version er oprettet som kladde."),
        )
        if catalogue is not None:
            return redirect("economy:catalogue_detail", pk=catalogue.pk)
    return redirect("economy:catalogue_list")


@login_required
def catalogue_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        catalogue = selectors.catalogue_detail(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    return render(
        request,
        "economy/catalogue_detail.html",
        {
            "catalogue": catalogue,
            "prices": selectors.catalogue_prices(user=request.user, catalogue=catalogue),
            "can_edit": access.can_edit_catalogue(request.user, catalogue),
        },
    )


@login_required
@require_POST
def catalogue_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access.require_catalogue_manager(request.user)
    try:
        catalogue = selectors.catalogue_detail(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    run_service(
        lambda: services.publish_catalogue(actor=request.user, catalogue=catalogue),
        request=request,
        success=_("Versionen er offentliggjort og kan ikke længere ændres."),
    )
    return redirect("economy:catalogue_detail", pk=pk)


@login_required
def unit_price_edit(
    request: AuthenticatedHttpRequest, catalogue_pk: int, pk: int | None = None
) -> HttpResponse:
    access.require_catalogue_manager(request.user)
    try:
        catalogue = selectors.catalogue_detail(user=request.user, pk=catalogue_pk)
        price = selectors.unit_price_detail(user=request.user, pk=pk) if pk else None
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    if price is not None and price.catalogue_id != catalogue.pk:
        raise Http404
    form = UnitPriceForm(request.POST or None, instance=price)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            lambda: (
                services.create_unit_price(actor=request.user, catalogue=catalogue, **form.cleaned_data)
                if price is None
                else services.update_unit_price(actor=request.user, price=price, **form.cleaned_data)
            ),
            form=form,
        )
        if saved is not None:
            messages.success(
                request, _("Prisen er tilføjet.") if price is None else _("Ændringerne er gemt.")
            )
            return redirect("economy:catalogue_detail", pk=catalogue.pk)
    return render(
        request, "economy/unit_price_form.html", {"form": form, "catalogue": catalogue, "price": price}
    )


@login_required
@require_POST
def unit_price_delete(request: AuthenticatedHttpRequest, catalogue_pk: int, pk: int) -> HttpResponse:
    access.require_catalogue_manager(request.user)
    try:
        price = selectors.unit_price_detail(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    run_service(
        lambda: services.delete_unit_price(actor=request.user, price=price),
        request=request,
        success=_("Prisen er slettet."),
    )
    return redirect("economy:catalogue_detail", pk=catalogue_pk)


@login_required
def price_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    can_manage = access.can_manage_price_catalogue(request.user)
    form = PriceIndexForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        access.require_catalogue_manager(request.user)
        if form is not None and form.is_valid():
            entry = run_service(
                lambda: services.set_price_index(actor=request.user, **form.cleaned_data), form=form
            )
            if entry is not None:
                messages.success(request, _("Indekstallet er gemt."))
                return redirect("economy:price_index")
    return render(
        request,
        "economy/price_index.html",
        {"entries": selectors.price_index_table(user=request.user), "form": form, "can_manage": can_manage},
    )


# --- the economy front page ---------------------------------------------------------------------------


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_business_case_reader(request.user)
    intervention_id = request.GET.get("indsats", "")
    cases = selectors.business_case_list(
        user=request.user, intervention_id=int(intervention_id) if intervention_id.isdigit() else None
    )
    return render(
        request,
        "economy/index.html",
        {
            "cases": paginate(request, cases),
            "current_catalogue": selectors.current_catalogue(),
            "can_manage": access.can_manage_business_cases(request.user),
        },
    )


# --- business cases -------------------------------------------------------------------------------------


def _case_or_404(request: AuthenticatedHttpRequest, pk: int) -> BusinessCase:
    try:
        return selectors.business_case_detail(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


def _result_or_404(request: AuthenticatedHttpRequest, pk: int) -> BusinessCaseResult:
    try:
        return selectors.result_detail(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


@login_required
def case_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A national case (economists, the agency) or, for a municipality's manager, a local case of an
    intervention its municipality takes part in (started from the national case where one exists)."""
    access.require_business_case_manager(request.user)
    national = access.makes_national_cases(request.user)
    index_years = price_index_years()  # the newest year the index knows, so catalogue prices convert
    initial = {
        "price_year": index_years[0] if index_years else timezone.localdate().year,
        "horizon_years": 10,
    }
    if request.GET.get("indsats", "").isdigit():
        initial["intervention"] = int(request.GET["indsats"])
    form = NewBusinessCaseForm(
        request.POST or None,
        initial=initial,
        interventions=None if national else selectors.local_case_interventions(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        intervention = data.pop("intervention")
        if national:
            case = run_service(
                lambda: services.create_business_case(actor=request.user, intervention=intervention, **data),
                form=form,
            )
        else:
            # A person acts for one municipality in practice; with several, the first (by id) is theirs here.
            municipality_id = min(municipality_ids_of(request.user))
            case = run_service(
                lambda: services.create_local_business_case(
                    actor=request.user, intervention=intervention, municipality_id=municipality_id, **data
                ),
                form=form,
            )
        if case is not None:
            messages.success(request, _("Business casen er oprettet. Tilføj omkostninger og effekter."))
            return redirect("economy:case_edit", pk=case.pk)
    return render(request, "economy/case_create.html", {"form": form, "local": not national})


def _row_initial(rows: Any, names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [row_values(row, names) for row in rows]


@login_required
def case_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access.require_business_case_manager(request.user)
    case = _case_or_404(request, pk)
    access.require_case_editor(request.user, case)
    data = request.POST if request.method == "POST" else None
    form = BusinessCaseForm(data, instance=case)
    activities = case.intervention.activity_list
    costs = CostFormSet(
        data,
        prefix="costs",
        initial=_row_initial(case.costs.all(), COST_FIELDS),
        form_kwargs={"activities": activities},
    )
    analyses = selectors.effect_analyses(user=request.user, intervention=case.intervention)
    outcome_rows = [
        {**values, "unit_price": values["unit_price"].pk if values["unit_price"] else None}
        for values in _row_initial(case.outcomes.all(), OUTCOME_FIELDS)
    ]
    taken = next((a for a in analyses if request.GET.get("fra_analyse") == str(a.pk)), None)
    if taken is not None:
        # A new row prefilled with the effect study's estimate; saved only when the person saves.
        outcome_rows.append(selectors.outcome_from_analysis(taken))
    literature = selectors.literature_pool(user=request.user, intervention=case.intervention)
    literature_taken = literature is not None and request.GET.get("fra_litteratur") == "1"
    if literature is not None and literature_taken:
        outcome_rows.append(selectors.outcome_from_literature(literature))
    outcomes = OutcomeFormSet(
        data,
        prefix="outcomes",
        initial=outcome_rows,
        form_kwargs={"catalogue": case.catalogue},
    )
    assert isinstance(costs, BaseRowFormSet) and isinstance(outcomes, BaseRowFormSet)
    if request.method == "POST" and form.is_valid() and costs.is_valid() and outcomes.is_valid():
        kept_costs, kept_outcomes = costs.kept_forms(), outcomes.kept_forms()
        form.attach_rows(costs=kept_costs, outcomes=kept_outcomes)  # an engine error lands on its row
        saved = run_service(
            lambda: services.save_business_case(
                actor=request.user,
                case=case,
                fields=form.cleaned_data,
                costs=[_row_data(row, COST_FIELDS) for row in kept_costs],
                outcomes=[_row_data(row, OUTCOME_FIELDS) for row in kept_outcomes],
            ),
            form=form,
        )
        if saved is not None:
            messages.success(request, _("Business casen er gemt."))
            if "compute" in request.POST:
                return _compute_and_redirect(request, case)
            return redirect("economy:case_detail", pk=case.pk)
    return render(
        request,
        "economy/case_edit.html",
        {
            "case": case,
            "form": form,
            "costs": costs,
            "outcomes": outcomes,
            "activities": activities,
            "analyses": analyses,
            "taken": taken,
            "literature": literature,
            "literature_taken": literature_taken,
        },
    )


def _row_data(form: BaseForm, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: form.cleaned_data.get(name) for name in names}


def _compute_and_redirect(request: AuthenticatedHttpRequest, case: BusinessCase) -> HttpResponse:
    result = run_service(lambda: services.request_computation(actor=request.user, case=case), request=request)
    if result is None:
        return redirect("economy:case_edit", pk=case.pk)
    if result.status == ResultStatus.FAILED:
        messages.error(request, _("Beregningen fejlede: %(error)s") % {"error": result.error})
    return redirect("economy:result_detail", pk=result.pk)


@login_required
@require_POST
def case_compute(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access.require_business_case_manager(request.user)
    case = _case_or_404(request, pk)
    access.require_case_editor(request.user, case)
    return _compute_and_redirect(request, case)


@login_required
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        case = selectors.case_page(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    return _render_result(request, case, selectors.latest_result(case))


@login_required
def result_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        result = selectors.result_page(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    return _render_result(request, result.case, result)


def _render_result(
    request: AuthenticatedHttpRequest, case: BusinessCase, result: BusinessCaseResult | None
) -> HttpResponse:
    results = selectors.earlier_results(case)
    context: dict[str, Any] = {
        "case": case,
        "facts": case_facts_html(case),
        "result": result,
        "results": results,
        # the list of earlier computations, shown when there is more than the one on the page
        "earlier": earlier_results_html(results) if len(results) > 1 else "",
        "can_manage": access.can_edit_case(request.user, case),
        # the other results to compare with as <option>s: four columns each, not the rows of their cases and
        # interventions
        "others": comparison_options_html(selectors.comparison_choices(user=request.user, case=case)),
    }
    # the page reads the parts of the result it shows (selectors.result_page and latest_result leave the
    # whole result and input document unread)
    if result is not None and result.status == ResultStatus.DONE and _has_figures(result):
        context["view"] = shown_view(result)
        context["sections"] = result_sections_html(context["view"], result)
        context["provenance"] = provenance_html(result)
    return render(request, "economy/case_detail.html", context)


def _has_figures(result: BusinessCaseResult) -> bool:
    return result.shown is not None or result.result is not None


@login_required
def result_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress fragment that the result page polls (htmx) while a background computation runs."""
    result = _result_or_404(request, pk)
    if result.is_finished and request.headers.get("HX-Request"):
        return HttpResponseClientRefresh()
    return render(request, "economy/_result_status.html", {"result": result})


@login_required
def compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Two results side by side: the figures, the payers and the charts."""
    access.require_business_case_reader(request.user)
    chosen = []
    for key in ("a", "b"):
        value = request.GET.get(key, "")
        if value.isdigit():
            chosen.append(_result_or_404(request, int(value)))
    columns = [
        {"result": result, "view": result_view(result, chart_prefix=f"c{i}")}
        for i, result in enumerate(chosen)
        if result.status == ResultStatus.DONE and result.result
    ]
    return render(
        request,
        "economy/compare.html",
        {
            "columns": columns,
            "choices": selectors.finished_results(user=request.user)[:200],
            "selected": [request.GET.get("a", ""), request.GET.get("b", "")],
        },
    )


@login_required
def result_excel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    result = _finished_or_404(request, pk)
    response = HttpResponse(
        exports.result_workbook(result),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.file_stem(result)}.xlsx"'
    return response


@login_required
def result_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    result = _finished_or_404(request, pk)
    response = HttpResponse(exports.result_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exports.file_stem(result)}.pdf"'
    return response


def _finished_or_404(request: AuthenticatedHttpRequest, pk: int) -> BusinessCaseResult:
    result = _result_or_404(request, pk)
    if result.status != ResultStatus.DONE or result.result is None:
        raise Http404
    return result
