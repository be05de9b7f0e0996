"""Pages of result documentation. Thin: services write, selectors read, permissions decide there."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts.permissions import (
    EXPORT_OUTCOMES,
    MANAGE_INSTRUMENTS,
    MANAGE_INTERVENTIONS,
    RECORD_OUTCOMES,
    VIEW_OUTCOME_AGGREGATES,
    has_permission,
    municipality_ids_of,
    permissions_of,
    require_permission,
)
from indsats.evaluation.selectors import exposure_scope
from indsats.outcomes import charts, exporting, selectors, services
from indsats.outcomes.forms import (
    DeleteParticipantForm,
    EvaluatorAssignmentForm,
    ExportForm,
    ImportForm,
    InstrumentDefinitionForm,
    InstrumentListForm,
    ParticipantForm,
    QuestionnaireForm,
    RetentionForm,
    RoundForm,
)
from indsats.outcomes.models import Instrument, InstrumentList, MeasurementRound, RoundKind
from indsats.outcomes.registry import engine_instrument
from indsats.ui.service_calls import show_service_errors

OUTCOME_PERMISSIONS = frozenset(
    {RECORD_OUTCOMES, VIEW_OUTCOME_AGGREGATES, EXPORT_OUTCOMES, MANAGE_INSTRUMENTS}
)


def _require_any_outcome_permission(user: Any) -> None:
    if not (permissions_of(user) & OUTCOME_PERMISSIONS):
        raise PermissionDenied("outcomes")


def _interventions() -> Any:
    from indsats.interventions.models import Intervention

    return Intervention.objects.filter(measurement_rounds__isnull=False).distinct().order_by("name")


def _pick(request: HttpRequest, queryset: Any, name: str) -> Any:
    value = request.GET.get(name, "")
    if value.isdigit():
        return queryset.filter(pk=int(value)).first()
    return queryset.first()


@login_required
def index(request: HttpRequest) -> HttpResponse:
    # any logged-in person may read what result documentation is; the links depend on the permissions
    is_municipal = bool(municipality_ids_of(request.user)) and has_permission(request.user, RECORD_OUTCOMES)
    context = {
        "has_access": bool(permissions_of(request.user) & OUTCOME_PERMISSIONS),
        "is_municipal": is_municipal,
        "can_aggregate": has_permission(request.user, VIEW_OUTCOME_AGGREGATES),
        "can_export": has_permission(request.user, EXPORT_OUTCOMES),
        "can_manage_instruments": has_permission(request.user, MANAGE_INSTRUMENTS),
        "interventions": _interventions(),
        "jobs": selectors.import_jobs(user=request.user) if is_municipal else [],
        "participant_count": selectors.participants(user=request.user).count() if is_municipal else 0,
        "setup_interventions": selectors.setup_interventions(user=request.user),
        "can_change_setup": selectors.can_change_setup(request.user),
    }
    return render(request, "outcomes/index.html", context)


# --- instruments ---------------------------------------------------------------------------------------


@login_required
def instrument_list(request: HttpRequest) -> HttpResponse:
    # the lists of instruments are no secret: every logged-in person may read them
    return render(
        request,
        "outcomes/instrument_list.html",
        {
            "instruments": selectors.instruments(),
            "can_manage": has_permission(request.user, MANAGE_INSTRUMENTS),
        },
    )


@login_required
def instrument_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_INSTRUMENTS)
    instrument = Instrument.objects.filter(pk=pk).first()
    if instrument is None:
        raise Http404
    form = InstrumentListForm(
        request.POST or None,
        initial={"list_status": instrument.list_status, "is_active": instrument.is_active},
    )
    if request.method == "POST" and form.is_valid():
        services.set_instrument_list(
            actor=request.user,
            instrument=instrument,
            list_status=form.cleaned_data["list_status"],
            is_active=form.cleaned_data["is_active"],
        )
        messages.success(request, _("Ændringerne er gemt."))
        return redirect("outcomes:instrument_list")
    return render(request, "outcomes/instrument_form.html", {"form": form, "instrument": instrument})


@login_required
def instrument_add(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, MANAGE_INSTRUMENTS)
    form = InstrumentDefinitionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_instrument(
                actor=request.user,
                definition=form.cleaned_data["definition"],
                list_status=form.cleaned_data["list_status"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Måleredskabet er tilføjet."))
            return redirect("outcomes:instrument_list")
    return render(request, "outcomes/instrument_form.html", {"form": form, "instrument": None})


@login_required
def explanation_list(request: HttpRequest) -> HttpResponse:
    _require_any_outcome_permission(request.user)
    return render(
        request, "outcomes/explanation_list.html", {"explanations": selectors.explanations(user=request.user)}
    )


# --- participants and questionnaires --------------------------------------------------------------------


@login_required
def participant_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, RECORD_OUTCOMES)
    interventions = _interventions()
    form = ParticipantForm(
        request.POST or None,
        interventions=interventions,
        municipalities=selectors.own_municipalities(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.register_participant(
                actor=request.user,
                municipality=form.cleaned_data["municipality"],
                intervention=form.cleaned_data["intervention"],
                cpr=form.cleaned_data["cpr"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Barnet er registreret. Udfyld et spørgeskema herunder."))
            return redirect("outcomes:participant_detail", pk=participant.pk)
    return render(
        request,
        "outcomes/participant_list.html",
        {"participants": selectors.participants(user=request.user)[:200], "form": form},
    )


def _participant_or_404(request: HttpRequest, pk: int) -> Any:
    require_permission(request.user, RECORD_OUTCOMES)
    try:
        return selectors.participant_detail(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


@login_required
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _participant_or_404(request, pk)
    services.record_data_access(actor=request.user, participant=participant)
    return render(
        request,
        "outcomes/participant_detail.html",
        {
            "participant": participant,
            "measurements": selectors.participant_measurements(participant=participant),
            "enrolments": participant.enrolments.select_related("intervention"),
            "instruments": selectors.instruments(active_only=True),
            "delete_form": DeleteParticipantForm(),
        },
    )


@login_required
@require_POST
def participant_delete(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _participant_or_404(request, pk)
    form = DeleteParticipantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Skriv en begrundelse for sletningen."))
        return redirect("outcomes:participant_detail", pk=pk)
    count = services.delete_participant(
        actor=request.user, participant=participant, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Barnets data er slettet (%(n)s målinger).") % {"n": count})
    return redirect("outcomes:participant_list")


@login_required
def measurement_new(request: HttpRequest, pk: int, instrument_pk: int) -> HttpResponse:
    participant = _participant_or_404(request, pk)
    instrument = Instrument.objects.filter(pk=instrument_pk, is_active=True).first()
    if instrument is None:
        raise Http404
    intervention_ids = participant.enrolments.values_list("intervention_id", flat=True)
    rounds = MeasurementRound.objects.filter(intervention_id__in=intervention_ids).select_related(
        "intervention"
    )
    first_round = rounds.first()
    needs_reason = first_round is not None and services.needs_explanation(
        municipality=participant.municipality, intervention=first_round.intervention, instrument=instrument
    )
    form = QuestionnaireForm(
        request.POST or None,
        instrument=engine_instrument(instrument),
        rounds=rounds,
        needs_reason=needs_reason,
    )
    if request.method == "POST" and form.is_valid():
        measurement_round = form.cleaned_data["round"]
        try:
            if needs_reason:
                services.explain_instrument_choice(
                    actor=request.user,
                    municipality=participant.municipality,
                    intervention=measurement_round.intervention,
                    instrument=instrument,
                    reason=form.cleaned_data["reason"],
                )
            services.record_measurement(
                actor=request.user,
                participant=participant,
                measurement_round=measurement_round,
                instrument=instrument,
                measured_on=form.cleaned_data["measured_on"],
                answers=form.answers(),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Spørgeskemaet er gemt og scoret."))
            return redirect("outcomes:participant_detail", pk=participant.pk)
    return render(
        request,
        "outcomes/measurement_form.html",
        {"form": form, "participant": participant, "instrument": instrument},
    )


# --- imports -------------------------------------------------------------------------------------------


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, RECORD_OUTCOMES)
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        rounds=MeasurementRound.objects.select_related("intervention").order_by(
            "intervention__name", "order"
        ),
        instruments=selectors.instruments(active_only=True),
        municipalities=selectors.own_municipalities(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mapping = services.parse_mapping_text(data["mapping"]) if data["mapping"].strip() else None
            if mapping is None:
                saved = selectors.column_mapping(
                    user=request.user,
                    municipality=data["municipality"],
                    source_system=data["source_system"],
                    instrument_key=data["instrument"].key,
                )
                mapping = saved.mapping if saved else {}
            elif data["save_mapping"]:
                services.save_column_mapping(
                    actor=request.user,
                    municipality=data["municipality"],
                    source_system=data["source_system"],
                    instrument_key=data["instrument"].key,
                    mapping=mapping,
                )
            if services.needs_explanation(
                municipality=data["municipality"],
                intervention=data["round"].intervention,
                instrument=data["instrument"],
            ):
                if not data["reason"].strip():
                    raise ValidationError(
                        {
                            "reason": _(
                                "Redskabet er ikke på styrelsens kortliste. Skriv hvorfor I bruger det."
                            )
                        }
                    )
                services.explain_instrument_choice(
                    actor=request.user,
                    municipality=data["municipality"],
                    intervention=data["round"].intervention,
                    instrument=data["instrument"],
                    reason=data["reason"],
                )
            upload = data["file"]
            job = services.prepare_import(
                actor=request.user,
                municipality=data["municipality"],
                measurement_round=data["round"],
                instrument=data["instrument"],
                content=upload.read(),
                file_name=upload.name,
                mapping=mapping,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            return redirect("outcomes:import_detail", pk=job.pk)
    return render(request, "outcomes/import_form.html", {"form": form})


def _job_or_404(request: HttpRequest, pk: int) -> Any:
    require_permission(request.user, RECORD_OUTCOMES)
    try:
        return selectors.import_job(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    item_keys = engine_instrument(job.instrument).item_keys
    return render(
        request,
        "outcomes/import_detail.html",
        {"job": job, "preview_columns": ["deltager", "fødselsår", "køn", "alder", "dato", *item_keys]},
    )


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        services.queue_import(actor=request.user, job=job)
    except services.ImportNotReady:
        messages.error(request, _("Importen er ikke klar til at blive gemt."))
    return redirect("outcomes:import_detail", pk=pk)


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(request, "outcomes/_import_progress.html", {"job": job})


# --- completeness, insight, export ---------------------------------------------------------------------


def _choices(request: HttpRequest) -> dict[str, Any]:
    interventions = _interventions()
    intervention = _pick(request, interventions, "intervention")
    instruments = selectors.instruments(active_only=True)
    instrument = (
        _pick(request, instruments, "instrument")
        if request.GET.get("instrument")
        else instruments.filter(key="sdq-parent-4-17").first() or instruments.first()
    )
    return {
        "interventions": interventions,
        "intervention": intervention,
        "instruments": instruments,
        "instrument": instrument,
    }


@login_required
def completeness(request: HttpRequest) -> HttpResponse:
    _require_any_outcome_permission(request.user)
    context = _choices(request)
    if context["intervention"] is not None and context["instrument"] is not None:
        context["rounds"], context["rows"] = selectors.completeness(
            user=request.user, intervention=context["intervention"], instrument=context["instrument"]
        )
    return render(request, "outcomes/completeness.html", context)


@login_required
def insight(request: HttpRequest) -> HttpResponse:
    _require_any_outcome_permission(request.user)
    context = _choices(request)
    instrument = context["instrument"]
    own = selectors.own_municipalities(user=request.user)
    if has_permission(request.user, VIEW_OUTCOME_AGGREGATES):
        from indsats.accounts.selectors import municipalities as all_municipalities

        municipality_choices = all_municipalities()
    else:
        municipality_choices = own
    from indsats.accounts.models import Organisation

    # the selector refuses a municipality the person may not see (403), rather than silently showing another
    municipality = (
        _pick(request, Organisation.objects.filter(kind="municipality"), "municipality")
        if request.GET.get("municipality")
        else own.first()
    )
    context.update({"municipalities": municipality_choices, "municipality": municipality})
    if instrument is not None and context["intervention"] is not None:
        engine = engine_instrument(instrument)
        score_keys = engine.score_keys
        requested = request.GET.get("score", "")
        score_key = requested if requested in score_keys else score_keys[-1]
        rows = selectors.insight(
            user=request.user,
            intervention=context["intervention"],
            instrument=instrument,
            score_key=score_key,
            municipality=municipality,
        )
        name = engine.score_name(score_key).da
        own_label = str(municipality) if municipality else _("Kommunen")
        chart = charts.line_chart(
            labels=[r.round.get_kind_display() for r in rows],
            series=[
                (own_label, [r.mean for r in rows], charts.OWN_COLOUR),
                (_("Alle kommuner i indsatsen"), [r.all_mean for r in rows], charts.ALL_COLOUR),
            ],
            y_range=engine.score_range(score_key),
            title=_(
                "Gennemsnitlig %(score)s pr. målerunde for %(own)s og alle kommuner i indsatsen. "
                "Tallene står i tabellen under grafen."
            )
            % {"score": name, "own": own_label},
        )
        context.update(
            {
                "rows": rows,
                "chart": chart,
                "score_key": score_key,
                "score_keys": [(k, engine.score_name(k).da) for k in score_keys],
                "score_name": name,
                "higher_is_better": engine.direction(score_key) == "higher_is_better",
            }
        )
    return render(request, "outcomes/insight.html", context)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, EXPORT_OUTCOMES)
    form = ExportForm(
        request.POST or None,
        interventions=_interventions(),
        instruments=selectors.instruments(active_only=True),
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = exporting.export_outcomes(
                actor=request.user,
                intervention=form.cleaned_data["intervention"],
                instrument=form.cleaned_data["instrument"],
                fmt=form.cleaned_data["fmt"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            response = HttpResponse(result.content, content_type=result.content_type)
            response["Content-Disposition"] = f'attachment; filename="{result.file_name}"'
            return response
    return render(request, "outcomes/export_form.html", {"form": form, "short_list": InstrumentList.SHORT})


# --- set-up per intervention: rounds, retention, evaluators -----------------------------------------------


def _setup_intervention_or_404(request: HttpRequest, pk: int) -> Any:
    """The intervention, if the person may read its set-up (agency, partner municipality, assigned
    evaluator); otherwise a 404 that gives no hint that it exists."""
    try:
        return selectors.setup_intervention(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


def _render_setup(
    request: HttpRequest,
    intervention: Any,
    *,
    retention_form: RetentionForm | None = None,
    evaluator_form: EvaluatorAssignmentForm | None = None,
) -> HttpResponse:
    setup = selectors.intervention_setup(
        intervention=intervention, default_retention_days=services.default_retention_days()
    )
    can_change = selectors.can_change_setup(request.user)
    context: dict[str, Any] = {
        "intervention": intervention,
        "setup": setup,
        "can_change": can_change,
        # The evaluation app's dose and fidelity page, for those it lets in (it decides, not this page).
        "exposure_scope": exposure_scope(request.user, intervention),
    }
    if can_change:
        context["retention_form"] = retention_form or RetentionForm(
            initial={"retention_days": setup.effective_retention_days}
        )
        context["evaluator_form"] = evaluator_form or EvaluatorAssignmentForm(
            evaluators=selectors.assignable_evaluators(intervention=intervention)
        )
    return render(request, "outcomes/setup.html", context)


@login_required
def intervention_setup(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_setup(request, _setup_intervention_or_404(request, pk))


def _next_round_initial(intervention: Any) -> dict[str, Any]:
    existing = list(selectors.rounds(intervention=intervention))
    used = {r.kind for r in existing}
    kind = next((k for k in RoundKind.values if k not in used), "")
    return {"kind": kind, "order": max((r.order for r in existing), default=-1) + 1}


@login_required
def round_create(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    require_permission(request.user, MANAGE_INTERVENTIONS)
    form = RoundForm(request.POST or None, initial=_next_round_initial(intervention))
    if request.method == "POST" and form.is_valid():
        try:
            services.create_round(actor=request.user, intervention=intervention, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Målerunden er tilføjet."))
            return redirect("outcomes:intervention_setup", pk=intervention.pk)
    return render(
        request, "outcomes/round_form.html", {"form": form, "intervention": intervention, "round": None}
    )


def _round_or_404(intervention: Any, round_pk: int) -> MeasurementRound:
    try:
        return selectors.setup_round(intervention=intervention, pk=round_pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


@login_required
def round_edit(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    require_permission(request.user, MANAGE_INTERVENTIONS)
    measurement_round = _round_or_404(intervention, round_pk)
    form = RoundForm(
        request.POST or None,
        initial={
            "kind": measurement_round.kind,
            "order": measurement_round.order,
            "opens_on": measurement_round.opens_on,
            "closes_on": measurement_round.closes_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_round(
                actor=request.user, measurement_round=measurement_round, **form.cleaned_data
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Målerunden er ændret."))
            return redirect("outcomes:intervention_setup", pk=intervention.pk)
    return render(
        request,
        "outcomes/round_form.html",
        {"form": form, "intervention": intervention, "round": measurement_round},
    )


@login_required
@require_POST
def round_delete(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    require_permission(request.user, MANAGE_INTERVENTIONS)
    measurement_round = _round_or_404(intervention, round_pk)
    try:
        services.delete_round(actor=request.user, measurement_round=measurement_round)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Målerunden %(kind)s er slettet.") % {"kind": measurement_round.get_kind_display()},
        )
    return redirect("outcomes:intervention_setup", pk=intervention.pk)


@login_required
@require_POST
def retention_set(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    require_permission(request.user, MANAGE_INTERVENTIONS)
    form = RetentionForm(request.POST)
    if form.is_valid():
        try:
            services.set_retention(
                actor=request.user,
                intervention=intervention,
                retention_days=form.cleaned_data["retention_days"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Opbevaringstiden er gemt."))
            return redirect("outcomes:intervention_setup", pk=intervention.pk)
    return _render_setup(request, intervention, retention_form=form)


@login_required
@require_POST
def evaluator_assign(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    require_permission(request.user, MANAGE_INTERVENTIONS)
    form = EvaluatorAssignmentForm(
        request.POST, evaluators=selectors.assignable_evaluators(intervention=intervention)
    )
    if form.is_valid():
        try:
            assignment = services.assign_evaluator(
                actor=request.user, intervention=intervention, evaluator=form.cleaned_data["evaluator"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s er tilknyttet som evaluator.") % {"name": assignment.evaluator.name}
            )
            return redirect("outcomes:intervention_setup", pk=intervention.pk)
    return _render_setup(request, intervention, evaluator_form=form)


@login_required
@require_POST
def evaluator_remove(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    require_permission(request.user, MANAGE_INTERVENTIONS)
    try:
        assignment = selectors.setup_assignment(intervention=intervention, pk=assignment_pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    name = assignment.evaluator.name
    services.remove_evaluator(actor=request.user, assignment=assignment)
    messages.success(request, _("%(name)s er ikke længere evaluator på indsatsen.") % {"name": name})
    return redirect("outcomes:intervention_setup", pk=intervention.pk)
