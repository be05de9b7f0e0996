"""Pages of result documentation. Thin: services write, selectors read, outcomes.access decides who may."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.engine.cpr import CprError, mask_cpr
from indsats.interventions.models import Intervention
from indsats.outcomes import access, charts, display, importing, selectors
from indsats.outcomes.forms import (
    DeleteParticipantForm,
    EvaluatorAssignmentForm,
    ExportForm,
    ImportForm,
    InstrumentDefinitionForm,
    InstrumentListForm,
    LocalReferenceForm,
    ParticipantForm,
    ParticipantSearchForm,
    QuestionnaireForm,
    RetentionForm,
    RoundForm,
)
from indsats.outcomes.models import ImportJob, InstrumentList, MeasurementRound, Participant, RoundKind
from indsats.outcomes.registry import engine_instrument, localised
from indsats.outcomes.services import exports, gdpr, imports, instruments, participants, setup
from indsats.outcomes.setup_links import setup_links
from indsats.ui.engine_messages import engine_message
from indsats.ui.pagination import paginate
from indsats.ui.service_calls import run_service

M = TypeVar("M", bound=Model)


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    # any logged-in person may read what result documentation is; the links depend on the permissions
    user = request.user
    is_municipal = access.is_municipal_recorder(user)
    context = {
        "has_access": access.has_outcome_access(user),
        "is_municipal": is_municipal,
        "can_aggregate": access.can_see_aggregates(user),
        "can_export": access.can_export(user),
        "can_manage_instruments": access.can_manage_instruments(user),
        "interventions": selectors.interventions_with_rounds(),
        "jobs": selectors.import_jobs(user=user) if is_municipal else [],
        "participant_count": selectors.participants(user=user).count() if is_municipal else 0,
        "setup_interventions": paginate(request, selectors.setup_interventions(user=user)),
        "can_change_setup": access.can_change_setup(user),
    }
    return render(request, "outcomes/index.html", context)


# --- instruments ---------------------------------------------------------------------------------------


@login_required
def instrument_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # the lists of instruments are no secret: every logged-in person may read them
    return render(
        request,
        "outcomes/instrument_list.html",
        {
            "instruments": paginate(request, selectors.instruments().order_by("key", "-version", "pk")),
            "can_manage": access.can_manage_instruments(request.user),
        },
    )


@login_required
def instrument_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access.require_instrument_manager(request.user)
    instrument = selectors.instrument(pk=pk)
    if instrument is None:
        raise Http404
    form = InstrumentListForm(
        request.POST or None,
        initial={"list_status": instrument.list_status, "is_active": instrument.is_active},
    )
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            lambda: instruments.set_instrument_list(
                actor=request.user,
                instrument=instrument,
                list_status=form.cleaned_data["list_status"],
                is_active=form.cleaned_data["is_active"],
            ),
            form=form,
        )
        if saved is not None:
            messages.success(request, _("Ændringerne er gemt."))
            return redirect("outcomes:instrument_list")
    return render(request, "outcomes/instrument_form.html", {"form": form, "instrument": instrument})


@login_required
def instrument_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_instrument_manager(request.user)
    form = InstrumentDefinitionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        added = run_service(
            lambda: instruments.add_instrument(
                actor=request.user,
                definition=form.cleaned_data["definition"],
                list_status=form.cleaned_data["list_status"],
            ),
            form=form,
        )
        if added is not None:
            messages.success(request, _("Måleredskabet er tilføjet."))
            return redirect("outcomes:instrument_list")
    return render(request, "outcomes/instrument_form.html", {"form": form, "instrument": None})


@login_required
def explanation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_outcome_access(request.user)
    explanations = paginate(request, selectors.explanations(user=request.user).order_by("-created_at", "-pk"))
    return render(request, "outcomes/explanation_list.html", {"explanations": explanations})


# --- participants and questionnaires --------------------------------------------------------------------


@login_required
def participant_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_recorder(request.user)
    searching = "search_cpr" in request.POST  # a POST, so the number is in no URL, history or access log
    search = ParticipantSearchForm(request.POST if searching else None)
    form = ParticipantForm(
        None if searching else (request.POST or None),
        interventions=selectors.interventions_with_rounds(),
        municipalities=selectors.own_municipalities(user=request.user),
    )
    found = None
    reference = " ".join(request.GET.get("reference", "").split())[:40]
    if reference and mask_cpr(reference) != reference:
        # a CPR number typed into the GET box: not searched, and away from the URL the page links back to
        messages.error(request, _("Søg på CPR-nummer i feltet til CPR-nummer, ikke i lokal reference."))
        return redirect("outcomes:participant_list")
    if reference and not searching:
        found = list(selectors.participants_with_reference(user=request.user, reference=reference))
    if searching and search.is_valid():
        try:
            found = list(
                selectors.participants_with_cpr(user=request.user, cpr=search.cleaned_data["search_cpr"])
            )
        except CprError as error:
            search.add_error("search_cpr", engine_message(error))
    if request.method == "POST" and not searching and form.is_valid():
        participant = run_service(
            lambda: participants.register_participant(
                actor=request.user,
                municipality=form.cleaned_data["municipality"],
                intervention=form.cleaned_data["intervention"],
                cpr=form.cleaned_data["cpr"],
                local_reference=form.cleaned_data["local_reference"],
            ),
            form=form,
        )
        if participant is not None:
            messages.success(request, _("Barnet er registreret. Udfyld et spørgeskema herunder."))
            return redirect("outcomes:participant_detail", pk=participant.pk)
    return render(
        request,
        "outcomes/participant_list.html",
        {
            "participants": paginate(
                request, found if found is not None else selectors.participants(user=request.user)
            ),
            "form": form,
            "search": search,
            "searched": found is not None and not reference,
            "reference": reference,
        },
    )


def _participant_or_404(request: AuthenticatedHttpRequest, pk: int) -> Participant:
    access.require_recorder(request.user)
    try:
        return selectors.participant_detail(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


def _render_participant(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    reference_form: LocalReferenceForm | None = None,
) -> HttpResponse:
    gdpr.record_data_access(actor=request.user, participant=participant)
    return render(
        request,
        "outcomes/participant_detail.html",
        {
            "participant": participant,
            "measurements": selectors.participant_measurements(participant=participant),
            "enrolments": participant.enrolments.select_related("intervention"),
            "instruments": selectors.instruments(active_only=True),
            "delete_form": DeleteParticipantForm(),
            "reference_form": reference_form
            or LocalReferenceForm(initial={"local_reference": participant.local_reference}),
        },
    )


@login_required
def participant_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_participant(request, _participant_or_404(request, pk))


@login_required
@require_POST
def participant_reference(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    participant = _participant_or_404(request, pk)
    form = LocalReferenceForm(request.POST)
    if form.is_valid():
        changed = run_service(
            lambda: participants.set_local_reference(
                actor=request.user,
                participant=participant,
                local_reference=form.cleaned_data["local_reference"],
            ),
            form=form,
        )
        if changed is not None:
            messages.success(request, _("Den lokale reference er gemt."))
            return redirect("outcomes:participant_detail", pk=pk)
    return _render_participant(request, participant, form)


@login_required
@require_POST
def participant_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    participant = _participant_or_404(request, pk)
    form = DeleteParticipantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Skriv en begrundelse for sletningen."))
        return redirect("outcomes:participant_detail", pk=pk)
    count = gdpr.delete_participant(
        actor=request.user, participant=participant, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Barnets data er slettet (%(n)s målinger).") % {"n": count})
    return redirect("outcomes:participant_list")


@login_required
def measurement_new(request: AuthenticatedHttpRequest, pk: int, instrument_pk: int) -> HttpResponse:
    participant = _participant_or_404(request, pk)
    instrument = selectors.instrument(pk=instrument_pk, active_only=True)
    if instrument is None:
        raise Http404
    rounds = selectors.participant_rounds(participant=participant)
    first_round = rounds.first()
    needs_reason = first_round is not None and selectors.needs_explanation(
        municipality=participant.municipality, intervention=first_round.intervention, instrument=instrument
    )
    form = QuestionnaireForm(
        request.POST or None,
        instrument=engine_instrument(instrument),
        rounds=rounds,
        needs_reason=needs_reason,
    )
    if request.method == "POST" and form.is_valid():
        measurement_round: MeasurementRound = form.cleaned_data["round"]

        def record() -> object:
            if needs_reason:
                instruments.explain_instrument_choice(
                    actor=request.user,
                    municipality=participant.municipality,
                    intervention=measurement_round.intervention,
                    instrument=instrument,
                    reason=form.cleaned_data["reason"],
                )
            return participants.record_measurement(
                actor=request.user,
                participant=participant,
                measurement_round=measurement_round,
                instrument=instrument,
                measured_on=form.cleaned_data["measured_on"],
                answers=form.answers(),
            )

        if run_service(record, form=form) is not None:
            messages.success(request, _("Spørgeskemaet er gemt og scoret."))
            return redirect("outcomes:participant_detail", pk=participant.pk)
    return render(
        request,
        "outcomes/measurement_form.html",
        {"form": form, "participant": participant, "instrument": instrument},
    )


# --- imports -------------------------------------------------------------------------------------------


@login_required
def import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_recorder(request.user)
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        rounds=selectors.all_rounds(),
        instruments=selectors.instruments(active_only=True),
        municipalities=selectors.own_municipalities(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def start() -> ImportJob:
            mapping = importing.parse_mapping_text(data["mapping"]) if data["mapping"].strip() else None
            if mapping is None:
                saved = selectors.column_mapping(
                    user=request.user,
                    municipality=data["municipality"],
                    source_system=data["source_system"],
                    instrument_key=data["instrument"].key,
                )
                mapping = saved.mapping if saved else {}
            elif data["save_mapping"]:
                imports.save_column_mapping(
                    actor=request.user,
                    municipality=data["municipality"],
                    source_system=data["source_system"],
                    instrument_key=data["instrument"].key,
                    mapping=mapping,
                )
            upload = data["file"]
            return imports.prepare_import(
                actor=request.user,
                municipality=data["municipality"],
                measurement_round=data["round"],
                instrument=data["instrument"],
                content=upload.read(),
                file_name=upload.name,
                mapping=mapping,
                reason=data["reason"],
            )

        job = run_service(start, form=form)
        if job is not None:
            return redirect("outcomes:import_detail", pk=job.pk)
    return render(request, "outcomes/import_form.html", {"form": form})


def _job_or_404(request: AuthenticatedHttpRequest, pk: int) -> ImportJob:
    access.require_recorder(request.user)
    try:
        return selectors.import_job(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


@login_required
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    item_keys = engine_instrument(job.instrument).item_keys
    return render(
        request,
        "outcomes/import_detail.html",
        {
            "job": job,
            "can_queue": access.can_queue_import(request.user, job),
            "can_retry": access.can_retry_import(request.user, job),
            "preview_columns": ["deltager", "fødselsår", "køn", "alder", "dato", *item_keys],
        },
    )


@login_required
@require_POST
def import_commit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    run_service(lambda: imports.queue_import(actor=request.user, job=job), request=request)
    return redirect("outcomes:import_detail", pk=pk)


@login_required
@require_POST
def import_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    run_service(lambda: imports.retry_import(actor=request.user, job=job), request=request)
    return redirect("outcomes:import_detail", pk=pk)


@login_required
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(
        request,
        "outcomes/_import_progress.html",
        {"job": job, "can_retry": access.can_retry_import(request.user, job)},
    )


# --- completeness, insight, export ---------------------------------------------------------------------


def _choices(
    request: HttpRequest,
    interventions: QuerySet[Intervention] | None = None,
    names: list[tuple[int, str]] | None = None,
) -> dict[str, Any]:
    """The filters' choices and the ones picked. Each list is read once, as (id, name) or without the
    columns the page does not show (instrument definitions), and its options are rendered here: a template
    loop over hundreds of interventions costs more than the rest of the page. `names`: the interventions'
    (id, name) rows when read already."""
    if names is None:
        names = (
            selectors.intervention_names_with_rounds()
            if interventions is None
            else list(interventions.values_list("pk", "name"))
        )
    value = request.GET.get("intervention", "")
    picked_pk = int(value) if value.isdigit() else (names[0][0] if names else None)
    # the picked intervention must be one of the list (else none is picked): no query of its own
    intervention = _listed(Intervention if interventions is None else interventions.model, names, picked_pk)
    active = selectors.active_instruments()
    value = request.GET.get("instrument", "")
    if value.isdigit():
        instrument = next((i for i in active if i.pk == int(value)), None)
    elif value:
        instrument = active[0] if active else None
    else:
        instrument = next((i for i in active if i.key == "sdq-parent-4-17"), None) or (
            active[0] if active else None
        )
    return {
        "interventions": names,
        "intervention": intervention,
        "intervention_options": _options(names, intervention),
        "instruments": active,
        "instrument": instrument,
        "instrument_options": _options([(i.pk, str(i)) for i in active], instrument),
    }


def _listed(model: type[M], rows: list[tuple[int, str]], pk: int | None) -> M | None:
    """The row of the (id, name) list with this id, as a model loaded the way .only("id", "name") loads it
    (the pages use its id and name; any other field is read if asked for); None when it is not listed."""
    return next(
        (
            model.from_db(DEFAULT_DB_ALIAS, ["id", "name"], [row_pk, name])
            for row_pk, name in rows
            if row_pk == pk
        ),
        None,
    )


def _options(rows: Iterable[tuple[int, str]], picked: Model | None) -> SafeString:
    """``<option>`` elements of the (id, name) rows, the picked one selected (hundreds of them: the names
    escaped by ``html.escape``, as Django's ``escape`` does but without its lazy-string wrapper)."""
    picked_pk = picked.pk if picked is not None else None
    return mark_safe(  # noqa: S308 - the ids are integers, the names escaped
        "".join(
            f'<option value="{int(pk)}"{" selected" if pk == picked_pk else ""}>{html.escape(name)}</option>'
            for pk, name in rows
        )
    )


@login_required
def completeness(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_outcome_access(request.user)
    context = _choices(request)
    if context["intervention"] is not None and context["instrument"] is not None:
        context["rounds"], context["rows"] = selectors.completeness(
            user=request.user, intervention=context["intervention"], instrument=context["instrument"]
        )
        context["row_html"] = display.completeness_rows_html(context["rows"])
    return render(request, "outcomes/completeness.html", context)


@login_required
def insight(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_outcome_access(request.user)
    # a municipality compares itself only in the interventions it takes part in
    context = _choices(
        request,
        selectors.compared_interventions(user=request.user),
        selectors.compared_intervention_names(user=request.user),
    )
    instrument = context["instrument"]
    requested = request.GET.get("municipality", "")
    listed = selectors.insight_municipalities(user=request.user)
    municipalities = selectors.insight_municipality_names(user=request.user)
    # the selector refuses a municipality the person may not see (403), rather than silently showing another
    municipality = (
        _listed(listed.model, municipalities, int(requested)) or selectors.municipality_by_pk(int(requested))
        if requested.isdigit()
        else selectors.own_municipalities(user=request.user).first()
    )
    context.update(
        {
            "municipalities": municipalities,
            "municipality": municipality,
            "municipality_options": _options(municipalities, municipality),
            "min_children": settings.DISCLOSURE_MIN_CHILDREN,
            "min_municipalities": settings.DISCLOSURE_MIN_MUNICIPALITIES,
        }
    )
    if instrument is not None and context["intervention"] is not None:
        engine = engine_instrument(instrument)
        score_keys = engine.score_keys
        requested_score = request.GET.get("score", "")
        score_key = requested_score if requested_score in score_keys else score_keys[-1]
        rows = selectors.insight(
            user=request.user,
            intervention=context["intervention"],
            instrument=instrument,
            score_key=score_key,
            municipality=municipality,
        )
        name = localised(engine.score_name(score_key))
        own_label = str(municipality) if municipality else _("Kommunen")
        chart = charts.line_chart(
            labels=[r.round.get_kind_display() for r in rows],
            series=[
                (own_label, [r.mean for r in rows], charts.OWN_COLOUR),
                (_("Andre kommuner i indsatsen"), [r.others_mean for r in rows], charts.ALL_COLOUR),
            ],
            y_range=engine.score_range(score_key),
            title=_(
                "Gennemsnitlig %(score)s pr. målerunde for %(own)s og de andre kommuner i indsatsen. "
                "Tallene står i tabellen under grafen."
            )
            % {"score": name, "own": own_label},
        )
        context.update(
            {
                "rows": rows,
                "chart": chart,
                "score_key": score_key,
                "score_keys": [(k, localised(engine.score_name(k))) for k in score_keys],
                "score_name": name,
                "higher_is_better": engine.direction(score_key) == "higher_is_better",
            }
        )
    return render(request, "outcomes/insight.html", context)


@login_required
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_exporter(request.user)
    interventions = selectors.interventions_with_rounds()
    chosen = (
        interventions.filter(pk=request.GET.get("indsats", "")).first()
        if request.GET.get("indsats", "").isdigit()
        else interventions.first()
    )
    used = selectors.instruments_in_use(chosen) if chosen is not None else []
    form = ExportForm(
        request.POST or None,
        interventions=interventions,
        instruments=selectors.instruments(active_only=True),
        initial={"intervention": chosen, "instrument": used[0] if used else None},
    )
    if request.method == "POST" and form.is_valid():
        result = run_service(
            lambda: exports.export_outcomes(
                actor=request.user,
                intervention=form.cleaned_data["intervention"],
                instrument=form.cleaned_data["instrument"],
                fmt=form.cleaned_data["fmt"],
            ),
            form=form,
        )
        if result is not None:
            response = HttpResponse(result.content, content_type=result.content_type)
            response["Content-Disposition"] = f'attachment; filename="{result.file_name}"'
            return response
    return render(request, "outcomes/export_form.html", {"form": form, "short_list": InstrumentList.SHORT})


# --- set-up per intervention: rounds, retention, evaluators -----------------------------------------------


def _setup_intervention_or_404(request: AuthenticatedHttpRequest, pk: int) -> Intervention:
    """The intervention, if the person may read its set-up (agency, partner municipality, assigned
    evaluator); otherwise a 404 that gives no hint that it exists."""
    try:
        return selectors.setup_intervention(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


def _render_setup(
    request: AuthenticatedHttpRequest,
    intervention: Intervention,
    *,
    retention_form: RetentionForm | None = None,
    evaluator_form: EvaluatorAssignmentForm | None = None,
) -> HttpResponse:
    setup_view = selectors.intervention_setup(intervention=intervention)
    can_change = access.can_change_setup(request.user)
    context: dict[str, Any] = {
        "intervention": intervention,
        "setup": setup_view,
        "can_change": can_change,
        # pages of the apps above this one about the intervention's children (they decide who may)
        "links": setup_links(request.user, intervention),
    }
    if can_change:
        context["retention_form"] = retention_form or RetentionForm(
            initial={"retention_days": setup_view.effective_retention_days}
        )
        context["evaluator_form"] = evaluator_form or EvaluatorAssignmentForm(
            evaluators=selectors.assignable_evaluators(intervention=intervention)
        )
    return render(request, "outcomes/setup.html", context)


@login_required
def intervention_setup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_setup(request, _setup_intervention_or_404(request, pk))


def _next_round_initial(intervention: Intervention) -> dict[str, Any]:
    existing = list(selectors.rounds(intervention=intervention))
    used = {r.kind for r in existing}
    kind = next((k for k in RoundKind.values if k not in used), "")
    return {"kind": kind, "order": max((r.order for r in existing), default=-1) + 1}


@login_required
def round_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    access.require_setup_manager(request.user)
    form = RoundForm(request.POST or None, initial=_next_round_initial(intervention))
    if request.method == "POST" and form.is_valid():
        created = run_service(
            lambda: setup.create_round(actor=request.user, intervention=intervention, **form.cleaned_data),
            form=form,
        )
        if created is not None:
            messages.success(request, _("Målerunden er tilføjet."))
            return redirect("outcomes:intervention_setup", pk=intervention.pk)
    return render(
        request, "outcomes/round_form.html", {"form": form, "intervention": intervention, "round": None}
    )


def _round_or_404(intervention: Intervention, round_pk: int) -> MeasurementRound:
    try:
        return selectors.setup_round(intervention=intervention, pk=round_pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


@login_required
def round_edit(request: AuthenticatedHttpRequest, pk: int, round_pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    access.require_setup_manager(request.user)
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
        changed = run_service(
            lambda: setup.update_round(
                actor=request.user, measurement_round=measurement_round, **form.cleaned_data
            ),
            form=form,
        )
        if changed is not None:
            messages.success(request, _("Målerunden er ændret."))
            return redirect("outcomes:intervention_setup", pk=intervention.pk)
    return render(
        request,
        "outcomes/round_form.html",
        {"form": form, "intervention": intervention, "round": measurement_round},
    )


@login_required
@require_POST
def round_delete(request: AuthenticatedHttpRequest, pk: int, round_pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    access.require_setup_manager(request.user)
    measurement_round = _round_or_404(intervention, round_pk)
    run_service(
        lambda: setup.delete_round(actor=request.user, measurement_round=measurement_round),
        request=request,
        success=_("Målerunden %(kind)s er slettet.") % {"kind": measurement_round.get_kind_display()},
    )
    return redirect("outcomes:intervention_setup", pk=intervention.pk)


@login_required
@require_POST
def retention_set(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    access.require_setup_manager(request.user)
    form = RetentionForm(request.POST)
    if form.is_valid():
        policy = run_service(
            lambda: setup.set_retention(
                actor=request.user,
                intervention=intervention,
                retention_days=form.cleaned_data["retention_days"],
            ),
            form=form,
        )
        if policy is not None:
            messages.success(request, _("Opbevaringstiden er gemt."))
            return redirect("outcomes:intervention_setup", pk=intervention.pk)
    return _render_setup(request, intervention, retention_form=form)


@login_required
@require_POST
def evaluator_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    access.require_setup_manager(request.user)
    form = EvaluatorAssignmentForm(
        request.POST, evaluators=selectors.assignable_evaluators(intervention=intervention)
    )
    if form.is_valid():
        assignment = run_service(
            lambda: setup.assign_evaluator(
                actor=request.user, intervention=intervention, evaluator=form.cleaned_data["evaluator"]
            ),
            form=form,
        )
        if assignment is not None:
            messages.success(
                request, _("%(name)s er tilknyttet som evaluator.") % {"name": assignment.evaluator.name}
            )
            return redirect("outcomes:intervention_setup", pk=intervention.pk)
    return _render_setup(request, intervention, evaluator_form=form)


@login_required
@require_POST
def evaluator_remove(request: AuthenticatedHttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    intervention = _setup_intervention_or_404(request, pk)
    access.require_setup_manager(request.user)
    try:
        assignment = selectors.setup_assignment(intervention=intervention, pk=assignment_pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    name = assignment.evaluator.name
    setup.remove_evaluator(actor=request.user, assignment=assignment)
    messages.success(request, _("%(name)s er ikke længere evaluator på indsatsen.") % {"name": name})
    return redirect("outcomes:intervention_setup", pk=intervention.pk)
