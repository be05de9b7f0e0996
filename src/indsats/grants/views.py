"""Pages of pools, applications, assessment and grants. Thin: services decide, selectors read, and
`grants.access` says which buttons a person sees. A service runs through `run_service`: its error lands
on the form field it names (the page is shown again with the form), or as a page message for a button
without fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts.models import User
from indsats.accounts.permissions import (
    MANAGE_POOLS,
    RECOMMEND_ALLOCATIONS,
    has_permission,
    require_permission,
)
from indsats.accounts.reauthentication import require_recent_authentication
from indsats.grants import access, display, forms, selectors, services
from indsats.grants.allocation import AllocationForm, recommend, trade_off_rows
from indsats.grants.export import overview_workbook
from indsats.grants.letters import letter_for, letter_pdf
from indsats.grants.models import (
    Application,
    ApplicationAttachment,
    ApplicationStatus,
    ChangeRequest,
    ChangeStatus,
    Grant,
    Initiative,
    Instalment,
    Programme,
    ProgrammeYear,
    RepaymentClaim,
    ReportingDuty,
)
from indsats.grants.workflow import (
    ApplicationAction,
    ChangeAction,
    DutyAction,
    GrantAction,
    PoolAction,
)
from indsats.ui.pagination import paginate
from indsats.ui.service_calls import run_service


def _person(request: HttpRequest) -> User:
    """The logged-in person (the views that ask are behind login_required)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


# --- public: pools, calendar, newsletter -------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    open_pools, other_pools = selectors.pool_index(user=request.user)
    return render(
        request,
        "grants/index.html",
        {
            "open_pools": paginate(request, open_pools, parameter="aabne-side"),
            "other_pools": paginate(request, other_pools),
            "can_manage": has_permission(request.user, MANAGE_POOLS),
            "sees_programmes": access.can_view_programmes(request.user),
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
            "actions": access.allowed_actions(request.user, pool),
            "can_manage": has_permission(request.user, MANAGE_POOLS),
        },
    )


def newsletter(request: HttpRequest) -> HttpResponse:
    form = forms.SubscribeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(lambda: services.subscribe(email=form.cleaned_data["email"]), form=form) is not None
    ):
        messages.success(
            request, _("Tak. Vi har sendt dig en e-mail: åbn linket i den for at bekræfte dit abonnement.")
        )
        return redirect("grants:newsletter")
    return render(request, "grants/newsletter.html", {"form": form})


