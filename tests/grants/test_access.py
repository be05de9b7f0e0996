"""What may this person do with this grants record now: the buttons a page shows, and the refusals a
service gives, permission before state."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from indsats.grants import access, services
from indsats.grants.models import PoolStatus
from tests.grants.conftest import complete_application
from tests.grants.factories import PoolFactory


def _grant(caseworker, staff, pool):
    application = complete_application(caseworker, pool)
    services.submit_application(actor=caseworker, application=application)
    return services.award_application(
        actor=staff,
        application=application,
        amount=Decimal("1000000"),
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2026, 12, 31),
    )


def test_the_buttons_of_a_pool_follow_the_person_and_the_state(pool, aarhus_caseworker, agency_staff):
    draft = PoolFactory(status=PoolStatus.DRAFT)
    assert access.allowed_actions(AnonymousUser(), pool) == frozenset()
    assert access.allowed_actions(aarhus_caseworker, pool) == {"apply"}
    assert access.allowed_actions(agency_staff, pool) == {"assess"}
    assert access.allowed_actions(agency_staff, draft) == {"edit", "publish"}
    assert access.allowed_actions(aarhus_caseworker, draft) == frozenset()


def test_an_application_is_edited_by_its_editors_and_decided_by_the_agency(
    pool, aarhus_caseworker, aarhus_manager, agency_staff
):
    application = complete_application(aarhus_caseworker, pool)
    assert access.allowed_actions(aarhus_caseworker, application) == {"edit", "submit"}
    assert access.allowed_actions(aarhus_manager, application) == frozenset()  # not a co-editor
    assert access.allowed_actions(agency_staff, application) == frozenset()  # a draft is not theirs to see
    services.submit_application(actor=aarhus_caseworker, application=application)
    application.refresh_from_db()
    assert access.allowed_actions(aarhus_caseworker, application) == frozenset()
    assert access.allowed_actions(agency_staff, application) == {
        "assess",
        "assign_assessor",
        "award",
        "reject",
    }


def test_a_grant_is_run_by_the_grantee_and_paid_by_the_agency(
    pool, aarhus_caseworker, odense_caseworker, agency_staff
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    instalment = grant.instalments.first()
    assert access.allowed_actions(aarhus_caseworker, grant) == {"start", "request_change"}
    assert access.allowed_actions(odense_caseworker, grant) == frozenset()
    assert access.allowed_actions(agency_staff, instalment) == frozenset()  # not started yet
    services.start_grant(actor=aarhus_caseworker, grant=grant, started_on=datetime.date(2026, 1, 2))
    grant.refresh_from_db()
    instalment.refresh_from_db()
    assert access.allowed_actions(aarhus_caseworker, grant) == {"request_change", "finish"}
    assert access.allowed_actions(agency_staff, instalment) == {"prepare"}
    assert access.allowed_actions(aarhus_caseworker, instalment) == frozenset()
    assert access.allowed_actions(aarhus_caseworker, grant.reporting_duties.first()) == {"submit"}
    assert access.allowed_actions(agency_staff, grant.reporting_duties.first()) == frozenset()


def test_a_person_who_may_not_act_learns_nothing_of_the_state(
    pool, aarhus_caseworker, odense_caseworker, agency_staff
):
    grant = _grant(aarhus_caseworker, agency_staff, pool)
    services.start_grant(actor=aarhus_caseworker, grant=grant, started_on=datetime.date(2026, 1, 2))
    # Starting it again is refused for its state, but to another municipality only for who they are.
    with pytest.raises(PermissionDenied):
        services.start_grant(actor=odense_caseworker, grant=grant, started_on=datetime.date(2026, 1, 2))
    with pytest.raises(PermissionDenied):
        services.publish_pool(actor=aarhus_caseworker, pool=pool)
    draft = complete_application(aarhus_caseworker, pool)
    with pytest.raises(PermissionDenied):  # the agency does not see drafts, so is not told it is one
        services.record_assessment(actor=agency_staff, application=draft, scores={})
    with pytest.raises(PermissionDenied):  # a draft pool is not public
        complete_application(aarhus_caseworker, PoolFactory(status=PoolStatus.DRAFT))
