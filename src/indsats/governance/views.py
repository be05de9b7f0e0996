"""The steering group's pages: meetings (agenda, attendance, decisions, minutes), conditions followed up,
and the partner municipalities' answers on operation. Thin: services decide, selectors read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.accounts.permissions import (
    MANAGE_POOLS,
    RECOMMEND_ALLOCATIONS,
    has_permission,
    municipality_ids_of,
    require_permission,
)
from indsats.governance import access, selectors, services
from indsats.governance.forms import (
    AgendaItemForm,
    AttendanceForm,
    ConditionChangeForm,
    ItemDecisionForm,
    MeetingForm,
    OperationAnswerForm,
    PoliticalDecisionForm,
    RecusalForm,
    ScenarioForm,
)
from indsats.governance.models import AgendaItem, AllocationScenario
from indsats.governance.services import allocation
from indsats.governance.services.allocation import recommendation_draft
from indsats.governance.services.meetings import eligible_members
from indsats.grants.models import ProgrammeYear
from indsats.interventions import access as intervention_access
from indsats.interventions.models import DecisionCondition, OperationReport
from indsats.interventions.services import NewCondition, change_condition
from indsats.ui.pagination import paginate
from indsats.ui.service_calls import run_service

# the overdue conditions the front of the steering group's pages lists (the conditions page has all)
OVERDUE_SHOWN = 10


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not access.sees_meetings(request.user):
        if municipality_ids_of(request.user):
            return redirect("governance:operation_reports")
        raise PermissionDenied("governance")
    overdue = selectors.overdue_conditions(user=request.user)
    return render(
        request,
        "governance/index.html",
        {
            "meetings": paginate(request, selectors.meetings(user=request.user)),
            "next_meeting": selectors.next_meeting(user=request.user),
            "overdue": overdue[:OVERDUE_SHOWN],
            "overdue_count": overdue.count(),
            "may_plan": access.can_plan_meetings(request.user),
            "programme_years": ProgrammeYear.objects.select_related("programme").order_by(
                "-year", "programme__name"
            )
            if has_permission(request.user, RECOMMEND_ALLOCATIONS)
            else [],
        },
    )


@login_required
def meeting_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_plan_meetings(request.user)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = run_service(
            lambda: services.plan_meeting(
                actor=request.user,
                held_on=form.cleaned_data["held_on"],
                location=form.cleaned_data["location"],
                quorum=form.cleaned_data["quorum"],
            ),
            form=form,
            request=request,
            success=_("Mødet er planlagt."),
        )
        if meeting is not None:
            return redirect("governance:meeting", pk=meeting.pk)
    return render(request, "governance/meeting_form.html", {"form": form})


@login_required
def meeting_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_detail(user=request.user, pk=pk)
    may = access.meeting_actions(request.user, meeting)
    return render(
        request,
        "governance/meeting_detail.html",
        {
            "meeting": meeting,
            "may": may,
            "item_form": AgendaItemForm(prefix="item") if may.edit_agenda else None,
            "attendance_form": AttendanceForm(prefix="attendance") if may.open else None,
            "recusal_form": RecusalForm(prefix="recusal") if (may.edit_agenda or may.decide) else None,
        },
    )


@login_required
@require_POST
def agenda_item_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_detail(user=request.user, pk=pk)
    form = AgendaItemForm(request.POST, prefix="item")
    if form.is_valid():
        run_service(
            lambda: services.add_agenda_item(actor=request.user, meeting=meeting, **form.cleaned_data),
            request=request,
            success=_("Punktet er sat på dagsordenen."),
        )
    else:
        _show_form_errors(request, form)
    return redirect("governance:meeting", pk=meeting.pk)


def _show_form_errors(request: AuthenticatedHttpRequest, form: Form) -> None:
    """A form posted from a section of the meeting page: its errors as page messages, field by field."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


@login_required
@require_POST
def meeting_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_detail(user=request.user, pk=pk)
    form = AttendanceForm(request.POST, prefix="attendance")
    if form.is_valid():
        run_service(
            lambda: services.open_meeting(
                actor=request.user,
                meeting=meeting,
                members_present=form.cleaned_data["members_present"],
                chair=form.cleaned_data["chair"],
            ),
            request=request,
            success=_("Fremmødet er registreret, og mødet er i gang."),
        )
    else:
        _show_form_errors(request, form)
    return redirect("governance:meeting", pk=meeting.pk)


