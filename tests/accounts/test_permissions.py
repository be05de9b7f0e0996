import pytest
from django.core.exceptions import PermissionDenied

from indsats.accounts import permissions as p
from indsats.accounts.models import Organisation, Role
from tests.factories import MembershipFactory, MunicipalityFactory, person_with_role

pytestmark = pytest.mark.django_db


def test_every_role_has_a_permission_set():
    assert set(p.ROLE_PERMISSIONS) == set(Role.values)


def test_only_the_agency_administrator_may_manage_accounts():
    holders = {role for role, granted in p.ROLE_PERMISSIONS.items() if p.MANAGE_ACCOUNTS in granted}
    assert holders == {Role.AGENCY_ADMIN}


def test_caseworker_may_record_outcomes_but_not_manage_pools(aarhus_caseworker):
    assert p.has_permission(aarhus_caseworker, p.RECORD_OUTCOMES)
    assert not p.has_permission(aarhus_caseworker, p.MANAGE_POOLS)
    with pytest.raises(PermissionDenied):
        p.require_permission(aarhus_caseworker, p.MANAGE_POOLS)


def test_steering_group_decides_gate_reviews(steering_member, agency_staff):
    assert p.has_permission(steering_member, p.DECIDE_GATE_REVIEWS)
    assert not p.has_permission(agency_staff, p.DECIDE_GATE_REVIEWS)


def test_anonymous_and_inactive_people_hold_no_permissions(agency_admin):
    from django.contrib.auth.models import AnonymousUser

    assert p.permissions_of(AnonymousUser()) == frozenset()
    agency_admin.is_active = False
    p.forget_memberships(agency_admin)
    assert p.permissions_of(agency_admin) == frozenset()


def test_a_deactivated_organisation_gives_its_members_no_roles(aarhus, aarhus_caseworker):
    Organisation.objects.filter(pk=aarhus.pk).update(is_active=False)
    p.forget_memberships(aarhus_caseworker)
    assert p.roles_of(aarhus_caseworker) == frozenset()


def test_municipality_person_acts_only_for_own_municipality(aarhus, odense, aarhus_caseworker):
    assert p.municipality_ids_of(aarhus_caseworker) == {aarhus.pk}
    p.require_municipality(aarhus_caseworker, aarhus.pk)
    with pytest.raises(PermissionDenied):
        p.require_municipality(aarhus_caseworker, odense.pk)


def test_restrict_to_municipalities_keeps_only_own_rows(aarhus, odense, aarhus_caseworker, agency_staff):
    rows = Organisation.objects.filter(pk__in=[aarhus.pk, odense.pk])
    assert list(p.restrict_to_municipalities(aarhus_caseworker, rows, field="pk")) == [aarhus]
    assert set(p.restrict_to_municipalities(agency_staff, rows, field="pk")) == {aarhus, odense}


def test_an_evaluator_acts_for_no_municipality(evaluator, aarhus):
    assert p.municipality_ids_of(evaluator) == frozenset()
    assert not p.can_act_for_municipality(evaluator, aarhus.pk)


def test_a_person_with_two_municipalities_acts_for_both(aarhus):
    other = MunicipalityFactory()
    person = person_with_role(Role.CASEWORKER, aarhus)
    MembershipFactory(user=person, organisation=other, role=Role.MUNICIPALITY_MANAGER)
    p.forget_memberships(person)
    assert p.municipality_ids_of(person) == {aarhus.pk, other.pk}
