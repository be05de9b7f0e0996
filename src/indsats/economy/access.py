"""What a person may do with the price catalogue and business cases now: the economy app's one home of
can_*/require_*. Views and services ask here, never restate a rule.

* The price catalogue and the price index are reference data: every logged-in person reads them; the
  agency keeps them (MANAGE_PRICE_CATALOGUE). A published edition of the catalogue is frozen: only a draft
  is changed.
* Business cases and their results are read by those who build them (MANAGE_BUSINESS_CASES: economists
  and the agency) and by those who follow the portfolio (VIEW_PORTFOLIO: the agency and the steering
  group). They hold no data about children or municipalities, so nothing is scoped by municipality; a
  municipality's staff hold neither permission and are refused.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.accounts.permissions import (
    MANAGE_BUSINESS_CASES,
    MANAGE_PRICE_CATALOGUE,
    VIEW_PORTFOLIO,
    has_permission,
    require_permission,
)
from indsats.economy.models import PriceCatalogue
from indsats.errors import DomainError


class CataloguePublished(DomainError):
    """A published edition of the price catalogue is frozen."""

    def __init__(self, catalogue: PriceCatalogue) -> None:
        super().__init__(
            _(
                "Version %(version)s af priskataloget er offentliggjort og kan ikke ændres. Opret en ny "
                "version; den starter som en kopi af den seneste."
            )
            % {"version": catalogue.version},
            code="catalogue_published",
        )


# --- reference data: the price catalogue and the price index -------------------------------------------


def can_read_reference_data(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated)


def can_manage_price_catalogue(user: User | AnonymousUser) -> bool:
    return has_permission(user, MANAGE_PRICE_CATALOGUE)


def require_catalogue_manager(user: User | AnonymousUser) -> None:
    require_permission(user, MANAGE_PRICE_CATALOGUE)


def can_edit_catalogue(user: User | AnonymousUser, catalogue: PriceCatalogue) -> bool:
    """Change the edition's prices or publish it: the agency, while it is a draft."""
    return can_manage_price_catalogue(user) and not catalogue.is_published


def require_draft(catalogue: PriceCatalogue) -> None:
    """The state half of `can_edit_catalogue`, asked after the permission (CataloguePublished)."""
    if catalogue.is_published:
        raise CataloguePublished(catalogue)


# --- business cases --------------------------------------------------------------------------------------


def can_read_business_cases(user: User | AnonymousUser) -> bool:
    return has_permission(user, MANAGE_BUSINESS_CASES) or has_permission(user, VIEW_PORTFOLIO)


def require_business_case_reader(user: User | AnonymousUser) -> None:
    if not can_read_business_cases(user):
        raise PermissionDenied("economy.read")


def can_manage_business_cases(user: User | AnonymousUser) -> bool:
    return has_permission(user, MANAGE_BUSINESS_CASES)


def require_business_case_manager(user: User | AnonymousUser) -> None:
    require_permission(user, MANAGE_BUSINESS_CASES)