def _item(request: AuthenticatedHttpRequest, item_pk: int) -> AgendaItem:
    access.require_sees_meetings(request.user)
    return get_object_or_404(
        AgendaItem.objects.select_related("meeting", "gate_review__intervention"), pk=item_pk
    )


@login_required
@require_POST
def recusal_add(request: AuthenticatedHttpRequest, item_pk: int) -> HttpResponse:
    item = _item(request, item_pk)
    form = RecusalForm(request.POST, prefix="recusal")
    if form.is_valid():
        run_service(
            lambda: services.record_recusal(
                actor=request.user,
                item=item,
                member=form.cleaned_data["member"],
                reason=form.cleaned_data["reason"],
            ),
            request=request,
            success=_("Inhabiliteten er registreret."),
        )
    else:
        _show_form_errors(request, form)
    return redirect("governance:meeting", pk=item.meeting_id)


@login_required
def item_decide(request: AuthenticatedHttpRequest, item_pk: int) -> HttpResponse:
    item = _item(request, item_pk)
    may = access.meeting_actions(request.user, item.meeting)
    if not may.decide:
        raise PermissionDenied("decide")
    eligible = eligible_members(item)
    initial = {"text": recommendation_draft(item.programme_year)} if item.programme_year else {}
    form = ItemDecisionForm(request.POST or None, item_kind=item.kind, eligible=eligible, initial=initial)
    if request.method == "POST" and form.is_valid():
        decided = run_service(
            lambda: services.decide_item(
                actor=request.user,
                item=item,
                outcome=form.cleaned_data["outcome"],
                text=form.cleaned_data["text"],
                by_consensus=form.cleaned_data["by_consensus"],
                votes=form.votes(),
                conditions=[NewCondition(t, o, d) for t, o, d in form.condition_rows()],
            ),
            form=form,
            request=request,
            success=_("Beslutningen er registreret."),
        )
        if decided is not None:
            return redirect("governance:meeting", pk=item.meeting_id)
    return render(
        request,
        "governance/item_decide.html",
        {"item": item, "meeting": item.meeting, "form": form, "eligible": eligible},
    )


@login_required
@require_POST
def meeting_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_detail(user=request.user, pk=pk)
    run_service(
        lambda: services.close_meeting(actor=request.user, meeting=meeting),
        request=request,
        success=_("Mødet er afsluttet. Referatet dannes nu."),
    )
    return redirect("governance:meeting", pk=meeting.pk)