def confirm_subscription(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the first e-mail: confirming is harmless to repeat, so a GET may do it."""
    confirmed = services.confirm_subscription(token=token)
    return render(request, "grants/subscription_confirmed.html", {"confirmed": confirmed})


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        services.unsubscribe(token=token)
        messages.success(request, _("Du er afmeldt nyhedsbrevet."))
        return redirect("grants:index")
    return render(request, "grants/unsubscribe.html", {"token": token})


# --- programmes (agency, steering group) -------------------------------------------------------------


def _form_page(request: HttpRequest, form: BaseForm, title: str, cancel: str, **extra: Any) -> HttpResponse:
    return render(request, "grants/form_page.html", {"form": form, "title": title, "cancel": cancel, **extra})


@login_required
def programmes(request: HttpRequest) -> HttpResponse:
    if not access.can_view_programmes(request.user):
        raise PermissionDenied
    overviews = [selectors.year_overview(programme_year=year) for year in selectors.programme_years()]
    return render(
        request,
        "grants/programmes.html",
        {"overviews": overviews, "can_manage": has_permission(request.user, MANAGE_POOLS)},
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Across the programme: per year, initiative and pool, the money and the grants needing attention."""
    if not access.can_view_programmes(request.user):
        raise PermissionDenied
    rows = selectors.programme_overview()
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            overview_workbook(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="tilskud-oversigt.xlsx"'
        return response
    return render(request, "grants/overview.html", {"rows": rows, "sees_programmes": True})


@login_required
def programme_year_create(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    require_permission(person, MANAGE_POOLS)
    form = forms.ProgrammeYearForm(request.POST or None)

    def create() -> ProgrammeYear:
        data = dict(form.cleaned_data)
        new_programme = data.pop("new_programme")
        programme: Programme = data.pop("programme") or services.create_programme(
            actor=person, name=new_programme
        )
        return services.save_programme_year(actor=person, programme=programme, **data)

    if request.method == "POST" and form.is_valid() and run_service(create, form=form) is not None:
        messages.success(request, _("Programåret er oprettet."))
        return redirect("grants:programmes")
    return _form_page(request, form, _("Nyt programår"), "grants:programmes")


@login_required
def initiative_create(request: HttpRequest, year_pk: int) -> HttpResponse:
    person = _person(request)
    require_permission(person, MANAGE_POOLS)
    year = get_object_or_404(ProgrammeYear, pk=year_pk)
    form = forms.InitiativeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            lambda: services.create_initiative(actor=person, programme_year=year, **form.cleaned_data),
            form=form,
        )
        is not None
    ):
        messages.success(request, _("Initiativet er oprettet."))
        return redirect("grants:programmes")
    return _form_page(request, form, _("Nyt initiativ i %(year)s") % {"year": year}, "grants:programmes")


@login_required
def pool_create(request: HttpRequest, initiative_pk: int) -> HttpResponse:
    person = _person(request)
    require_permission(person, MANAGE_POOLS)
    initiative = get_object_or_404(Initiative, pk=initiative_pk)
    form = forms.PoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pool = run_service(
            lambda: services.create_pool(actor=person, initiative=initiative, **form.service_kwargs()),
            form=form,
        )
        if pool is not None:
            messages.success(request, _("Puljen er oprettet som kladde. Offentliggør den, når den er klar."))
            return redirect("grants:pool_detail", pk=pool.pk)
    title = _("Ny pulje under %(initiative)s") % {"initiative": initiative}
    return _form_page(request, form, title, "grants:programmes")


@login_required
def pool_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    require_permission(person, MANAGE_POOLS)
    pool = selectors.pool_detail(user=person, pk=pk)
    form = forms.PoolForm(request.POST or None, initial=forms.PoolForm.initial_for(pool))
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            lambda: services.update_pool(actor=person, pool=pool, **form.service_kwargs()), form=form
        )
        is not None
    ):
        messages.success(request, _("Ændringerne er gemt."))
        return redirect("grants:pool_detail", pk=pool.pk)
    return _form_page(request, form, _("Redigér %(pool)s") % {"pool": pool}, "grants:index")


@login_required
@require_POST
def pool_publish(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    pool = selectors.pool_detail(user=person, pk=pk)
    run_service(
        lambda: services.publish_pool(actor=person, pool=pool),
        request=request,
        success=_("Puljen er offentliggjort."),
    )
    return redirect("grants:pool_detail", pk=pk)


@login_required
def pool_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    if not access.is_grants_staff(person):
        raise PermissionDenied
    pool = selectors.pool_detail(user=person, pk=pk)
    return render(
        request,
        "grants/ranking.html",
        {
            "pool": pool,
            "rows": selectors.ranking(user=person, pool=pool),
            "can_manage": has_permission(person, MANAGE_POOLS),
        },
    )


# --- applications ------------------------------------------------------------------------------------


@login_required
def application_create(request: HttpRequest, pool_pk: int) -> HttpResponse:
    person = _person(request)
    pool = selectors.pool_detail(user=person, pk=pool_pk)
    access.require_may(person, pool, PoolAction.APPLY)
    organisations = access.applicant_organisations(person, pool)
    form = forms.ApplicantChoiceForm(
        request.POST or None, organisations=organisations, questions=pool.question_list
    )
    if request.method == "POST" and form.is_valid():
        application = run_service(
            lambda: services.create_application(actor=person, pool=pool, **form.service_kwargs()), form=form
        )
        if application is not None:
            messages.success(
                request, _("Ansøgningen er gemt som kladde. Upload bilagene, og indsend den før fristen.")
            )
            return redirect("grants:application_detail", pk=application.pk)
    return _form_page(request, form, _("Ansøg: %(pool)s") % {"pool": pool}, "grants:index", pool=pool)


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "grants/application_list.html",
        {"applications": paginate(request, selectors.application_list(user=_person(request)))},
    )


