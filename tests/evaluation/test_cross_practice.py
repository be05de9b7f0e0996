"""The report across practices: pooled numbers against
statsmodels and a REML fitted here by scipy, the PDF, and who may see which studies."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.urls import reverse
from scipy import optimize
from statsmodels.stats.meta_analysis import combine_effects

from indsats.evaluation import cross_practice, services
from indsats.evaluation.models import Analysis, Design
from indsats.evaluation.selectors import studies as visible_studies
from tests.conftest import logged_in
from tests.evaluation.conftest import _rounds
from tests.evaluation.factories import add_scores, make_study
from tests.outcomes.factories import InterventionFactory

# a third practice with a large improvement in total difficulties (lower is better)
LARGE = [(22 + (i % 6), 22 + (i % 6) - 6 - (i % 5) + (i % 2)) for i in range(24)]


@pytest.fixture
def three_practices(agency, agency_admin, intervention, comparison, rounds, sdq, aarhus, odense):
    """Before-after studies of three interventions, each analysed once by the agency."""
    third = InterventionFactory(name="Familiebehandling", owner=agency)
    third_rounds = _rounds(third)
    add_scores(rounds=third_rounds, instrument=sdq, municipalities=[aarhus, odense], pairs=LARGE, prefix="l")
    comparison_rounds = tuple(comparison.measurement_rounds.order_by("order"))
    studies = [
        make_study(intervention=intervention, rounds=rounds, instrument=sdq, name="Skolefravær før-efter"),
        make_study(
            intervention=comparison, rounds=comparison_rounds, instrument=sdq, name="Sædvanlig før-efter"
        ),
        make_study(intervention=third, rounds=third_rounds, instrument=sdq, name="Familie før-efter"),
    ]
    for study in studies:
        services.run_analysis(actor=agency_admin, study=study)
    return studies


# --- the variance of one practice's effect (formulas: tests/engine/test_effect_sizes.py) ---------------


def test_effect_is_turned_so_that_fewer_difficulties_count_as_improvement(three_practices):
    for study in three_practices:
        analysis = study.analyses.get()
        effect = cross_practice.practice_effect(analysis)
        assert effect is not None and not effect.higher_is_better
        # SDQ total difficulties: lower is better, so the stored (negative) g changes sign
        assert effect.g == pytest.approx(-analysis.result["hedges_g"])
        # the paired variance from n, r and d equals the engine's own correlation-corrected SE squared
        assert effect.variance == pytest.approx(analysis.result["hedges_g_se"] ** 2, rel=1e-9)
        assert effect.g > 0


# --- pooling -----------------------------------------------------------------------------------------


def _reml_tau2(y: np.ndarray, v: np.ndarray) -> float:
    """tau^2 maximising the restricted log-likelihood (Viechtbauer 2005, eq. 12), by scipy."""

    def minus_log_likelihood(tau2: float) -> float:
        w = 1 / (v + tau2)
        mu = (w * y).sum() / w.sum()
        return 0.5 * (np.log(v + tau2).sum() + math.log(w.sum()) + (w * (y - mu) ** 2).sum())

    found = optimize.minimize_scalar(
        minus_log_likelihood, bounds=(0, 10), method="bounded", options={"xatol": 1e-10}
    )
    return float(found.x)


def test_pooled_numbers_match_statsmodels_and_a_reml_fitted_by_scipy(three_practices):
    report = cross_practice.build_report(three_practices)
    assert report.random is not None and report.fixed is not None and report.random.k == 3
    y = np.array([e.g for e in report.effects])
    v = np.array([e.variance for e in report.effects])

    reference = combine_effects(y, v, method_re="chi2")
    frame = reference.summary_frame()
    assert report.fixed.estimate == pytest.approx(frame.loc["fixed effect", "eff"], rel=1e-9)
    assert report.fixed.ci_low == pytest.approx(frame.loc["fixed effect", "ci_low"], rel=1e-9)
    assert report.random.q == pytest.approx(reference.q, rel=1e-9)

    tau2 = _reml_tau2(y, v)
    assert tau2 > 0.01  # the three practices really differ
    assert report.random.tau2 == pytest.approx(tau2, rel=1e-4)
    w = 1 / (v + tau2)
    estimate = (w * y).sum() / w.sum()
    se = 1 / math.sqrt(w.sum())
    assert report.random.estimate == pytest.approx(estimate, rel=1e-5)
    assert report.random.ci_low == pytest.approx(estimate - 1.959964 * se, rel=1e-5)
    # prediction interval on k - 2 = 1 df: t = 12.706 (Higgins, Thompson & Spiegelhalter 2009)
    assert report.random.pi_high == pytest.approx(estimate + 12.7062 * math.sqrt(tau2 + se**2), rel=1e-4)
    w_fixed = 1 / v
    typical = 2 * w_fixed.sum() / (w_fixed.sum() ** 2 - (w_fixed**2).sum())
    assert report.random.i2 == pytest.approx(100 * tau2 / (tau2 + typical), rel=1e-4)


def test_report_warns_about_few_practices_and_high_heterogeneity(three_practices):
    report = cross_practice.build_report(three_practices)
    assert report.random is not None and report.random.i2 >= 50
    text = " ".join(report.warnings)
    assert "Kun 3 indsatser indgår" in text
    assert "meget forskellige fra indsats til indsats" in text


def test_mixed_designs_are_named_as_a_caveat(
    three_practices, agency, agency_admin, sdq, aarhus, odense, intervention, rounds
):
    other = InterventionFactory(name="Kontrolgruppe", owner=agency)
    other_rounds = _rounds(other)
    add_scores(rounds=other_rounds, instrument=sdq, municipalities=[aarhus, odense], pairs=LARGE, prefix="k")
    fourth = InterventionFactory(name="Lodtrukket indsats", owner=agency)
    fourth_rounds = _rounds(fourth)
    add_scores(rounds=fourth_rounds, instrument=sdq, municipalities=[aarhus, odense], pairs=LARGE, prefix="f")
    randomised = make_study(
        intervention=fourth,
        rounds=fourth_rounds,
        instrument=sdq,
        design=Design.RANDOMISED,
        comparison_intervention=other,
    )
    services.run_analysis(actor=agency_admin, study=randomised)
    report = cross_practice.build_report([*three_practices, randomised])
    assert report.random is not None and report.random.k == 4
    assert any("forskellige design" in text for text in report.warnings)
    ancova = next(e for e in report.effects if e.study == randomised)
    assert ancova.source == "two_group"


def test_only_the_newest_study_of_a_practice_is_pooled(
    three_practices, agency_admin, sdq, rounds, intervention
):
    newer = make_study(intervention=intervention, rounds=rounds, instrument=sdq, name="Nyere studie")
    services.run_analysis(actor=agency_admin, study=newer)
    report = cross_practice.build_report([*three_practices, newer])
    assert report.random is not None and report.random.k == 3
    assert newer in [e.study for e in report.effects]
    assert [study.name for study, _reason in report.skipped] == ["Skolefravær før-efter"]


# --- page and PDF --------------------------------------------------------------------------------------


def test_page_shows_forest_plot_table_and_provenance(
    three_practices, agency_admin, django_assert_max_num_queries
):
    client = logged_in(agency_admin)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("evaluation:cross_practice"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="img"' in page and "Forest plot" in page and "<polygon" in page
    for study in three_practices:
        analysis = study.analyses.get()
        assert analysis.inputs_hash in page
        assert f'value="{study.pk}"' in page
    assert "Familiebehandling" in page and "Kun 3 indsatser indgår" in page


def test_pdf_is_rendered_with_the_pooled_numbers(three_practices, agency_admin):
    ids = "&".join(f"studie={s.pk}" for s in three_practices)
    response = logged_in(agency_admin).get(reverse("evaluation:cross_practice_pdf") + "?" + ids)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    report = cross_practice.build_report(three_practices)
    context = cross_practice.report_context(report)
    document = cross_practice.report_document(context)
    assert 1 <= len(document.pages) <= 4
    text = "\n".join(
        box.text for page in document.pages for box in page._page_box.descendants() if hasattr(box, "text")
    )
    assert "Evalueringsrapport på tværs af indsatser" in text
    assert context["pooled"]["estimate"] in text and "Sporbarhed" in text
    assert three_practices[0].analyses.get().inputs_hash[:12] in text.replace("\n", "")


# --- who may see what ------------------------------------------------------------------------------------


def test_unassigned_evaluator_and_caseworker_cannot_reach_the_studies(
    three_practices, evaluator, aarhus_caseworker
):
    ids = "&".join(f"studie={s.pk}" for s in three_practices)
    page_url = reverse("evaluation:cross_practice") + "?valgt=1&" + ids
    pdf_url = reverse("evaluation:cross_practice_pdf") + "?" + ids
    assert not visible_studies(user=evaluator).exists()
    client = logged_in(evaluator)
    page = client.get(page_url)
    assert page.status_code == 200
    content = page.content.decode()
    for study in three_practices:
        assert study.name not in content and str(study.intervention) not in content
    assert client.get(pdf_url).status_code == 404
    caseworker = logged_in(aarhus_caseworker)
    assert caseworker.get(page_url).status_code == 403
    assert caseworker.get(pdf_url).status_code == 403


def test_assigned_evaluator_sees_only_the_assigned_practice(three_practices, assigned_evaluator):
    client = logged_in(assigned_evaluator)
    other = three_practices[1]
    content = client.get(
        reverse("evaluation:cross_practice") + f"?valgt=1&studie={three_practices[0].pk}&studie={other.pk}"
    ).content.decode()
    assert three_practices[0].name in content
    assert other.name not in content and "Vælg mindst to studier" in content
    pdf = reverse("evaluation:cross_practice_pdf") + f"?studie={three_practices[0].pk}&studie={other.pk}"
    assert client.get(pdf).status_code == 404


def test_a_practice_analysed_on_fewer_than_five_children_is_left_out(three_practices):
    tiny = three_practices[1].analyses.get()
    Analysis.objects.filter(pk=tiny.pk).update(n=4)
    report = cross_practice.build_report(three_practices)
    assert report.random is not None and report.random.k == 2
    assert three_practices[1] not in [e.study for e in report.effects]
    [(study, reason)] = report.skipped
    assert study == three_practices[1] and "færre end 5 børn" in reason
