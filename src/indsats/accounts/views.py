"""Log-in and the agency administrator's pages for organisations, people and roles. Thin: services decide."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from indsats.accounts import selectors, services
from indsats.accounts.forms import (
    ConfirmPasswordForm,
    NewPersonForm,
    OrganisationForm,
    PersonForm,
    RoleForm,
    TokenForm,
)
from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.accounts.models import OrganisationKind, Region
from indsats.accounts.permissions import MANAGE_ACCOUNTS, has_permission, require_permission
from indsats.accounts.reauthentication import mark_authenticated, require_recent_authentication
from indsats.accounts.two_factor import base32_key, confirmed_device, pending_device, qr_code_svg
from indsats.ui.pagination import paginate
from indsats.ui.service_calls import run_service


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


# --- one's own password: change, reset by e-mail, confirm before a sensitive action -------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        mark_authenticated(self.request)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """A link by e-mail to the address of an active person; the page says the same whether or not the
    address is known (no account enumeration). The link expires after PASSWORD_RESET_TIMEOUT and works
    once: the token is built from the password hash, which the reset changes."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_required
def confirm_password(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Type the password again (accounts/reauthentication.py); failures count towards the log-in lock."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = ConfirmPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = authenticate(
            request, username=request.user.get_username(), password=form.cleaned_data["password"]
        )
        if person is not None and person.pk == request.user.pk:
            mark_authenticated(request)
            return redirect(next_url)
        form.add_error("password", _("Adgangskoden passer ikke."))
    return render(request, "registration/confirm_password.html", {"form": form, "next": next_url})


@login_required
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The code from the authenticator app; the first time, adding the app to the account."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    device = confirmed_device(request.user)
    setting_up = device is None
    if device is None:
        device = pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        if setting_up:
            pending = device
            confirmed = run_service(
                lambda: services.confirm_two_factor_device(actor=request.user, device=pending, token=token),
                form=form,
            )
            if confirmed is not None:
                otp_login(request, confirmed)
                return redirect(next_url)
        elif device.verify_token(token):
            otp_login(request, device)
            return redirect(next_url)
        else:
            form.add_error("token", _("Koden passer ikke. Skriv den kode, app'en viser lige nu."))
    context: dict[str, Any] = {"form": form, "next": next_url, "setting_up": setting_up}
    if setting_up:
        context.update({"qr_code": qr_code_svg(device), "key": base32_key(device)})
    return render(request, "registration/two_factor.html", context)


@login_required
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    region = request.GET.get("region", "")
    query = request.GET.get("q", "").strip()
    organisations = paginate(
        request, selectors.organisation_list(user=request.user, kind=kind, region=region, query=query)
    )
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
    people = paginate(request, selectors.person_list(user=request.user, query=query))
    return render(
        request,
        "accounts/person_list.html",
        {"people": people, "query": query, "can_manage": has_permission(request.user, MANAGE_ACCOUNTS)},
    )


@login_required
@require_recent_authentication
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
@require_recent_authentication
def role_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_detail(user=request.user, pk=pk)
    run_service(
        lambda: services.revoke_role(actor=request.user, membership=membership),
        request=request,
        success=_("Rollen er fjernet."),
    )
    return redirect("accounts:person_detail", pk=membership.user_id)
