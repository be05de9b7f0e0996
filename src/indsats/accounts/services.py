"""Every write to organisations, people and roles: one transaction, one permission check, one audit entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from indsats.accounts.models import Membership, Organisation, User
from indsats.accounts.permissions import MANAGE_ACCOUNTS, forget_memberships, require_permission
from indsats.audit.models import AuditAction
from indsats.audit.services import record, record_create, record_delete, record_update, snapshot
from indsats.errors import DomainError

ORGANISATION_FIELDS = ("name", "kind", "municipality_code", "region", "cvr", "email", "is_active")
PERSON_FIELDS = ("username", "first_name", "last_name", "email", "title", "is_active")


@transaction.atomic
def create_organisation(*, actor: User, **fields: Any) -> Organisation:
    require_permission(actor, MANAGE_ACCOUNTS)
    organisation = Organisation(**{k: v for k, v in fields.items() if k in ORGANISATION_FIELDS})
    organisation.full_clean()
    organisation.save()
    record_create(actor=actor, instance=organisation)
    return organisation


@transaction.atomic
def update_organisation(*, actor: User, organisation: Organisation, **fields: Any) -> Organisation:
    require_permission(actor, MANAGE_ACCOUNTS)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = snapshot(organisation)
    for name, value in fields.items():
        if name in ORGANISATION_FIELDS:
            setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()
    record_update(actor=actor, instance=organisation, before=before)
    return organisation


@transaction.atomic
def create_person(*, actor: User, password: str | None = None, **fields: Any) -> User:
    require_permission(actor, MANAGE_ACCOUNTS)
    person = User(**{k: v for k, v in fields.items() if k in PERSON_FIELDS})
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    record_create(actor=actor, instance=person)
    return person


@transaction.atomic
def update_person(*, actor: User, person: User, **fields: Any) -> User:
    require_permission(actor, MANAGE_ACCOUNTS)
    person = User.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person)
    for name, value in fields.items():
        if name in PERSON_FIELDS:
            setattr(person, name, value)
    person.full_clean(exclude=["password"])
    person.save()
    record_update(actor=actor, instance=person, before=before)
    return person


@transaction.atomic
def grant_role(*, actor: User, person: User, organisation: Organisation, role: str) -> Membership:
    """Give a person a role in an organisation that fits it (a caseworker in a municipality, ...)."""
    require_permission(actor, MANAGE_ACCOUNTS)
    membership = Membership(user=person, organisation=organisation, role=role)
    membership.full_clean(validate_unique=False, validate_constraints=False)
    if Membership.objects.filter(user=person, organisation=organisation, role=role).exists():
        raise DomainError(_("Personen har allerede denne rolle i organisationen."), field="role")
    membership.save()
    record_create(actor=actor, instance=membership)
    forget_memberships(person)
    return membership


@transaction.atomic
def revoke_role(*, actor: User, membership: Membership) -> None:
    require_permission(actor, MANAGE_ACCOUNTS)
    record_delete(actor=actor, instance=membership)
    membership.delete()
    forget_memberships(membership.user)


@transaction.atomic
def confirm_two_factor_device(*, actor: User, device: TOTPDevice, token: str) -> TOTPDevice:
    """The first correct code from a newly added authenticator app turns two-factor log-in on."""
    if device.user_id != actor.pk:
        raise PermissionDenied("device")
    if not device.verify_token(token.strip()):
        raise DomainError(_("Koden passer ikke. Skriv den kode, app'en viser lige nu."), field="token")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    person = User.objects.get(pk=device.user_id)  # the record itself, not the request's lazy user
    record(
        actor=actor, action=AuditAction.UPDATE, instance=person, message=_("Tofaktor-log-ind er slået til.")
    )
    return device
