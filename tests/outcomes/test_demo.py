"""The demo data of result documentation: measurements in rounds, a reason, an assigned evaluator."""

from __future__ import annotations

import pytest

from indsats.dashboard.demo import load_demo
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
