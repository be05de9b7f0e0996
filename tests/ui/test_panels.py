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


READS: list[int] = []


def _read_count() -> int:
    READS.append(1)
    return 7


def test_a_live_fact_read_with_its_panel_is_shown_as_read_and_kept_without_its_value():
    """The request that builds a panel shows the value read with it (no query more); the kept copy reads
    the fact anew, as a live fact without such a value always does."""
    from indsats.ui.panels import LiveFact, Panel, with_live_facts

    READS.clear()
    read_with_panel = LiveFact(_read_count, now=(3,))
    shown = with_live_facts(Panel(title="T", facts=[("Tal", read_with_panel)]))
    assert shown.facts == [("Tal", 3)] and READS == []
    kept = read_with_panel.kept()
    assert kept == LiveFact(_read_count) and kept.now == ()
    assert with_live_facts(Panel(title="T", facts=[("Tal", kept)])).facts == [("Tal", 7)] and READS == [1]
    assert LiveFact(_read_count).kept() == LiveFact(_read_count)
