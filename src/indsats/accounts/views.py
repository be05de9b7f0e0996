"""Log-in and the agency administrator's pages for organisations, people and roles. Thin: services decide."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indsats.accounts import selectors, services
from indsats.accounts.forms import NewPersonForm, OrganisationForm, PersonForm, RoleForm
from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.accounts.models import OrganisationKind, Region
from indsats.accounts.permissions import MANAGE_ACCOUNTS, has_permission, require_permission
from indsats.ui.service_calls import run_service


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    region = request.GET.get("region", "")
    query = request.GET.get("q", "").strip()
    organisations = selectors.organisation_list(user=request.user, kind=kind, region=region, query=query)
    return render(
        request,
        "accounts/organisation_list.html",
        {
            "organisations": organisations,
            "kinds": OrganisationKind.choices,
            "regions": Region.choices,
            "kind": kind,
            "region": region,
            "query": query,
            "can_manage": has_permission(request.user, MANAGE_ACCOUNTS),
        },
    )


@login_required
def organisation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_detail(user=request.user, pk=pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {"organisation": organisation, "can_manage": has_permission(request.user, MANAGE_ACCOUNTS)},
    )


@login_required
def organisation_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, MANAGE_ACCOUNTS)
    organisation = selectors.organisation_detail(user=request.user, pk=pk) if pk else None
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        if organisation is None:
            saved = run_service(
                lambda: services.create_organisation(actor=request.user, **form.cleaned_data),
                form=form,
                request=request,
                success=_("Organisationen er oprettet."),
            )
        else:
            existing = organisation
            saved = run_service(
                lambda: services.update_organisation(
                    actor=request.user, organisation=existing, **form.cleaned_data
                ),
                form=form,
                request=request,
                success=_("Ændringerne er gemt."),
            )
        if saved is not None:
            return redirect("accounts:organisation_detail", pk=saved.pk)
    return render(request, "accounts/organisation_form.html", {"form": form, "organisation": organisation})


@login_required
def person_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    people = selectors.person_list(user=request.user, query=query)
    return render(
        request,
        "accounts/person_list.html",
        {"people": people, "query": query, "can_manage": has_permission(request.user, MANAGE_ACCOUNTS)},
    )


@login_required
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_detail(user=request.user, pk=pk)
    can_manage = has_permission(request.user, MANAGE_ACCOUNTS)
    role_form = RoleForm(request.POST or None) if can_manage else None
    if request.method == "POST" and role_form is not None and role_form.is_valid():
        data = role_form.cleaned_data
        granted = run_service(
            lambda: services.grant_role(
                actor=request.user, person=person, organisation=data["organisation"], role=data["role"]
            ),
            form=role_form,
            request=request,
            success=_("Rollen er givet."),
        )
        if granted is not None:
            return redirect("accounts:person_detail", pk=person.pk)
    return render(
        request,
        "accounts/person_detail.html",
        {"person": person, "role_form": role_form, "can_manage": can_manage},
    )


@login_required
def person_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, MANAGE_ACCOUNTS)
    person = selectors.person_detail(user=request.user, pk=pk) if pk else None
    form: PersonForm = (
        PersonForm(request.POST or None, instance=person) if person else NewPersonForm(request.POST or None)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password1", None)
        data.pop("password2", None)
        if person is None:
            saved = run_service(
                lambda: services.create_person(actor=request.user, password=password, **data),
                form=form,
                request=request,
                success=_("Personen er oprettet. Giv vedkommende en rolle herunder."),
            )
        else:
            existing = person
            saved = run_service(
                lambda: services.update_person(actor=request.user, person=existing, **data),
                form=form,
                request=request,
                success=_("Ændringerne er gemt."),
            )
        if saved is not None:
            return redirect("accounts:person_detail", pk=saved.pk)
    return render(request, "accounts/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def role_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_detail(user=request.user, pk=pk)
    run_service(
        lambda: services.revoke_role(actor=request.user, membership=membership),
        request=request,
        success=_("Rollen er fjernet."),
    )
    return redirect("accounts:person_detail", pk=membership.user_id)
