"""The demo data of evaluation: the evaluator's own study with dose and fidelity, and further practices'
studies for the report across practices."""

from __future__ import annotations

import pytest

from indsats.dashboard.demo import load_demo
from indsats.evaluation.models import Analysis, Study

pytestmark = pytest.mark.django_db


def test_the_demo_has_analysed_studies_of_four_practices():
    load_demo(scale=1, seed=3, log=lambda _message: None)
    assert Study.objects.values("intervention").distinct().count() == 4
    assert all(study.analyses.count() == 1 for study in Study.objects.all())
    study = Study.objects.order_by("pk").first()
    assert study is not None
    analysis = Analysis.objects.get(study=study)
    assert analysis.n > 20 and analysis.result["exposure"]
    assert analysis.result["estimate"] < 0  # the demo children's difficulties fall over the rounds
    assert study.created_by.username == "evaluator"
