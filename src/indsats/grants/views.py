"""Pages of pools, applications, assessment and grants. Thin: services decide, selectors read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts.models import Organisation
from indsats.accounts.permissions import (
    APPLY_FOR_GRANTS,
    ASSESS_APPLICATIONS,
    MANAGE_POOLS,
    RECOMMEND_ALLOCATIONS,
    has_permission,
    organisation_ids_of,
    require_permission,
)
from indsats.grants import forms, selectors, services
from indsats.grants.allocation import AllocationForm, recommend
from indsats.grants.letters import letter_for, letter_pdf
from indsats.grants.models import (
    ApplicationAttachment,
    ApplicationStatus,
    ChangeRequest,
    Initiative,
    Instalment,
    PoolStatus,
    Programme,
    ProgrammeYear,
    ReportingDuty,
)
from indsats.ui.service_calls import show_service_errors


def _error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _post_action(request: HttpRequest, action: Callable[[], Any], success: str) -> None:
    """Run a service for a small POST form; its ValidationError becomes a Danish error message."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)


# --- public: pools, calendar, newsletter -------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    pools = selectors.pool_list(user=request.user)
    now = timezone.now()
    return render(
        request,
        "grants/index.html",
        {
            "open_pools": [p for p in pools if p.is_open(now)],
            "other_pools": [p for p in pools if not p.is_open(now)],
            "can_manage": has_permission(request.user, MANAGE_POOLS),
            "can_apply": has_permission(request.user, APPLY_FOR_GRANTS),
            "sees_programmes": selectors.can_view_programmes(request.user),
            "is_staff": selectors.is_grants_staff(request.user),
        },
    )


def calendar(request: HttpRequest) -> HttpResponse:
    return render(request, "grants/calendar.html", {"quarters": selectors.pool_calendar()})


def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pool = selectors.pool_detail(user=request.user, pk=pk)
    return render(
        request,
        "grants/pool_detail.html",
        {
            "pool": pool,
            "is_open": pool.is_open(),
            "can_apply": has_permission(request.user, APPLY_FOR_GRANTS),
            "can_manage": has_permission(request.user, MANAGE_POOLS),
            "can_assess": has_permission(request.user, ASSESS_APPLICATIONS),
        },
    )


def newsletter(request: HttpRequest) -> HttpResponse:
    form = forms.SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.subscribe(email=form.cleaned_data["email"])
        messages.success(request, _("Tak. Du får nu en e-mail, når der kommer nye puljer og frister."))
        return redirect("grants:newsletter")
    return render(request, "grants/newsletter.html", {"form": form})


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        services.unsubscribe(token=token)
        messages.success(request, _("Du er afmeldt nyhedsbrevet."))
        return redirect("grants:index")
    return render(request, "grants/unsubscribe.html", {"token": token})


# --- programmes (agency, steering group) -------------------------------------------------------------


@login_required
def programmes(request: HttpRequest) -> HttpResponse:
    if not selectors.can_view_programmes(request.user):
        raise PermissionDenied
    overviews = [selectors.year_overview(programme_year=year) for year in selectors.programme_years()]
    return render(
        request,
        "grants/programmes.html",
        {"overviews": overviews, "can_manage": has_permission(request.user, MANAGE_POOLS)},
    )


