"""The economy panel's reads, compiled once per process (db.compiled_queries), count what the ORM counts."""

from __future__ import annotations

import pytest

from indsats.economy.models import BusinessCase, BusinessCaseResult, ResultStatus
from indsats.economy.panels import computations_running, economy_panel
from indsats.ui.panels import with_live_facts
from tests.economy.factories import worked_example_case

pytestmark = pytest.mark.django_db


def running_by_orm(case_ids: frozenset[int] | None) -> int:
    running = BusinessCaseResult.objects.exclude(status__in=[ResultStatus.DONE, ResultStatus.FAILED])
    if case_ids is not None:
        running = running.filter(case_id__in=case_ids)
    return running.count()


def test_the_computations_running_are_those_the_orm_counts_of_every_case_and_of_some(economist):
    cases = [worked_example_case(name=f"Case {n}") for n in range(3)]
    for case, statuses in zip(
        cases,
        [
            [ResultStatus.QUEUED, ResultStatus.DONE],
            [ResultStatus.RUNNING, ResultStatus.FAILED, ResultStatus.QUEUED],
            [ResultStatus.DONE],
        ],
        strict=True,
    ):
        for status in statuses:
            BusinessCaseResult.objects.create(case=case, status=status, document={}, draws=1, seed=1)
    some = frozenset({cases[1].pk, cases[2].pk})
    assert computations_running(None) == running_by_orm(None) == 3
    assert computations_running(some) == running_by_orm(some) == 2
    assert computations_running(frozenset({cases[2].pk})) == running_by_orm(frozenset({cases[2].pk})) == 0
    BusinessCaseResult.objects.filter(case=cases[0]).update(status=ResultStatus.RUNNING)
    assert computations_running(None) == running_by_orm(None) == 4


def test_the_panel_counts_every_case_and_the_computations_running_for_whoever_reads_them_all(economist):
    cases = [worked_example_case(name=f"Case {n}") for n in range(4)]
    for status in [ResultStatus.QUEUED, ResultStatus.DONE, ResultStatus.RUNNING]:
        BusinessCaseResult.objects.create(case=cases[0], status=status, document={}, draws=1, seed=1)
    panel = economy_panel(economist)
    assert panel is not None
    assert panel.facts[0][1] == BusinessCase.objects.count() == 4
    # the computations running read in the same query, shown by the request that builds the panel
    assert with_live_facts(panel).facts[1][1] == running_by_orm(None) == 2
    worked_example_case(name="One more")
    BusinessCaseResult.objects.filter(status=ResultStatus.QUEUED).update(status=ResultStatus.FAILED)
    panel = with_live_facts(economy_panel(economist))
    assert panel.facts[0][1] == 5 and panel.facts[1][1] == running_by_orm(None) == 1
