"""Reads of organisations and people."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from indsats.accounts.models import Membership, Organisation, OrganisationKind, User
from indsats.accounts.permissions import MANAGE_ACCOUNTS, VIEW_DIRECTORY, require_permission


def organisation_list(
    *, user: User, kind: str = "", region: str = "", query: str = ""
) -> QuerySet[Organisation]:
    require_permission(user, VIEW_DIRECTORY)
    organisations = Organisation.objects.annotate(member_count=Count("memberships"))
    if kind:
        organisations = organisations.filter(kind=kind)
    if region:
        organisations = organisations.filter(region=region)
    if query:
        organisations = organisations.filter(Q(name__icontains=query) | Q(municipality_code=query))
    return organisations.order_by("kind", "name", "pk")


def organisation_detail(*, user: User, pk: int) -> Organisation:
    """One organisation with its members; 404 when there is none (the directory is checked first)."""
    require_permission(user, VIEW_DIRECTORY)
    return get_object_or_404(
        Organisation.objects.prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("user").order_by("user__first_name"),
            )
        ),
        pk=pk,
    )


def person_list(*, user: User, query: str = "", organisation_id: int | None = None) -> QuerySet[User]:
    require_permission(user, VIEW_DIRECTORY)
    people = User.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("organisation"))
    )
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    if organisation_id:
        people = people.filter(memberships__organisation_id=organisation_id).distinct()
    return people.order_by("first_name", "last_name", "username", "pk")


def person_detail(*, user: User, pk: int) -> User:
    """One person with their roles; 404 when there is none (the directory is checked first)."""
    require_permission(user, VIEW_DIRECTORY)
    return get_object_or_404(
        User.objects.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("organisation"))
        ),
        pk=pk,
    )


def membership_detail(*, user: User, pk: int) -> Membership:
    """One role a person holds; 404 when there is none (only administrators ask)."""
    require_permission(user, MANAGE_ACCOUNTS)
    return get_object_or_404(Membership.objects.select_related("user", "organisation"), pk=pk)


def municipalities() -> QuerySet[Organisation]:
    """All active municipalities (public information)."""
    return Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, is_active=True).order_by("name")
