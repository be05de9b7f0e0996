"""ui.panels.counts: a panel's few counts in one query, each as its own .count() would say."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indsats.accounts.models import Organisation, OrganisationKind, User
from indsats.ui.panels import counts
from tests.factories import MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_counts_asks_one_query_and_agrees_with_each_count():
    MunicipalityFactory.create_batch(3)
    OrganisationFactory(kind=OrganisationKind.EVALUATOR)
    queries = (
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).select_related(),
        Organisation.objects.exclude(kind=OrganisationKind.MUNICIPALITY).order_by("name"),
        User.objects.filter(username="nobody"),
    )
    with CaptureQueriesContext(connection) as asked:
        counted = counts(*queries)
    assert len(asked) == 1
    assert counted == tuple(query.count() for query in queries)
    assert counted[2] == 0