@login_required
def minutes_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_with_minutes(user=request.user, pk=pk)
    if meeting.minutes_pdf is None:
        raise Http404
    response = HttpResponse(bytes(meeting.minutes_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="referat-{meeting.held_on:%Y-%m-%d}.pdf"'
    return response


@login_required
def conditions(request: AuthenticatedHttpRequest) -> HttpResponse:
    def with_forms(conditions: list[DecisionCondition]) -> list[tuple[DecisionCondition, Any]]:
        return [
            (
                c,
                ConditionChangeForm(prefix=f"c{c.pk}")
                if intervention_access.condition_actions(request.user, c)
                else None,
            )
            for c in conditions
        ]

    rows = paginate(request, selectors.open_conditions(user=request.user), prepare=with_forms)
    return render(request, "governance/conditions.html", {"rows": rows})


@login_required
@require_POST
def condition_change(request: AuthenticatedHttpRequest, condition_pk: int) -> HttpResponse:
    access.require_sees_meetings(request.user)
    condition = get_object_or_404(DecisionCondition, pk=condition_pk)
    form = ConditionChangeForm(request.POST, prefix=f"c{condition.pk}")
    if form.is_valid():
        run_service(
            lambda: change_condition(
                actor=request.user,
                condition=condition,
                action=form.cleaned_data["action"],
                resolution=form.cleaned_data["resolution"],
            ),
            request=request,
            success=_("Betingelsen er opdateret."),
        )
    return redirect("governance:conditions")


@login_required
def operation_reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    reports = paginate(request, selectors.operation_reports(user=request.user))
    return render(
        request,
        "governance/operation_reports.html",
        {"reports": reports, "my_municipalities": municipality_ids_of(request.user)},
    )


@login_required
def operation_answer(request: AuthenticatedHttpRequest, report_pk: int) -> HttpResponse:
    report: OperationReport = selectors.operation_report(user=request.user, pk=report_pk)
    initial = {
        "status": report.status,
        "financing": report.financing,
        "children_served": report.children_served,
        "annual_cost": report.annual_cost,
        "reason": report.reason,
    }
    form = OperationAnswerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        answered = run_service(
            lambda: services.answer_operation_report(actor=request.user, report=report, **form.cleaned_data),
            form=form,
            request=request,
            success=_("Tak. Jeres svar er gemt."),
        )
        if answered is not None:
            return redirect("governance:operation_reports")
    return render(request, "governance/operation_answer.html", {"report": report, "form": form})


@login_required
def allocation_year(request: AuthenticatedHttpRequest, year_pk: int) -> HttpResponse:
    """A programme year's allocation: scenarios, their comparison, the chosen draft, the political
    decision."""
    require_permission(request.user, RECOMMEND_ALLOCATIONS)
    year = get_object_or_404(ProgrammeYear.objects.select_related("programme"), pk=year_pk)
    scenarios = list(year.allocation_scenarios.all())
    source = request.GET.get("kilde", "")
    missing: list[str] = []
    initial: dict[str, Any] = {"budget": year.frame}
    if source in ("npv", "p_positive"):
        rows, missing = allocation.candidates_from_business_cases(year, source)
        initial["candidates"] = "\n".join(f"{r.key};{r.name};{r.cost};{r.value}" for r in rows)
    scenario_form = ScenarioForm(
        request.POST if request.POST.get("action") == "scenario" else None, initial=initial
    )
    decision_form = PoliticalDecisionForm(
        request.POST if request.POST.get("action") == "decision" else None,
        initial={"decided_on": timezone.localdate()},
    )
    if request.method == "POST":
        action = request.POST.get("action")
        done: object = None
        if action == "scenario" and scenario_form.is_valid():
            data = scenario_form.cleaned_data
            done = run_service(
                lambda: allocation.save_scenario(
                    actor=request.user,
                    programme_year=year,
                    name=data["name"],
                    budget=data["budget"],
                    candidates=data["candidates"],
                    must_include=data["must_include"],
                    must_exclude=data["must_exclude"],
                    groups=data["group_limits"],
                ),
                form=scenario_form,
                request=request,
                success=_("Scenariet er beregnet og gemt."),
            )
        elif action == "choose":
            chosen = get_object_or_404(
                AllocationScenario, pk=request.POST.get("scenario"), programme_year=year
            )
            done = run_service(
                lambda: allocation.choose_scenario(actor=request.user, scenario=chosen),
                request=request,
                success=_("Scenariet er valgt som udkast til indstillingen."),
            )
        elif action == "decision" and decision_form.is_valid():
            done = run_service(
                lambda: allocation.record_political_decision(
                    actor=request.user, programme_year=year, **decision_form.cleaned_data
                ),
                form=decision_form,
                request=request,
                success=_("Den politiske beslutning er registreret."),
            )
        if done is not None:
            return redirect("governance:allocation_year", year_pk=year.pk)
    by_pk = {s.pk: s for s in scenarios}
    first, second = by_pk.get(_int(request.GET.get("a")) or 0), by_pk.get(_int(request.GET.get("b")) or 0)
    comparison = allocation.compare_scenarios(first, second) if first and second and first != second else None
    names = {s.pk: {c["key"]: c["name"] for c in s.inputs["candidates"]} for s in scenarios}
    table = [(s, [names[s.pk].get(f["key"], f["key"]) for f in s.best.get("funded", [])]) for s in scenarios]
    return render(
        request,
        "governance/allocation_year.html",
        {
            "year": year,
            "state": allocation.year_state(year),
            "rows": table,
            "scenario_form": scenario_form,
            "decision_form": decision_form,
            "missing": missing,
            "comparison": comparison,
            "first": first,
            "second": second,
            "may_decide": has_permission(request.user, MANAGE_POOLS),
        },
    )


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None
