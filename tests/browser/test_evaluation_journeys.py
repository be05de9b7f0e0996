"""Evaluation in the browser: the demo evaluator sets up a study, runs it and opens the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.dashboard.demo import load_demo
from indsats.evaluation.models import Analysis, RenderedReport, Study
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
    # The intervention of the demo evaluator's own study: the one measured at 12 months as well.
    first = Study.objects.order_by("pk").first()
    assert first is not None
    with page.page.expect_navigation():
        page.page.click(f"a[href='/evaluering/indsats/{first.intervention_id}/nyt-studie/']")
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
    # The PDF is made by a background task (run at once here): a status page, then the download link.
    with page.page.expect_navigation():
        page.page.click("text=Hent rapporten som PDF")
    link = page.page.locator("#pdf-status a", has_text="Hent rapporten som PDF")
    link.wait_for()
    page.check("evaluation-pdf-status-done")
    with page.page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename == f"evaluering-{analysis.pk}-slut.pdf"


def test_a_matched_study_report_with_every_section_passes_axe(page, demo, settings):
    import datetime

    from django.contrib.auth import get_user_model

    from indsats.accounts.models import Organisation, OrganisationKind
    from indsats.accounts.permissions import organisation_ids_of
    from indsats.evaluation import services
    from indsats.evaluation.models import Design
    from indsats.evaluation.rendering import render_report
    from indsats.outcomes.models import EvaluatorAssignment, RoundKind
    from tests.evaluation.factories import add_children, make_study
    from tests.outcomes.factories import InterventionFactory, RoundFactory

    person = get_user_model().objects.get(username="evaluator")
    treated, comparison = (
        InterventionFactory(name="Familieløft"),
        InterventionFactory(name="Sædvanlig praksis"),
    )
    EvaluatorAssignment.objects.create(evaluator_id=min(organisation_ids_of(person)), intervention=treated)
    municipalities = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("pk")[:2])
    sdq = Instrument.objects.get(key="sdq-parent-4-17", version=1)

    def rounds(intervention):
        return tuple(
            RoundFactory(
                intervention=intervention,
                kind=kind,
                order=order,
                opens_on=datetime.date(2025 + order, 1, 1),
                closes_on=datetime.date(2025 + order, 3, 31),
            )
            for order, kind in enumerate([RoundKind.BASELINE, RoundKind.MONTH_12, RoundKind.FOLLOW_UP])
        )

    def children(count, effect):
        return [
            {
                "before": 14 + (i * 11) % 9,
                "after": 14 + (i * 11) % 9 - ((i % 5 + 1) if effect else (i % 3) - 1),
                "age": 5 + (i * 7) % 13,
                "female": i % 2 == 0,
                "municipality": municipalities[i % 2],
                "sessions": 3 + i % 10 if effect else None,
                "fidelity": round(0.4 + (i % 6) / 10, 1) if effect else None,
            }
            for i in range(count)
        ]

    own = rounds(treated)
    add_children(rounds=own[:2], instrument=sdq, children=children(40, True), prefix="bt")
    add_children(rounds=rounds(comparison)[:2], instrument=sdq, children=children(40, False), prefix="bc")
    study = make_study(
        intervention=treated,
        rounds=own[:2],
        instrument=sdq,
        design=Design.QUASI,
        comparison_intervention=comparison,
    )
    analysis = services.run_analysis(actor=person, study=study)
    page.login("evaluator", DEMO_PASSWORD)
    page.goto(f"/evaluering/analyser/{analysis.pk}/")
    content = page.page.content()
    assert "Konklusion" in content and "Balance mellem grupperne" in content and "Dosis og troskab" in content
    page.check("evaluation-report-sections")
    page.goto(f"/evaluering/analyser/{analysis.pk}/?type=midtvejs")
    assert "Foreløbige resultater" in page.page.content()
    page.check("evaluation-report-midterm")
    # A worker that has not started yet: the status page shows progress and polls until the PDF is made.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    page.goto(f"/evaluering/analyser/{analysis.pk}/pdf/?type=midtvejs")
    assert "Rapporten dannes" in page.page.content()
    page.check("evaluation-pdf-status-running")
    render_report(rendered_id=RenderedReport.objects.get(analysis=analysis, kind="midtvejs").pk)
    page.page.locator("#pdf-status a", has_text="Hent rapporten som PDF").wait_for()
    assert "Rapporten dannes" not in page.page.content()