@login_required
def programme_year_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, MANAGE_POOLS)
    form = forms.ProgrammeYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            programme: Programme = data.pop("programme") or services.create_programme(
                actor=request.user, name=data["new_programme"]
            )
            data.pop("new_programme")
            services.save_programme_year(actor=request.user, programme=programme, **data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Programåret er oprettet."))
            return redirect("grants:programmes")
    return render(
        request,
        "grants/form_page.html",
        {"form": form, "title": _("Nyt programår"), "cancel": "grants:programmes"},
    )


@login_required
def initiative_create(request: HttpRequest, year_pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_POOLS)
    year = get_object_or_404(ProgrammeYear, pk=year_pk)
    form = forms.InitiativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_initiative(actor=request.user, programme_year=year, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Initiativet er oprettet."))
            return redirect("grants:programmes")
    title = _("Nyt initiativ i %(year)s") % {"year": year}
    return render(
        request, "grants/form_page.html", {"form": form, "title": title, "cancel": "grants:programmes"}
    )


@login_required
def pool_create(request: HttpRequest, initiative_pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_POOLS)
    initiative = get_object_or_404(Initiative, pk=initiative_pk)
    form = forms.PoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pool = services.create_pool(actor=request.user, initiative=initiative, **form.service_kwargs())
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Puljen er oprettet som kladde. Offentliggør den, når den er klar."))
            return redirect("grants:pool_detail", pk=pool.pk)
    title = _("Ny pulje under %(initiative)s") % {"initiative": initiative}
    return render(
        request, "grants/form_page.html", {"form": form, "title": title, "cancel": "grants:programmes"}
    )


@login_required
def pool_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_POOLS)
    pool = selectors.pool_detail(user=request.user, pk=pk)
    form = forms.PoolForm(request.POST or None, initial=forms.PoolForm.initial_for(pool))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_pool(actor=request.user, pool=pool, **form.service_kwargs())
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Ændringerne er gemt."))
            return redirect("grants:pool_detail", pk=pool.pk)
    title = _("Redigér %(pool)s") % {"pool": pool}
    return render(request, "grants/form_page.html", {"form": form, "title": title, "cancel": "grants:index"})


@login_required
@require_POST
def pool_publish(request: HttpRequest, pk: int) -> HttpResponse:
    pool = selectors.pool_detail(user=request.user, pk=pk)
    _post_action(
        request, lambda: services.publish_pool(actor=request.user, pool=pool), _("Puljen er offentliggjort.")
    )
    return redirect("grants:pool_detail", pk=pk)


@login_required
def pool_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.is_grants_staff(request.user):
        raise PermissionDenied
    pool = selectors.pool_detail(user=request.user, pk=pk)
    return render(
        request,
        "grants/ranking.html",
        {
            "pool": pool,
            "rows": selectors.ranking(user=request.user, pool=pool),
            "can_manage": has_permission(request.user, MANAGE_POOLS),
        },
    )


# --- applications ------------------------------------------------------------------------------------


@login_required
def application_create(request: HttpRequest, pool_pk: int) -> HttpResponse:
    require_permission(request.user, APPLY_FOR_GRANTS)
    pool = selectors.pool_detail(user=request.user, pk=pool_pk)
    organisations = Organisation.objects.filter(
        pk__in=organisation_ids_of(request.user), kind__in=pool.eligible_applicants
    )
    form = forms.ApplicantChoiceForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            application = services.create_application(actor=request.user, pool=pool, **data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request, _("Ansøgningen er gemt som kladde. Upload bilagene, og indsend den før fristen.")
            )
            return redirect("grants:application_detail", pk=application.pk)
    title = _("Ansøg: %(pool)s") % {"pool": pool}
    return render(
        request,
        "grants/form_page.html",
        {"form": form, "title": title, "cancel": "grants:index", "pool": pool},
    )


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "grants/application_list.html",
        {
            "applications": selectors.application_list(user=request.user),
            "is_staff": selectors.is_grants_staff(request.user),
        },
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(user=request.user, pk=pk)
    user = request.user
    can_edit = application.is_draft and selectors.can_edit_application(user, application)
    can_assess = (
        has_permission(user, ASSESS_APPLICATIONS) and application.status == ApplicationStatus.SUBMITTED
    )
    mine = (
        selectors.own_assessment(user=user, application=application)
        if can_assess or has_permission(user, ASSESS_APPLICATIONS)
        else None
    )
    criteria = list(application.pool.criteria.all())
    context = {
        "application": application,
        "pool": application.pool,
        "can_edit": can_edit,
        "attachment_form": forms.AttachmentForm() if can_edit else None,
        "co_editor_form": forms.CoEditorForm(organisation=application.applicant) if can_edit else None,
        "missing_attachments": [
            name
            for name in application.pool.attachment_list
            if not any(a.name.lower() == name.lower() for a in application.attachments.all())
        ],
        "assessment_form": forms.AssessmentForm(criteria=criteria) if can_assess and mine is None else None,
        "own_assessment": mine,
        "assessments": selectors.visible_assessments(user=user, application=application),
        "can_decide": has_permission(user, MANAGE_POOLS)
        and application.status == ApplicationStatus.SUBMITTED,
        "award_form": forms.AwardForm(initial={"amount": application.amount_requested}),
        "reject_form": forms.RejectForm(),
    }
    return render(request, "grants/application_detail.html", context)


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(user=request.user, pk=pk)
    if not selectors.can_edit_application(request.user, application):
        raise PermissionDenied
    initial = {name: getattr(application, name) for name in services.APPLICATION_FIELDS}
    form = forms.ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_application(actor=request.user, application=application, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Kladden er gemt."))
            return redirect("grants:application_detail", pk=pk)
    title = _("Redigér ansøgning")
    return render(
        request, "grants/form_page.html", {"form": form, "title": title, "cancel": "grants:application_list"}
    )


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(user=request.user, pk=pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        _post_action(
            request,
            lambda: services.add_attachment(
                actor=request.user,
                application=application,
                name=form.cleaned_data["name"],
                upload=form.cleaned_data["file"],
            ),
            _("Bilaget er uploadet."),
        )
    else:
        messages.error(request, _("Udfyld bilagets navn, og vælg en fil."))
    return redirect("grants:application_detail", pk=pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(ApplicationAttachment.objects.select_related("application"), pk=pk)
    selectors.application_detail(user=request.user, pk=attachment.application_id)  # 404 unless visible
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@login_required
@require_POST
def co_editor_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(user=request.user, pk=pk)
    form = forms.CoEditorForm(request.POST, organisation=application.applicant)
    if form.is_valid():
        _post_action(
            request,
            lambda: services.add_co_editor(
                actor=request.user, application=application, person=form.cleaned_data["person"]
            ),
            _("Medredaktøren er tilføjet."),
        )
    else:
        messages.error(request, _("Vælg en person fra jeres organisation."))
    return redirect("grants:application_detail", pk=pk)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(user=request.user, pk=pk)
    _post_action(
        request,
        lambda: services.submit_application(actor=request.user, application=application),
        _("Ansøgningen er indsendt. Du får en kvittering på e-mail."),
    )
    return redirect("grants:application_detail", pk=pk)


@login_required
@require_POST
def application_assess(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, ASSESS_APPLICATIONS)
    application = selectors.application_detail(user=request.user, pk=pk)
    form = forms.AssessmentForm(request.POST, criteria=list(application.pool.criteria.all()))
    if form.is_valid():
        _post_action(
            request,
            lambda: services.record_assessment(
                actor=request.user,
                application=application,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                has_conflict=form.cleaned_data["has_conflict"],
                conflict_note=form.cleaned_data["conflict_note"],
            ),
            _("Din vurdering er gemt. Nu kan du se de andres vurderinger."),
        )
    else:
        messages.error(request, _("Vurderingen kunne ikke gemmes: giv 0-5 point for hvert kriterium."))
    return redirect("grants:application_detail", pk=pk)


@login_required
@require_POST
def application_award(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_POOLS)
    application = selectors.application_detail(user=request.user, pk=pk)
    form = forms.AwardForm(request.POST)
    if form.is_valid():
        _post_action(
            request,
            lambda: services.award_application(
                actor=request.user, application=application, **form.cleaned_data
            ),
            _("Tilskuddet er bevilget, og ansøgeren har fået besked."),
        )
    else:
        messages.error(request, _("Udfyld beløb, projektstart og projektslut."))
    return redirect("grants:application_detail", pk=pk)


@login_required
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, MANAGE_POOLS)
    application = selectors.application_detail(user=request.user, pk=pk)
    form = forms.RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _post_action(
        request,
        lambda: services.reject_application(actor=request.user, application=application, reason=reason),
        _("Ansøgningen er afslået, og ansøgeren har fået besked."),
    )
    return redirect("grants:application_detail", pk=pk)


@login_required
def application_letter(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(user=request.user, pk=pk)
    letter = letter_for(application)
    if letter is None:
        raise Http404
    # The letter is rendered from our own auto-escaping template, so it is safe HTML.
    return render(request, "grants/letter.html", {"application": application, "letter": mark_safe(letter)})  # noqa: S308


@login_required
def application_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(user=request.user, pk=pk)
    letter = letter_for(application)
    if letter is None:
        raise Http404
    response = HttpResponse(letter_pdf(application, letter), content_type="application/pdf")
    kind = "tilskudsbrev" if application.status == ApplicationStatus.AWARDED else "afslag"
    response["Content-Disposition"] = f'attachment; filename="{kind}-{application.pk}.pdf"'
    return response


# --- grants ------------------------------------------------------------------------------------------


@login_required
def grant_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "grants/grant_list.html",
        {
            "grants": selectors.grant_list(user=request.user),
            "overdue": selectors.overdue_duties(user=request.user),
        },
    )


@login_required
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant_detail(user=request.user, pk=pk)
    is_grantee = grant.application.applicant_id in organisation_ids_of(request.user) and has_permission(
        request.user, APPLY_FOR_GRANTS
    )
    return render(
        request,
        "grants/grant_detail.html",
        {
            "grant": grant,
            "application": grant.application,
            "today": timezone.localdate(),
            "is_grantee": is_grantee,
            "can_manage": has_permission(request.user, MANAGE_POOLS),
            "start_form": forms.StartForm(initial={"started_on": timezone.localdate()}),
            "report_form": forms.ReportForm(),
            "change_form": forms.ChangeRequestForm(),
            "decide_form": forms.DecideChangeForm(),
        },
    )


@login_required
@require_POST
def grant_start(request: HttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant_detail(user=request.user, pk=pk)
    form = forms.StartForm(request.POST)
    if form.is_valid():
        _post_action(
            request,
            lambda: services.start_grant(actor=request.user, grant=grant, **form.cleaned_data),
            _("Projektet er meldt startet."),
        )
    else:
        messages.error(request, _("Angiv datoen, projektet startede."))
    return redirect("grants:grant_detail", pk=pk)


@login_required
@require_POST
def instalment_pay(request: HttpRequest, pk: int) -> HttpResponse:
    instalment = get_object_or_404(Instalment, pk=pk)
    selectors.grant_detail(user=request.user, pk=instalment.grant_id)
    _post_action(
        request,
        lambda: services.record_payment(
            actor=request.user, instalment=instalment, paid_on=timezone.localdate()
        ),
        _("Raten er registreret som udbetalt."),
    )
    return redirect("grants:grant_detail", pk=instalment.grant_id)


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    duty = get_object_or_404(ReportingDuty, pk=pk)
    selectors.grant_detail(user=request.user, pk=duty.grant_id)
    form = forms.ReportForm(request.POST, request.FILES)
    if form.is_valid():
        _post_action(
            request,
            lambda: services.submit_report(
                actor=request.user,
                duty=duty,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            ),
            _("Rapporten er indsendt."),
        )
    return redirect("grants:grant_detail", pk=duty.grant_id)


@login_required
@require_POST
def change_request(request: HttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant_detail(user=request.user, pk=pk)
    form = forms.ChangeRequestForm(request.POST)
    if form.is_valid():
        _post_action(
            request,
            lambda: services.request_change(actor=request.user, grant=grant, **form.cleaned_data),
            _("Anmodningen er sendt. Ændringen gælder først, når styrelsen har godkendt den skriftligt."),
        )
    else:
        messages.error(request, _("Vælg typen, og beskriv ændringen."))
    return redirect("grants:grant_detail", pk=pk)


@login_required
@require_POST
def change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ChangeRequest, pk=pk)
    selectors.grant_detail(user=request.user, pk=change.grant_id)
    form = forms.DecideChangeForm(request.POST)
    if form.is_valid():
        _post_action(
            request,
            lambda: services.decide_change(
                actor=request.user,
                change=change,
                approve=form.cleaned_data["approve"],
                note=form.cleaned_data["note"],
            ),
            _("Afgørelsen er gemt."),
        )
    else:
        messages.error(request, _("Vælg godkend eller afvis, og skriv svaret."))
    return redirect("grants:grant_detail", pk=change.grant_id)


# --- implementation support and training -------------------------------------------------------------


@login_required
def implementation(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, MANAGE_POOLS)
    chosen = request.POST.get("form") if request.method == "POST" else None
    training_form = forms.TrainingForm(request.POST if chosen == "training" else None, prefix="training")
    support_form = forms.SupportForm(request.POST if chosen == "support" else None, prefix="support")
    handlers: list[tuple[str, BaseForm, Callable[..., Any]]] = [
        ("training", training_form, services.record_training),
        ("support", support_form, services.record_support),
    ]
    for name, form, service in handlers:
        if chosen == name and form.is_valid():
            try:
                service(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, _("Registreringen er gemt."))
                return redirect("grants:implementation")
    return render(
        request,
        "grants/implementation.html",
        {
            "training": selectors.training_log()[:50],
            "support": selectors.support_log()[:50],
            "training_form": training_form,
            "support_form": support_form,
            "pool_statuses": PoolStatus,
        },
    )


# --- allocation helper (steering group, agency) ------------------------------------------------------


@login_required
def allocation(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, RECOMMEND_ALLOCATIONS)
    form = AllocationForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = recommend(form)
        except ValidationError as error:
            show_service_errors(form, error)
    names = {c.key: c.name for c in form.cleaned_data.get("candidates", [])} if result else {}
    return render(request, "grants/allocation.html", {"form": form, "result": result, "names": names})
