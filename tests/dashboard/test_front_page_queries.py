"""Every role's front page does a fixed number of queries whatever the number of rows behind its panels.

The count is taken with a portfolio of 20 interventions with their whole history and again with 100
(partners, gate reviews, practice assessments, events, audit entries all grow with it, and Aarhus' children
enrolled in them), and pinned.
"""

from __future__ import annotations

import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indsats.accounts.models import OrganisationKind, Role, User
from indsats.audit.models import AuditAction, AuditEntry
from indsats.interventions.demo import build_portfolio, generated_specs
from indsats.interventions.models import Intervention, Partnership, ProblemArea
from indsats.outcomes.models import Enrolment
from indsats.outcomes.services.participants import register_participant
from tests.conftest import logged_in, queries_of
from tests.factories import MunicipalityFactory, OrganisationFactory, person_with_role
from tests.outcomes.files import fake_cpr

pytestmark = pytest.mark.django_db

# role -> the front page's queries built afresh (session, person, memberships, the audit trail's head for
# the kept panels' key and the panels the role sees; a panel's small counts are one query, ui.panels.counts;
# a live fact read in its panel's own query: the economy panel's computations running, with the count of
# every case or the manager's list of cases, and an applicant's open pools with their drafts)
EXPECTED = {
    Role.AGENCY_ADMIN: 14,
    Role.AGENCY_STAFF: 12,
    Role.MUNICIPALITY_MANAGER: 10,
    Role.CASEWORKER: 9,
    Role.EVALUATOR: 6,
    Role.ECONOMIST: 7,
    Role.STEERING_GROUP: 8,
    Role.FOUNDATION: 5,
}


# role -> the queries with the panels kept from the request before: session, person, memberships, the
# audit trail's head and the live facts (computations running, reports rendering, pools open this minute)
KEPT = {
    Role.AGENCY_ADMIN: 7,
    Role.AGENCY_STAFF: 6,
    Role.MUNICIPALITY_MANAGER: 6,
    Role.CASEWORKER: 5,
    Role.EVALUATOR: 5,
    Role.ECONOMIST: 6,
    Role.STEERING_GROUP: 5,
    Role.FOUNDATION: 5,
}


def person(role: str, aarhus, agency) -> User:
    if role in {Role.AGENCY_ADMIN, Role.AGENCY_STAFF}:
        return person_with_role(role, agency)
    if role in {Role.MUNICIPALITY_MANAGER, Role.CASEWORKER}:
        return person_with_role(role, aarhus)
    if role == Role.ECONOMIST:
        return person_with_role(role, OrganisationFactory(kind=OrganisationKind.EVALUATOR))
    return person_with_role(role)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_front_page_does_the_same_queries_for_five_times_the_data(role, agency, aarhus, odense):
    municipalities = [aarhus, odense, *MunicipalityFactory.create_batch(4)]
    staff = person_with_role(Role.AGENCY_STAFF, agency)
    recorder = person_with_role(Role.CASEWORKER, aarhus, username="registrerer")
    areas = list(ProblemArea.objects.values_list("name", flat=True))
    added = 0

    def grow(count: int) -> None:
        nonlocal added
        build_portfolio(
            specs=generated_specs(count, random.Random(added), areas, start=added),
            rng=random.Random(added + 1),
            agency_actor=staff,
            steering_actor=None,
            municipalities=municipalities,
            owners=[agency, aarhus],
        )
        AuditEntry.objects.bulk_create(
            AuditEntry(
                actor=staff,
                actor_name="Test",
                action=AuditAction.UPDATE,
                content_type=ContentType.objects.get_for_model(Intervention),
                object_id=str(added + i),
                object_repr=f"Ændring {added + i}",
            )
            for i in range(count)
        )
        for n, intervention in enumerate(Intervention.objects.order_by("-pk")[: count // 2]):
            register_participant(
                actor=recorder, municipality=aarhus, intervention=intervention, cpr=fake_cpr(added + n)
            )
        added += count

    client = logged_in(person(role, aarhus, agency))
    grow(20)
    few = queries_of(client, reverse("dashboard:home"))
    grow(80)
    assert Intervention.objects.count() == 100
    assert Partnership.objects.filter(municipality=aarhus).count() > 10
    assert Enrolment.objects.filter(municipality=aarhus).values("intervention").distinct().count() == 50
    assert queries_of(client, reverse("dashboard:home")) == few == EXPECTED[role]
    with CaptureQueriesContext(connection) as kept:
        assert client.get(reverse("dashboard:home")).status_code == 200
    assert len(kept) == KEPT[role]
