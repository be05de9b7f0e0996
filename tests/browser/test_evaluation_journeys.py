"""Evaluation in the browser: the demo evaluator sets up a study, runs it and opens the report."""

from __future__ import annotations

import pytest

from indsats.demodata import DEMO_PASSWORD, load_demo
from indsats.evaluation.models import Analysis
from indsats.outcomes.models import Instrument

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    load_demo(scale=1, log=lambda _message: None)


def test_an_evaluator_sets_up_a_study_runs_it_and_reads_the_report(page, demo):
    page.login("evaluator", DEMO_PASSWORD)
    page.goto("/evaluering/")
    page.check("evaluation-index")
    with page.page.expect_navigation():
        page.page.click("text=Nyt effektstudie af")
    page.page.fill("#id_name", "Før-efter over 12 måneder")
    page.page.select_option("#id_design", "pre_post")
    sdq = Instrument.objects.get(key="sdq-parent-4-17", version=1)
    page.page.select_option("#id_outcome", f"{sdq.pk}:total_difficulties")
    page.page.select_option("#id_baseline_round", label="Før (baseline)")
    page.page.select_option("#id_follow_up_round", label="12 måneder")
    page.check("evaluation-study-create")
    with page.page.expect_navigation():
        page.page.click("main button[type=submit]")
    assert "Effektstudiet er oprettet" in page.page.content()
    page.check("evaluation-study-detail")
    with page.page.expect_navigation():
        page.page.click("text=Beregn analysen")
    content = page.page.content()
    assert "Analysen er beregnet" in content and "Slutevaluering" in content
    analysis = Analysis.objects.order_by("-pk").first()
    assert analysis.inputs_hash in content
    page.check("evaluation-report")
    page.page.fill("#id_reason", "Kun Aarhus har målt efter 12 måneder.")
    page.page.select_option("#id_grade", "D")
    with page.page.expect_navigation():
        page.page.click("text=Gem vurderingen")
    assert "Vurderingen er gemt" in page.page.content()
    analysis.refresh_from_db()
    assert analysis.grade == "D"
    page.check("evaluation-report-graded")