def _application_page(request: HttpRequest, application: Application, **bound: BaseForm) -> HttpResponse:
    """The application's page; `bound` holds a form that failed, shown again with its errors."""
    person = _person(request)
    actions = access.allowed_actions(person, application)
    can_edit = ApplicationAction.EDIT in actions
    mine = selectors.own_assessment(user=person, application=application)
    criteria = list(application.pool.criteria.all())
    can_assess = ApplicationAction.ASSESS in actions and mine is None
    can_decide = ApplicationAction.AWARD in actions
    context = {
        "application": application,
        "pool": application.pool,
        "can_edit": can_edit,
        "can_submit": ApplicationAction.SUBMIT in actions,
        "attachment_form": bound.get("attachment_form", forms.AttachmentForm()) if can_edit else None,
        "budget_lines": list(application.budget_lines.all()),
        "budget_form": (
            bound.get("budget_form", forms.BudgetLinesForm(initial=_budget_initial(application)))
            if can_edit
            else None
        ),
        "co_editor_form": (
            bound.get("co_editor_form", forms.CoEditorForm(organisation=application.applicant))
            if can_edit
            else None
        ),
        "missing_attachments": [
            name
            for name in application.pool.attachment_list
            if not any(a.name.lower() == name.lower() for a in application.attachments.all())
        ],
        "assessment_form": (
            bound.get("assessment_form", forms.AssessmentForm(criteria=criteria)) if can_assess else None
        ),
        "own_assessment": mine,
        "assessments": selectors.visible_assessments(user=person, application=application),
        "can_decide": can_decide,
        "award_form": bound.get(
            "award_form", forms.AwardForm(initial={"amount": application.amount_requested})
        ),
        "reject_form": bound.get("reject_form", forms.RejectForm()),
        "assignments": list(application.assignments.all()),
        "answers": [(q, application.answers.get(q, "")) for q in application.pool.question_list],
        "assign_form": (
            bound.get("assign_form", forms.AssignAssessorForm(assessors=selectors.assessors()))
            if ApplicationAction.ASSIGN_ASSESSOR in actions
            else None
        ),
    }
    return render(request, "grants/application_detail.html", context)


