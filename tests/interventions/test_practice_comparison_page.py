"""The practice comparison, now chosen and ordered in SQL: only the latest assessment of each intervention
and municipality, the highest total first, and a municipality sees only its own."""

from __future__ import annotations

import datetime

from indsats.interventions.models import PracticeAssessment, PracticeElement
from indsats.interventions.selectors import practice_comparison, practice_rows
from tests.interventions.factories import InterventionFactory, partner


def _assess(intervention, municipality, day: int, scores: list[int]) -> PracticeAssessment:
    assessment = PracticeAssessment.objects.create(
        intervention=intervention, municipality=municipality, assessed_on=datetime.date(2026, 1, day)
    )
    for element, score in zip(PracticeElement, scores, strict=False):
        assessment.scores.create(element=element, score=score)
    return assessment


def test_only_the_latest_assessment_of_each_pair_counts_and_the_highest_total_comes_first(
    agency_staff, aarhus, odense, aarhus_caseworker
):
    first, second = InterventionFactory(name="Alfa"), InterventionFactory(name="Beta")
    _assess(first, aarhus, 1, [2] * 11)  # 22 points, but replaced by the next
    latest_first = _assess(first, aarhus, 2, [1] * 11)  # 11
    same_day_later = _assess(second, aarhus, 3, [0] * 11)
    latest_second = _assess(second, aarhus, 3, [2, 2, 2])  # the same day, entered later: 6
    odense_first = _assess(first, odense, 1, [2] * 8)  # 16

    rows = practice_rows(list(practice_comparison(user=agency_staff)))
    assert [(row.assessment.pk, row.total) for row in rows] == [
        (odense_first.pk, 16),
        (latest_first.pk, 11),
        (latest_second.pk, 6),
    ]
    assert same_day_later.pk not in {row.assessment.pk for row in rows}
    for intervention in (first, second):
        partner(intervention, aarhus)
    own = practice_comparison(user=aarhus_caseworker)
    assert [a.pk for a in own] == [latest_first.pk, latest_second.pk]
