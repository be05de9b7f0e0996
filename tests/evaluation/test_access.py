"""Which interventions a person's evaluator organisations are assigned to (access.assigned_intervention_ids,
asked by the pages of every assigned evaluator through a query compiled once per process)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indsats.accounts.models import OrganisationKind, Role
from indsats.evaluation import access
from indsats.outcomes.models import EvaluatorAssignment
from tests.factories import MembershipFactory, OrganisationFactory, person_with_role
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def test_a_person_is_assigned_the_interventions_of_each_of_their_evaluator_organisations():
    first, second, other = (OrganisationFactory(kind=OrganisationKind.EVALUATOR) for _ in range(3))
    a, b, c, d = (InterventionFactory() for _ in range(4))
    for organisation, intervention in ((first, a), (first, b), (second, c), (other, d)):
        EvaluatorAssignment.objects.create(evaluator=organisation, intervention=intervention)
    both = person_with_role(Role.EVALUATOR, first)
    MembershipFactory(user=both, organisation=second, role=Role.EVALUATOR)
    one = person_with_role(Role.EVALUATOR, second)
    unassigned = person_with_role(Role.EVALUATOR)
    # `both` again: the query kept for two organisations runs with the first person's values
    for person, expected in (
        (both, {a.pk, b.pk, c.pk}),
        (one, {c.pk}),
        (unassigned, set()),
        (both, {a.pk, b.pk, c.pk}),
    ):
        assert access.assigned_intervention_ids(person) == expected
        orm = set(access.assigned_interventions(person).values_list("intervention_id", flat=True))
        assert orm == expected


def test_a_person_without_organisations_is_assigned_nothing_without_a_query():
    assert access.organisation_ids_of(AnonymousUser()) == frozenset()
    with CaptureQueriesContext(connection) as queries:
        assert access.assigned_intervention_ids(AnonymousUser()) == set()
    assert len(queries) == 0
