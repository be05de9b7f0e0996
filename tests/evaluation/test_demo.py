"""The demo data of evaluation: one study with an analysis on the outcomes demo data, deterministic."""

from __future__ import annotations

import pytest

from indsats.demodata import load_demo
from indsats.evaluation.models import Analysis, Study

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_analysed_study():
    load_demo(scale=1, seed=3, log=lambda _message: None)
    study = Study.objects.get()
    analysis = Analysis.objects.get()
    assert analysis.study == study and analysis.n > 20
    assert analysis.result["estimate"] < 0  # the demo children's difficulties fall over the rounds
    assert study.created_by.username == "evaluator"
