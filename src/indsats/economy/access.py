"""What a person may do with the price catalogue and business cases now: the economy app's one home of
can_*/require_*. Views and services ask here, never restate a rule.

* The price catalogue and the price index are reference data: every logged-in person reads them; the
  agency keeps them (MANAGE_PRICE_CATALOGUE). A published edition of the catalogue is frozen: only a draft
  is changed.
* Business cases and their results are read by those who build them (MANAGE_BUSINESS_CASES: economists
  and the agency) and by those who follow the portfolio (VIEW_PORTFOLIO: the agency and the steering
  group): every case, national and local.
* A municipality's manager (MANAGE_LOCAL_BUSINESS_CASES) makes local business cases for the interventions
  their municipality takes part in (evaluation.access.practice_intervention_ids: a partner, or with
  enrolled children), and reads those and the national (the agency's) cases of the same interventions;
  another municipality's local cases are a 404 (`visible_cases`). A national case is changed only by
  MANAGE_BUSINESS_CASES, a local one only by its own municipality's managers (`can_edit_case`).
"""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.accounts.permissions import (
    MANAGE_BUSINESS_CASES,
    MANAGE_LOCAL_BUSINESS_CASES,
    MANAGE_PRICE_CATALOGUE,
    VIEW_PORTFOLIO,
    has_permission,
    municipality_ids_of,
    require_permission,
)
from indsats.economy.models import BusinessCase, BusinessCaseResult, PriceCatalogue
from indsats.errors import DomainError
from indsats.evaluation.access import practice_intervention_ids
from indsats.interventions.models import Intervention


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


def reads_every_case(user: User | AnonymousUser) -> bool:
    """Economists, the agency and the steering group read every case, national and local."""
    return has_permission(user, MANAGE_BUSINESS_CASES) or has_permission(user, VIEW_PORTFOLIO)


def can_make_local_cases(user: User | AnonymousUser) -> bool:
    """A municipality's manager makes their municipality's own business cases."""
    return has_permission(user, MANAGE_LOCAL_BUSINESS_CASES) and bool(municipality_ids_of(user))


def can_read_business_cases(user: User | AnonymousUser) -> bool:
    return reads_every_case(user) or can_make_local_cases(user)


def require_business_case_reader(user: User | AnonymousUser) -> None:
    if not can_read_business_cases(user):
        raise PermissionDenied("economy.read")


def visible_cases(user: User | AnonymousUser, cases: QuerySet[BusinessCase]) -> QuerySet[BusinessCase]:
    """The cases the person reads: all (economists, portfolio); a municipality's manager their own
    municipality's local cases and the national cases of the interventions it takes part in."""
    if reads_every_case(user):
        return cases
    if not can_make_local_cases(user):
        return cases.none()
    return cases.filter(practice_cases(municipality_ids_of(user), practice_intervention_ids(user)))


def practice_cases(municipality_ids: Collection[int], intervention_ids: Collection[int]) -> Q:
    """The municipalities' own cases and the national cases of the interventions they take part in."""
    national = Q(municipality__isnull=True, intervention_id__in=intervention_ids)
    return Q(municipality_id__in=municipality_ids) | national


def visible_results(
    user: User | AnonymousUser, results: QuerySet[BusinessCaseResult]
) -> QuerySet[BusinessCaseResult]:
    """The results of the cases the person reads (`visible_cases`); for a person who reads every case
    the results as they are, without a subquery over every case for the database to plan."""
    if reads_every_case(user):
        return results
    return results.filter(case__in=visible_cases(user, BusinessCase.objects.all()))


def can_see_case(user: User | AnonymousUser, case_id: int) -> bool:
    """The case (and its results and history) is among those the person reads (`visible_cases`)."""
    return visible_cases(user, BusinessCase.objects.filter(pk=case_id)).exists()


def can_manage_business_cases(user: User | AnonymousUser) -> bool:
    """Makes business cases of some kind: national (economists, the agency) or local (a municipality)."""
    return has_permission(user, MANAGE_BUSINESS_CASES) or can_make_local_cases(user)


def require_business_case_manager(user: User | AnonymousUser) -> None:
    if not can_manage_business_cases(user):
        raise PermissionDenied("economy.manage_cases")


def makes_national_cases(user: User | AnonymousUser) -> bool:
    return has_permission(user, MANAGE_BUSINESS_CASES)


def require_national_case_maker(user: User | AnonymousUser) -> None:
    require_permission(user, MANAGE_BUSINESS_CASES)


def local_case_interventions(user: User | AnonymousUser) -> set[int]:
    """The interventions a municipality's manager may make a local case for."""
    return practice_intervention_ids(user) if can_make_local_cases(user) else set()


def can_make_local_case_for(user: User | AnonymousUser, intervention: Intervention) -> bool:
    return intervention.pk in local_case_interventions(user)


def require_local_case_maker(
    user: User | AnonymousUser, intervention: Intervention, municipality_id: int
) -> None:
    """A local case for the person's own municipality, of an intervention it takes part in."""
    if not can_make_local_cases(user) or municipality_id not in municipality_ids_of(user):
        raise PermissionDenied("economy.manage_local_cases")
    if not can_make_local_case_for(user, intervention):
        raise PermissionDenied("economy.manage_local_cases")


def can_edit_case(user: User | AnonymousUser, case: BusinessCase) -> bool:
    """A national case: economists and the agency; a local case: its own municipality's managers only."""
    if case.municipality_id is None:
        return has_permission(user, MANAGE_BUSINESS_CASES)
    return can_make_local_cases(user) and case.municipality_id in municipality_ids_of(user)


def require_case_editor(user: User | AnonymousUser, case: BusinessCase) -> None:
    if not can_edit_case(user, case):
        raise PermissionDenied("economy.edit_case")
