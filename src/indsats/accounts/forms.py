"""Forms for organisations, people and roles. Validation names the field and says how to fix it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import Organisation, OrganisationKind, Role, User


class OrganisationForm(forms.ModelForm[Organisation]):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "municipality_code", "region", "cvr", "email", "is_active"]

    def clean_municipality_code(self) -> str:
        code: str = self.cleaned_data.get("municipality_code", "").strip()
        if code and (not code.isdigit() or len(code) != 3):
            raise forms.ValidationError(_("Kommunekoden skal være tre cifre, fx 101 for København."))
        return code

    def clean_cvr(self) -> str:
        cvr: str = self.cleaned_data.get("cvr", "").strip()
        if cvr and (not cvr.isdigit() or len(cvr) != 8):
            raise forms.ValidationError(_("Et CVR-nummer har otte cifre."))
        return cvr

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == OrganisationKind.MUNICIPALITY:
            if not data.get("municipality_code"):
                self.add_error("municipality_code", _("En kommune skal have sin kommunekode."))
            if not data.get("region"):
                self.add_error("region", _("Vælg den region, kommunen ligger i."))
        return data


class PersonForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "title", "is_active"]
        labels = {"username": _("Brugernavn"), "first_name": _("Fornavn"), "last_name": _("Efternavn")}


class NewPersonForm(PersonForm):
    password1 = forms.CharField(
        label=_("Adgangskode"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Mindst 10 tegn; ikke kun tal og ikke en almindelig adgangskode."),
    )
    password2 = forms.CharField(
        label=_("Gentag adgangskode"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("De to adgangskoder er ikke ens."))
        elif first:
            candidate = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class RoleForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.filter(is_active=True).order_by("kind", "name")
    )
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices)


class ConfirmPasswordForm(forms.Form):
    """The person's own password again, before a sensitive action (accounts/reauthentication.py)."""

    password = forms.CharField(
        label=_("Din adgangskode"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    """The six-digit code from the authenticator app."""

    token = forms.RegexField(
        label=_("Kode fra din godkendelses-app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Skriv de seks cifre, som app'en viser lige nu.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