@login_required
@require_POST
def assessor_assign(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    application = selectors.application_detail(user=person, pk=pk)
    access.require_may(person, application, ApplicationAction.ASSIGN_ASSESSOR)
    form = forms.AssignAssessorForm(request.POST, assessors=selectors.assessors())
    return _application_action(
        request,
        application,
        form,
        "assign_form",
        lambda: services.assign_assessor(
            actor=person, application=application, assessor=form.cleaned_data["assessor"]
        ),
        _("Bedømmeren er tildelt."),
    )


def _budget_initial(application: Application) -> dict[str, object]:
    initial: dict[str, object] = {}
    for line in application.budget_lines.all():
        initial[f"amount_{line.category}"] = line.amount
        initial[f"co_amount_{line.category}"] = line.co_funding_amount or None
        initial[f"co_source_{line.category}"] = line.co_funding_source
    return initial


@login_required
@require_POST
def budget_lines(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    application = selectors.application_detail(user=person, pk=pk)
    access.require_may(person, application, ApplicationAction.EDIT)
    form = forms.BudgetLinesForm(request.POST)
    return _application_action(
        request,
        application,
        form,
        "budget_form",
        lambda: services.set_budget_lines(actor=person, application=application, lines=form.lines()),
        _("Budgettet er gemt."),
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_page(request, selectors.application_detail(user=_person(request), pk=pk))


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    application = selectors.application_detail(user=person, pk=pk)
    access.require_may(person, application, ApplicationAction.EDIT)
    form = forms.ApplicationForm(
        request.POST or None,
        initial=forms.ApplicationForm.initial_for(application),
        questions=application.pool.question_list,
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            lambda: services.update_application(
                actor=person, application=application, **form.service_kwargs()
            ),
            form=form,
        )
        is not None
    ):
        messages.success(request, _("Kladden er gemt."))
        return redirect("grants:application_detail", pk=pk)
    return _form_page(request, form, _("Redigér ansøgning"), "grants:application_list")


def _has_field_errors(form: BaseForm) -> bool:
    return any(name in form.fields for name in form.errors)


def _back_with_message(request: HttpRequest, form: BaseForm, page: str, pk: int) -> HttpResponse:
    """An error about no field of the form (the record's state, say): a page message on the record's page."""
    messages.error(request, " ".join(str(error) for error in form.non_field_errors()))
    return redirect(page, pk=pk)


def _application_action(
    request: HttpRequest,
    application: Application,
    form: BaseForm,
    name: str,
    call: Callable[[], object],
    success: str,
) -> HttpResponse:
    """Run a service from a form on the application's page: on success back to the page with a message,
    otherwise the page again with the form and the errors on its fields."""
    if form.is_valid() and run_service(call, form=form) is not None:
        messages.success(request, success)
        return redirect("grants:application_detail", pk=application.pk)
    if not _has_field_errors(form):
        return _back_with_message(request, form, "grants:application_detail", application.pk)
    return _application_page(request, application, **{name: form})


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    application = selectors.application_detail(user=person, pk=pk)
    access.require_may(person, application, ApplicationAction.EDIT)
    form = forms.AttachmentForm(request.POST, request.FILES)
    return _application_action(
        request,
        application,
        form,
        "attachment_form",
        lambda: services.add_attachment(
            actor=person,
            application=application,
            name=form.cleaned_data["name"],
            upload=form.cleaned_data["file"],
        ),
        _("Bilaget er uploadet."),
    )


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(ApplicationAttachment.objects.select_related("application"), pk=pk)
    selectors.application_detail(user=_person(request), pk=attachment.application_id)  # 404 unless visible
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@login_required
@require_POST
def co_editor_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    application = selectors.application_detail(user=person, pk=pk)
    access.require_may(person, application, ApplicationAction.EDIT)
    form = forms.CoEditorForm(request.POST, organisation=application.applicant)
    return _application_action(
        request,
        application,
        form,
        "co_editor_form",
        lambda: services.add_co_editor(
            actor=person, application=application, person=form.cleaned_data["person"]
        ),
        _("Medredaktøren er tilføjet."),
    )


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    application = selectors.application_detail(user=person, pk=pk)
    run_service(
        lambda: services.submit_application(actor=person, application=application),
        request=request,
        success=_("Ansøgningen er indsendt. Du får en kvittering på e-mail."),
    )
    return redirect("grants:application_detail", pk=pk)


@login_required
@require_POST
def application_assess(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    application = selectors.application_detail(user=person, pk=pk)
    access.require_may(person, application, ApplicationAction.ASSESS)
    form = forms.AssessmentForm(request.POST, criteria=list(application.pool.criteria.all()))
    return _application_action(
        request,
        application,
        form,
        "assessment_form",
        lambda: services.record_assessment(
            actor=person,
            application=application,
            scores=form.scores(),
            comment=form.cleaned_data["comment"],
            has_conflict=form.cleaned_data["has_conflict"],
            conflict_note=form.cleaned_data["conflict_note"],
        ),
        _("Din vurdering er gemt. Nu kan du se de andres vurderinger."),
    )


@login_required
@require_POST
@require_recent_authentication
def application_award(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    application = selectors.application_detail(user=person, pk=pk)
    access.require_may(person, application, ApplicationAction.AWARD)
    form = forms.AwardForm(request.POST)
    return _application_action(
        request,
        application,
        form,
        "award_form",
        lambda: services.award_application(actor=person, application=application, **form.cleaned_data),
        _("Tilskuddet er bevilget, og ansøgeren har fået besked."),
    )


@login_required
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    application = selectors.application_detail(user=person, pk=pk)
    access.require_may(person, application, ApplicationAction.REJECT)
    form = forms.RejectForm(request.POST)
    return _application_action(
        request,
        application,
        form,
        "reject_form",
        lambda: services.reject_application(
            actor=person, application=application, reason=form.cleaned_data["reason"]
        ),
        _("Ansøgningen er afslået, og ansøgeren har fået besked."),
    )


@login_required
def application_letter(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(user=_person(request), pk=pk)
    letter = letter_for(application)
    if letter is None:
        raise Http404
    # The letter is rendered from our own auto-escaping template, so it is safe HTML.
    return render(request, "grants/letter.html", {"application": application, "letter": mark_safe(letter)})  # noqa: S308


@login_required
def application_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(user=_person(request), pk=pk)
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
    person = _person(request)
    return render(
        request,
        "grants/grant_list.html",
        {
            "grants": paginate(request, selectors.grant_list(user=person)),
            "overdue": paginate(request, selectors.overdue_duties(user=person), parameter="sent-side"),
        },
    )


def _grant_page(
    request: HttpRequest,
    grant: Grant,
    *,
    failed_duty: ReportingDuty | None = None,
    failed_change: ChangeRequest | None = None,
    **bound: BaseForm,
) -> HttpResponse:
    """The grant's page with the buttons the person may use; a form that failed is shown again (for a
    report, its review or a change decision, on the row of the duty or change it was for)."""
    person = _person(request)
    actions = access.allowed_actions(person, grant)

    def bound_or_new(name: str, failed: bool, form_class: type[BaseForm], prefix: str) -> BaseForm:
        form = bound.get(name)
        return form if failed and form is not None else form_class(prefix=prefix)

    duties = []
    for duty in grant.reporting_duties.all():
        duty_actions = access.allowed_actions(person, duty)
        failed = failed_duty is not None and duty.pk == failed_duty.pk
        duties.append(
            (
                duty,
                bound_or_new("report_form", failed, forms.ReportForm, f"report-{duty.pk}")
                if DutyAction.SUBMIT in duty_actions
                else None,
                DutyAction.APPROVE in duty_actions,
                bound_or_new("return_form", failed, forms.ReturnReportForm, f"return-{duty.pk}")
                if DutyAction.RETURN in duty_actions
                else None,
            )
        )
    changes = []
    for change in grant.change_requests.all():
        plan = (
            selectors.extension_plan(grant=grant, new_end=change.new_end)
            if change.status == ChangeStatus.PENDING and change.new_end
            else None
        )
        failed = failed_change is not None and change.pk == failed_change.pk
        decide = (
            bound_or_new("decide_form", failed, forms.DecideChangeForm, f"change-{change.pk}")
            if access.allowed_actions(person, change)
            else None
        )
        changes.append((change, decide, plan))
    today = timezone.localdate()
    csrf_token = get_token(request)
    budget = selectors.budget_comparison(grant=grant)
    repayments = [(claim, access.allowed_actions(person, claim)) for claim in grant.repayment_claims.all()]
    return render(
        request,
        "grants/grant_detail.html",
        {
            "csrf_token": csrf_token,  # the one token of the page: its rows' forms carry it too
            "grant": grant,
            "application": grant.application,
            "facts": display.facts_html(grant, grant.application, selectors.grant_money(grant=grant)),
            "budget_rows": display.budget_rows_html(budget),
            "instalment_rows": display.instalment_rows_html(
                [
                    (instalment, access.allowed_actions(person, instalment))
                    for instalment in grant.instalments.all()
                ],
                csrf_token=csrf_token,
            ),
            "repayments": repayments,
            "repayment_rows": display.repayment_rows_html(repayments, csrf_token=csrf_token),
            "duty_rows": display.duty_rows_html(duties, today=today, csrf_token=csrf_token),
            "changes": changes,
            "actions": actions,
            "start_form": (
                bound.get("start_form", forms.StartForm(initial={"started_on": timezone.localdate()}))
                if GrantAction.START in actions
                else None
            ),
            "change_form": (
                bound.get("change_form", forms.ChangeRequestForm())
                if GrantAction.REQUEST_CHANGE in actions
                else None
            ),
            "withdraw_form": (
                bound.get("withdraw_form", forms.WithdrawForm()) if GrantAction.WITHDRAW in actions else None
            ),
        },
    )


@login_required
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _grant_page(request, selectors.grant_detail(user=_person(request), pk=pk))


def _grant_action(
    request: HttpRequest,
    grant: Grant,
    form: BaseForm,
    call: Callable[[], object],
    success: str,
    **failed: Any,
) -> HttpResponse:
    """Run a service from a form on the grant's page: on success back to the page with a message,
    otherwise the page again with the form and the errors on its fields."""
    if form.is_valid() and run_service(call, form=form) is not None:
        messages.success(request, success)
        return redirect("grants:grant_detail", pk=grant.pk)
    if not _has_field_errors(form):
        return _back_with_message(request, form, "grants:grant_detail", grant.pk)
    return _grant_page(request, grant, **failed)


@login_required
@require_POST
def grant_start(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    grant = selectors.grant_detail(user=person, pk=pk)
    access.require_may(person, grant, GrantAction.START)
    form = forms.StartForm(request.POST)
    return _grant_action(
        request,
        grant,
        form,
        lambda: services.start_grant(actor=person, grant=grant, **form.cleaned_data),
        _("Projektet er meldt startet."),
        start_form=form,
    )


def _grant_button(
    request: HttpRequest, grant_pk: int, call: Callable[[], object], success: str
) -> HttpResponse:
    """A button without fields on the grant's page: the service's error becomes a page message."""
    run_service(call, request=request, success=success)
    return redirect("grants:grant_detail", pk=grant_pk)


# The money actions (instalment_prepare, instalment_approve, repayment_approve, repayment_register_paid,
# grant_settle, and application_award above) are the views the re-authentication of the hardening issue
# wraps: each is one POST that calls one service.


@login_required
@require_POST
@require_recent_authentication
def instalment_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    instalment = get_object_or_404(Instalment, pk=pk)
    selectors.grant_detail(user=person, pk=instalment.grant_id)  # 404 unless visible
    return _grant_button(
        request,
        instalment.grant_id,
        lambda: services.prepare_instalment(actor=person, instalment=instalment),
        _("Udbetalingen er forberedt; en anden skal godkende den."),
    )


@login_required
@require_POST
@require_recent_authentication
def instalment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    instalment = get_object_or_404(Instalment, pk=pk)
    selectors.grant_detail(user=person, pk=instalment.grant_id)  # 404 unless visible
    return _grant_button(
        request,
        instalment.grant_id,
        lambda: services.approve_instalment(actor=person, instalment=instalment),
        _("Udbetalingen er godkendt."),
    )


@login_required
@require_POST
@require_recent_authentication
def repayment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    claim = get_object_or_404(RepaymentClaim, pk=pk)
    selectors.grant_detail(user=person, pk=claim.grant_id)  # 404 unless visible
    return _grant_button(
        request,
        claim.grant_id,
        lambda: services.approve_repayment(actor=person, claim=claim),
        _("Tilbagebetalingskravet er godkendt."),
    )


@login_required
@require_POST
@require_recent_authentication
def repayment_register_paid(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    claim = get_object_or_404(RepaymentClaim, pk=pk)
    selectors.grant_detail(user=person, pk=claim.grant_id)  # 404 unless visible
    return _grant_button(
        request,
        claim.grant_id,
        lambda: services.register_repayment(actor=person, claim=claim),
        _("Tilbagebetalingen er registreret."),
    )


@login_required
@require_POST
def grant_finish(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    grant = selectors.grant_detail(user=person, pk=pk)
    return _grant_button(
        request,
        grant.pk,
        lambda: services.finish_grant(actor=person, grant=grant),
        _("Projektet er meldt gennemført. Indsend slutrapporterne."),
    )


@login_required
@require_POST
@require_recent_authentication
def grant_settle(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    grant = selectors.grant_detail(user=person, pk=pk)
    return _grant_button(
        request,
        grant.pk,
        lambda: services.settle_accounts(actor=person, grant=grant),
        _("Regnskabet er opgjort."),
    )


@login_required
@require_POST
def grant_close(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    grant = selectors.grant_detail(user=person, pk=pk)
    return _grant_button(
        request,
        grant.pk,
        lambda: services.close_grant(actor=person, grant=grant),
        _("Tilskuddet er afsluttet."),
    )


@login_required
@require_POST
def grant_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    grant = selectors.grant_detail(user=person, pk=pk)
    access.require_may(person, grant, GrantAction.WITHDRAW)
    form = forms.WithdrawForm(request.POST)
    return _grant_action(
        request,
        grant,
        form,
        lambda: services.withdraw_grant(actor=person, grant=grant, reason=form.cleaned_data["reason"]),
        _("Tilskuddet er trukket tilbage."),
        withdraw_form=form,
    )


@login_required
@require_POST
def report_approve(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    duty = get_object_or_404(ReportingDuty, pk=pk)
    selectors.grant_detail(user=person, pk=duty.grant_id)  # 404 unless visible
    return _grant_button(
        request,
        duty.grant_id,
        lambda: services.approve_report(actor=person, duty=duty),
        _("Rapporten er godkendt."),
    )


@login_required
@require_POST
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    duty = get_object_or_404(ReportingDuty.objects.select_related("grant__application"), pk=pk)
    grant = selectors.grant_detail(user=person, pk=duty.grant_id)  # 404 unless visible
    access.require_may(person, duty, DutyAction.RETURN)
    form = forms.ReturnReportForm(request.POST, prefix=f"return-{duty.pk}")
    return _grant_action(
        request,
        grant,
        form,
        lambda: services.return_report(actor=person, duty=duty, reason=form.cleaned_data["reason"]),
        _("Rapporten er sendt retur til tilskudsmodtageren."),
        failed_duty=duty,
        return_form=form,
    )


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    duty = get_object_or_404(ReportingDuty.objects.select_related("grant__application"), pk=pk)
    grant = selectors.grant_detail(user=person, pk=duty.grant_id)  # 404 unless visible
    access.require_may(person, duty, DutyAction.SUBMIT)
    form = forms.ReportForm(request.POST, request.FILES, prefix=f"report-{duty.pk}")
    return _grant_action(
        request,
        grant,
        form,
        lambda: services.submit_report(
            actor=person,
            duty=duty,
            upload=form.cleaned_data["file"],
            note=form.cleaned_data["note"],
            spending=form.spending(),
        ),
        _("Rapporten er indsendt."),
        failed_duty=duty,
        report_form=form,
    )


@login_required
@require_POST
def change_request(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    grant = selectors.grant_detail(user=person, pk=pk)
    access.require_may(person, grant, GrantAction.REQUEST_CHANGE)
    form = forms.ChangeRequestForm(request.POST)
    return _grant_action(
        request,
        grant,
        form,
        lambda: services.request_change(actor=person, grant=grant, **form.cleaned_data),
        _("Anmodningen er sendt. Ændringen gælder først, når styrelsen har godkendt den skriftligt."),
        change_form=form,
    )


@login_required
@require_POST
def change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    change = get_object_or_404(ChangeRequest, pk=pk)
    grant = selectors.grant_detail(user=person, pk=change.grant_id)  # 404 unless visible
    access.require_may(person, change, ChangeAction.APPROVE)  # rejecting needs the same permission
    form = forms.DecideChangeForm(request.POST, prefix=f"change-{change.pk}")
    return _grant_action(
        request,
        grant,
        form,
        lambda: services.decide_change(
            actor=person, change=change, approve=form.cleaned_data["approve"], note=form.cleaned_data["note"]
        ),
        _("Afgørelsen er gemt."),
        failed_change=change,
        decide_form=form,
    )


# --- implementation support and training -------------------------------------------------------------


@login_required
def implementation(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    require_permission(person, MANAGE_POOLS)
    chosen = request.POST.get("form") if request.method == "POST" else None
    training_form = forms.TrainingForm(request.POST if chosen == "training" else None, prefix="training")
    support_form = forms.SupportForm(request.POST if chosen == "support" else None, prefix="support")
    handlers: dict[str, tuple[BaseForm, Callable[..., object]]] = {
        "training": (training_form, services.record_training),
        "support": (support_form, services.record_support),
    }
    if chosen in handlers:
        form, service = handlers[chosen]
        if (
            form.is_valid()
            and run_service(lambda: service(actor=person, **form.cleaned_data), form=form) is not None
        ):
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
        },
    )


# --- allocation helper (steering group, agency) ------------------------------------------------------


@login_required
def allocation(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, RECOMMEND_ALLOCATIONS)
    form = AllocationForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = run_service(lambda: recommend(form), form=form)
    return render(
        request,
        "grants/allocation.html",
        {"form": form, "result": result, "trade_offs": trade_off_rows(result) if result else []},
    )
