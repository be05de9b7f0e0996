"""Who may do what: roles, permissions and municipality isolation, in one place.

Every service calls `require_permission` before it writes, and every selector that returns data about
children or municipalities passes its queryset through `restrict_to_municipalities`. Views never decide
permissions themselves.

The rules:
- A permission is a dotted string ("grants.apply"); a role grants a fixed set of them (ROLE_PERMISSIONS).
- A person has the union of the permissions of their roles.
- A municipality person acts only for the municipalities they are members of; agency staff see all.
- Object-level visibility (for audit history and detail pages) is decided by a rule registered per model.
- Every function accepts an anonymous visitor too: they hold no role, so no permission and no municipality.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models

from indsats.accounts.models import Membership, OrganisationKind, Role, User, Visitor

# --- permissions -------------------------------------------------------------------------------------

MANAGE_ACCOUNTS = "accounts.manage"
VIEW_DIRECTORY = "accounts.view_directory"
VIEW_ALL_AUDIT = "audit.view_all"
MANAGE_INTERVENTIONS = "interventions.manage"
VIEW_PORTFOLIO = "interventions.view_portfolio"
DECIDE_GATE_REVIEWS = "interventions.decide_gate"
ASSESS_PRACTICE = "interventions.assess_practice"
MANAGE_POOLS = "grants.manage_pools"
APPLY_FOR_GRANTS = "grants.apply"
ASSESS_APPLICATIONS = "grants.assess"
RECOMMEND_ALLOCATIONS = "grants.recommend_allocation"
# Approving an instalment or a repayment prepared by someone else (four eyes): the agency's administrators.
APPROVE_PAYMENTS = "grants.approve_payments"
MANAGE_INSTRUMENTS = "outcomes.manage_instruments"
RECORD_OUTCOMES = "outcomes.record"
VIEW_OUTCOME_AGGREGATES = "outcomes.view_aggregates"
EXPORT_OUTCOMES = "outcomes.export"
MANAGE_STUDIES = "evaluation.manage_studies"
MANAGE_BUSINESS_CASES = "economy.manage_cases"
MANAGE_LOCAL_BUSINESS_CASES = "economy.manage_local_cases"  # a municipality's own cases
MANAGE_PRICE_CATALOGUE = "economy.manage_prices"
PUBLISH_CATALOGUE = "catalogue.publish"

_AGENCY_STAFF = frozenset(
    {
        VIEW_DIRECTORY,
        VIEW_ALL_AUDIT,
        MANAGE_INTERVENTIONS,
        VIEW_PORTFOLIO,
        ASSESS_PRACTICE,
        MANAGE_POOLS,
        ASSESS_APPLICATIONS,
        RECOMMEND_ALLOCATIONS,
        MANAGE_INSTRUMENTS,
        VIEW_OUTCOME_AGGREGATES,
        MANAGE_STUDIES,
        MANAGE_BUSINESS_CASES,
        MANAGE_PRICE_CATALOGUE,
        PUBLISH_CATALOGUE,
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.AGENCY_ADMIN: _AGENCY_STAFF | {MANAGE_ACCOUNTS, APPROVE_PAYMENTS},
    Role.AGENCY_STAFF: _AGENCY_STAFF,
    Role.MUNICIPALITY_MANAGER: frozenset(
        {ASSESS_PRACTICE, APPLY_FOR_GRANTS, RECORD_OUTCOMES, EXPORT_OUTCOMES, MANAGE_LOCAL_BUSINESS_CASES}
    ),
    Role.CASEWORKER: frozenset({RECORD_OUTCOMES, APPLY_FOR_GRANTS}),
    Role.EVALUATOR: frozenset({MANAGE_STUDIES, EXPORT_OUTCOMES}),
    Role.ECONOMIST: frozenset({MANAGE_BUSINESS_CASES, MANAGE_STUDIES}),
    Role.STEERING_GROUP: frozenset({VIEW_PORTFOLIO, DECIDE_GATE_REVIEWS, RECOMMEND_ALLOCATIONS}),
    Role.FOUNDATION: frozenset({APPLY_FOR_GRANTS}),
    Role.REGION_MANAGER: frozenset({APPLY_FOR_GRANTS}),
    Role.PROVIDER_MANAGER: frozenset({APPLY_FOR_GRANTS}),
}

_CACHE_ATTRIBUTE = "_indsats_memberships"


def memberships_of(user: Visitor) -> list[Membership]:
    """The person's memberships, loaded once per request (cached on the user object)."""
    if not isinstance(user, User) or not user.is_active:  # an anonymous visitor has no memberships
        return []
    cached: list[Membership] | None = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = list(Membership.objects.filter(user_id=user.pk).select_related("organisation"))
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget_memberships(user: Visitor) -> None:
    """Drop the cached memberships (after roles change)."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def roles_of(user: Visitor) -> frozenset[str]:
    return frozenset(m.role for m in memberships_of(user) if m.organisation.is_active)


def permissions_of(user: Visitor) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles_of(user):
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def has_permission(user: Visitor, permission: str) -> bool:
    return permission in permissions_of(user)


def require_permission(user: Visitor, permission: str) -> None:
    """Raise PermissionDenied (a Danish 403 page at the edge) unless the person holds the permission."""
    if not has_permission(user, permission):
        raise PermissionDenied(permission)


def is_agency(user: Visitor) -> bool:
    return any(
        m.organisation.kind == OrganisationKind.AGENCY and m.role in {Role.AGENCY_ADMIN, Role.AGENCY_STAFF}
        for m in memberships_of(user)
    )


def municipality_ids_of(user: Visitor) -> frozenset[int]:
    """The municipalities a person acts for (as manager or caseworker)."""
    return frozenset(
        m.organisation_id
        for m in memberships_of(user)
        if m.organisation.kind == OrganisationKind.MUNICIPALITY
        and m.role in {Role.MUNICIPALITY_MANAGER, Role.CASEWORKER}
        and m.organisation.is_active
    )


def organisation_ids_of(user: Visitor) -> frozenset[int]:
    return frozenset(m.organisation_id for m in memberships_of(user) if m.organisation.is_active)


def can_act_for_municipality(user: Visitor, municipality_id: int | None) -> bool:
    return municipality_id is not None and municipality_id in municipality_ids_of(user)


def require_municipality(user: Visitor, municipality_id: int | None) -> None:
    """A municipality person may only act for their own municipality."""
    if not can_act_for_municipality(user, municipality_id):
        raise PermissionDenied("municipality")


_M = TypeVar("_M", bound=models.Model)


def restrict_to_municipalities(
    user: Visitor, queryset: models.QuerySet[_M], field: str = "municipality", *, agency_sees_all: bool = True
) -> models.QuerySet[_M]:
    """Keep only the rows that belong to the person's own municipalities (agency staff: all rows)."""
    if agency_sees_all and is_agency(user):
        return queryset
    return queryset.filter(**{f"{field}__in": municipality_ids_of(user)})


# --- object-level visibility -----------------------------------------------------------------------

VisibilityRule = Callable[[Visitor, Any], bool]  # (person, record) -> may they see it
_VISIBILITY_RULES: dict[type[models.Model], VisibilityRule] = {}


def register_visibility_rule(model: type[models.Model], rule: VisibilityRule) -> None:
    """Declare who may see a record of `model` (and so its audit history). Called from AppConfig.ready()."""
    _VISIBILITY_RULES[model] = rule


def can_view_object(user: Visitor, obj: models.Model) -> bool:
    """Agency staff see every record; others only what the model's registered rule allows."""
    if has_permission(user, VIEW_ALL_AUDIT):
        return True
    rule = _VISIBILITY_RULES.get(type(obj))
    return bool(rule and rule(user, obj))
