"""Fixtures of the catalogue tests: an intervention with two effect studies (one of them too small to
publish), and the agency person who publishes."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from indsats.evaluation.models import Analysis, Design, Study
from indsats.interventions.models import Intervention
from indsats.outcomes.models import Instrument, MeasurementRound, RoundKind
from indsats.outcomes.registry import ensure_builtin_instruments
from tests.interventions.factories import InterventionFactory, problem_area
from tests.outcomes.factories import RoundFactory


@pytest.fixture
def sdq(db) -> Instrument:
    ensure_builtin_instruments()
    return Instrument.objects.get(key="sdq-parent-4-17", version=1)


def add_analysis(
    intervention: Intervention, instrument: Instrument, *, name: str, n: int, g: float, half_width: float
) -> Analysis:
    """A stored analysis whose standardised effect is read from its interval (lower SDQ is better, so the
    stored g is negative for an improvement)."""
    baseline = MeasurementRound.objects.filter(intervention=intervention, kind=RoundKind.BASELINE).first()
    follow_up = MeasurementRound.objects.filter(intervention=intervention, kind=RoundKind.MONTH_12).first()
    if baseline is None or follow_up is None:
        baseline = RoundFactory(intervention=intervention, kind=RoundKind.BASELINE, order=0)
        follow_up = RoundFactory(
            intervention=intervention,
            kind=RoundKind.MONTH_12,
            order=2,
            opens_on=datetime.date(2026, 1, 1),
            closes_on=datetime.date(2026, 3, 31),
        )
    study = Study.objects.create(
        intervention=intervention,
        name=name,
        design=Design.RANDOMISED,
        instrument=instrument,
        score_key="total_difficulties",
        baseline_round=baseline,
        follow_up_round=follow_up,
    )
    result: dict[str, Any] = {
        "estimate": -g * 5,
        "ci_low": -g * 5 - 1,
        "ci_high": -g * 5 + 1,
        "hedges_g": -g,
        "hedges_g_ci_low": -g - half_width,
        "hedges_g_ci_high": -g + half_width,
    }
    return Analysis.objects.create(
        study=study,
        method="ancova_interval_only",
        result=result,
        n=n,
        inputs_hash=f"{name}".encode().hex()[:64].ljust(64, "0"),
        engine_version="test",
        seed=1,
        evidence_level=1,
        proposed_grade="B",
        grade="B",
        grade_reason="Lodtrukket studie med tydelig effekt.",
    )


@pytest.fixture
def intervention(db, agency) -> Intervention:
    found = InterventionFactory(
        name="Skolefravær sammen",
        short_description="Familie og skole arbejder sammen mod skolefraværet.",
        description="Et forløb for børn med bekymrende skolefravær og deres forældre.",
        owner=agency,
        age_from=6,
        age_to=16,
        sessions=12,
        weeks=16,
    )
    found.problem_areas.add(problem_area())
    return found


@pytest.fixture
def studied(intervention, sdq) -> Intervention:
    """Two publishable studies (g 0.3 and 0.5, both +-0.392) and one with only 4 children."""
    add_analysis(intervention, sdq, name="Studie A", n=40, g=0.3, half_width=0.392)
    add_analysis(intervention, sdq, name="Studie B", n=60, g=0.5, half_width=0.392)
    add_analysis(intervention, sdq, name="Lille studie", n=4, g=2.0, half_width=0.5)
    return intervention
