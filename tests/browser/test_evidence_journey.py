"""Evidence that earns its grade, in the browser: the evaluator randomises an RCT, a caseworker enrols a
child (the group shown only then), the evaluator runs the clustered analysis, and the agency pools the
literature and reads (and overrides) the intervention's evidence rating."""

from __future__ import annotations

import pytest

from indsats.accounts.demo import DEMO_PASSWORD
from indsats.accounts.models import User
from indsats.dashboard.demo import load_demo
from indsats.evaluation import services
from indsats.evaluation.models import Allocation, Analysis, Design, Randomisation, Study
from indsats.interventions.models import EvidenceReference, Intervention
from indsats.outcomes.models import Instrument, MeasurementRound, Participant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rct(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    load_demo(scale=1, log=lambda _message: None)
    own = Study.objects.order_by("pk").first()
    assert own is not None
    intervention = own.intervention
    kinds = {own.baseline_round.kind, own.follow_up_round.kind}
    comparison = next(
        i
        for i in Intervention.objects.exclude(pk=intervention.pk).order_by("pk")
        if kinds <= set(MeasurementRound.objects.filter(intervention=i).values_list("kind", flat=True))
    )
    evaluator = User.objects.get(username="evaluator")
    study = services.create_study(
        actor=evaluator,
        intervention=intervention,
        name="Lodtrukket forsøg",
        design=Design.RANDOMISED,
        instrument=Instrument.objects.get(pk=own.instrument_id),
        score_key=own.score_key,
        baseline_round=own.baseline_round,
        follow_up_round=own.follow_up_round,
        comparison_intervention=comparison,
        is_independent=True,
    )
    for citation, year, g, v in (
        ("Hansen m.fl., Nordisk RCT", 2019, 0.32, 0.015),
        ("Berg & Lund, kvasi-eksperiment", 2021, 0.18, 0.02),
        ("Smith et al., UK trial", 2022, 0.41, 0.03),
    ):
        EvidenceReference.objects.create(
            intervention=intervention, citation=citation, year=year, effect_input="yi_vi", yi=g, vi=v
        )
    return study


def test_randomise_enrol_analyse_pool_and_rate(page, rct):
    study = rct
    page.login("evaluator", DEMO_PASSWORD)
    page.goto(f"/evaluering/studier/{study.pk}/")
    assert "Designet tæller ikke som lodtrukket" in page.page.content()
    page.page.select_option("#id_r-method", "stratified")
    page.page.fill("#id_r-seed", "2026")
    page.page.fill("#id_r-block_size", "4")
    page.page.fill("#id_r-sizes", "751: 12, 461: 12")
    page.check("evidence-study-randomise")
    with page.page.expect_navigation():
        page.page.click("main button:has-text('Lav lodtrækningen')")
    assert "Lodtrækningen er lavet og gemt" in page.page.content()
    randomisation = Randomisation.objects.get(study=study)
    assert randomisation.sequence_sha256 in page.page.content()
    page.check("evidence-study-randomised")

    # a caseworker in Aarhus enrols one of Aarhus's children; the group is revealed only now
    child = (
        Participant.objects.filter(municipality__municipality_code="751")
        .exclude(enrolments__intervention_id__in=[study.intervention_id, study.comparison_intervention_id])
        .order_by("pseudonym")
        .first()
    )
    assert child is not None
    worker = page
    worker.page.context.clear_cookies()
    worker.login("sagsbehandler-aarhus", DEMO_PASSWORD)
    worker.goto(f"/evaluering/studier/{study.pk}/tilmeld/")
    worker.page.select_option("#id_participant", str(child.pk))
    worker.check("evidence-enrol")
    with worker.page.expect_navigation():
        worker.page.click("main button:has-text('Tilmeld og lodtræk')")
    allocation = Allocation.objects.get(participant=child)
    assert f"Barnet er tilmeldt: {allocation.get_arm_display()}" in worker.page.content()
    worker.check("evidence-enrolled")

    # the evaluator runs the analysis: clustered by municipality, and the report says why level 2
    page.page.context.clear_cookies()
    page.login("evaluator", DEMO_PASSWORD)
    page.goto(f"/evaluering/studier/{study.pk}/")
    with page.page.expect_navigation():
        page.page.click("text=Beregn analysen")
    analysis = Analysis.objects.filter(study=study).latest("pk")
    content = page.page.content()
    assert analysis.evidence_level == 2 and "tæller som evidensniveau 2" in content
    assert ("klyngerobust efter kommune" in content) == analysis.clustered
    page.check("evidence-report")

    # the agency pools the literature and reads the rating's reasons, then sets its own level
    page.page.context.clear_cookies()
    page.login("styrelse", DEMO_PASSWORD)
    page.goto(f"/evaluering/indsats/{study.intervention_id}/litteratur/")
    assert "Forudsigelsesinterval" in page.page.content() and "<svg" in page.page.content()
    page.check("evidence-literature")
    page.goto(f"/evaluering/indsats/{study.intervention_id}/evidensvurdering/")
    content = page.page.content()
    assert "Lodtrækning registreret" in content and "Gentaget i et uafhængigt studie" in content
    page.check("evidence-rating")
    page.page.select_option("#id_level", "3")
    page.page.fill("#id_reason", "Tre udenlandske studier med kontrolgruppe peger samme vej.")
    with page.page.expect_navigation():
        page.page.click("main button:has-text('Gem vurderingen')")
    assert "Evidensvurderingen er gemt" in page.page.content()
    assert "Tre udenlandske studier" in page.page.content()
    page.check("evidence-rating-decided")
