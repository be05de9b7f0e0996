"""Reads of organisations and people."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from indsats.accounts.models import Membership, Organisation, User
from indsats.accounts.permissions import VIEW_DIRECTORY, require_permission


def organisation_list(
    *, user: Any, kind: str = "", region: str = "", query: str = ""
) -> QuerySet[Organisation]:
    require_permission(user, VIEW_DIRECTORY)
    organisations = Organisation.objects.annotate(member_count=Count("memberships"))
    if kind:
        organisations = organisations.filter(kind=kind)
    if region:
        organisations = organisations.filter(region=region)
    if query:
        organisations = organisations.filter(Q(name__icontains=query) | Q(municipality_code=query))
    return organisations.order_by("kind", "name")


def organisation_detail(*, user: Any, pk: int) -> Organisation:
    require_permission(user, VIEW_DIRECTORY)
    return Organisation.objects.prefetch_related(
        Prefetch(
            "memberships", queryset=Membership.objects.select_related("user").order_by("user__first_name")
        )
    ).get(pk=pk)


def person_list(*, user: Any, query: str = "", organisation_id: int | None = None) -> QuerySet[User]:
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
    return people.order_by("first_name", "last_name", "username")


def person_detail(*, user: Any, pk: int) -> User:
    require_permission(user, VIEW_DIRECTORY)
    return User.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("organisation"))
    ).get(pk=pk)


def municipalities() -> QuerySet[Organisation]:
    """All active municipalities (public information)."""
    return Organisation.objects.filter(kind="municipality", is_active=True).order_by("name")
