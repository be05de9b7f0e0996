"""The demo data of result documentation: measurements in rounds, a reason, an assigned evaluator."""

from __future__ import annotations

import pytest
from django.utils import timezone

from indsats.dashboard.demo import load_demo
from indsats.outcomes.integrity import broken_references
from indsats.outcomes.models import EvaluatorAssignment, InstrumentExplanation, Measurement, MeasurementRound

pytestmark = pytest.mark.django_db


def test_the_demo_has_measurements_in_three_rounds_and_no_cpr_numbers():
    load_demo(scale=1, seed=3, log=lambda _message: None)
    # 3 rounds in each of the outcomes demo's two interventions, 2 in each of the two the evaluation demo
    # adds for the report across practices.
    assert MeasurementRound.objects.count() == 3 * 2 + 2 * 2
    assert Measurement.objects.count() > 100
    assert Measurement.objects.filter(municipality__municipality_code="461", round__kind="m12").count() == 0
    assert InstrumentExplanation.objects.exists() and EvaluatorAssignment.objects.exists()
    assert all(
        len(p) == 64 for p in Measurement.objects.values_list("participant__pseudonym", flat=True)[:20]
    )
    # the demo writes through the services and its bulk jobs: every reference holds, every total is right
    assert set(broken_references().values()) == {0}


def test_every_demo_intervention_has_a_round_open_today():
    """A caseworker trying the demo can save a questionnaire dated today, whenever the demo was loaded."""
    load_demo(scale=1, seed=3, log=lambda _message: None)
    today = timezone.localdate()
    interventions = set(MeasurementRound.objects.values_list("intervention", flat=True))
    open_today = MeasurementRound.objects.filter(opens_on__lte=today, closes_on__gte=today)
    assert set(open_today.values_list("intervention", flat=True)) == interventions
    assert not Measurement.objects.filter(measured_on__gt=today).exists()
