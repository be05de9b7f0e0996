"""A difference-in-differences study: the change in the intervention's children minus the change in the
comparison children, checked against the means worked out from the fixture's scores, with Morris's
standardised effect and a cluster-robust SE compared with statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from django.core.exceptions import ValidationError
from django.urls import reverse

from indsats.evaluation import services
from indsats.evaluation.cross_practice import standardised_effect
from indsats.evaluation.models import Design
from tests.conftest import logged_in
from tests.evaluation.conftest import CONTROL, TREATED
from tests.evaluation.factories import make_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def did_analysis(assigned_evaluator, intervention, comparison, rounds, sdq):
    study = make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=Design.DIFFERENCE_IN_DIFFERENCES,
        comparison_intervention=comparison,
    )
    return services.run_analysis(actor=assigned_evaluator, study=study)


def test_the_estimate_is_the_difference_of_the_mean_changes(did_analysis):
    treated_change = np.mean([after - before for before, after in TREATED])
    control_change = np.mean([after - before for before, after in CONTROL])
    result = did_analysis.result
    assert did_analysis.method == "did" and did_analysis.evidence_level == 2
    assert result["estimate"] == pytest.approx(treated_change - control_change, abs=1e-9)
    assert result["n_treated"] == len(TREATED) and result["n_control"] == len(CONTROL)


def test_the_standardised_effect_is_morris_d_ppc2(did_analysis):
    pre_t = np.array([before for before, _after in TREATED], dtype=float)
    pre_c = np.array([before for before, _after in CONTROL], dtype=float)
    n_t, n_c = len(pre_t), len(pre_c)
    pooled_sd = np.sqrt(((n_t - 1) * pre_t.var(ddof=1) + (n_c - 1) * pre_c.var(ddof=1)) / (n_t + n_c - 2))
    change_difference = np.mean([a - b for b, a in TREATED]) - np.mean([a - b for b, a in CONTROL])
    expected = (1 - 3 / (4 * (n_t + n_c - 2) - 1)) * change_difference / pooled_sd
    assert did_analysis.result["hedges_g"] == pytest.approx(expected, rel=1e-9)
    # the report across practices pools it like a two-group effect
    g, variance, formula = standardised_effect("did", did_analysis.result)
    assert g == pytest.approx(expected) and formula == "two_group" and variance > 0


def test_the_standard_error_is_clustered_on_the_municipality_as_statsmodels_does(did_analysis):
    # the fixture's children alternate between two municipalities (Aarhus, Odense)
    rows = [(b, a, 1.0) for b, a in TREATED] + [(b, a, 0.0) for b, a in CONTROL]
    municipality = np.repeat([i % 2 for i in range(len(TREATED))] + [i % 2 for i in range(len(CONTROL))], 2)
    y = np.array([v for b, a, _t in rows for v in (b, a)], dtype=float)
    treated = np.repeat([t for _b, _a, t in rows], 2)
    post = np.tile([0.0, 1.0], len(rows))
    design = sm.add_constant(np.column_stack([treated, post, treated * post]))
    fit = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": municipality})
    assert did_analysis.clustered and did_analysis.result["n_clusters"] == 2
    assert did_analysis.result["se"] == pytest.approx(fit.bse[3], rel=1e-6)


def test_opting_out_of_clustering_by_municipality_clusters_on_the_child_as_statsmodels_does(
    assigned_evaluator, intervention, comparison, rounds, sdq
):
    study = make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=Design.DIFFERENCE_IN_DIFFERENCES,
        comparison_intervention=comparison,
        cluster_by_municipality=False,
        no_clustering_reason="Only two municipalities",
    )
    did_analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    rows = [(b, a, 1.0) for b, a in TREATED] + [(b, a, 0.0) for b, a in CONTROL]
    y = np.array([v for b, a, _t in rows for v in (b, a)], dtype=float)
    treated = np.repeat([t for _b, _a, t in rows], 2)
    post = np.tile([0.0, 1.0], len(rows))
    design = sm.add_constant(np.column_stack([treated, post, treated * post]))
    fit = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": np.repeat(np.arange(len(rows)), 2)})
    assert did_analysis.result["estimate"] == pytest.approx(fit.params[3], abs=1e-9)
    assert did_analysis.result["se"] == pytest.approx(fit.bse[3], rel=1e-6)


def test_the_report_explains_the_design_and_the_conclusion(assigned_evaluator, did_analysis):
    page = logged_in(assigned_evaluator).get(reverse("evaluation:analysis_report", args=[did_analysis.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "forskel-i-forskelle" in text and "Forskel i ændring mellem grupperne" in text
    assert "ændrede børnene i indsatsen sig" in text


def test_a_difference_in_differences_study_needs_a_comparison_group(
    assigned_evaluator, intervention, rounds, sdq
):
    with pytest.raises(ValidationError) as raised:
        services.create_study(
            actor=assigned_evaluator,
            intervention=intervention,
            name="DiD uden sammenligning",
            design=Design.DIFFERENCE_IN_DIFFERENCES,
            instrument=sdq,
            score_key="total_difficulties",
            baseline_round=rounds[0],
            follow_up_round=rounds[1],
        )
    assert "comparison_intervention" in raised.value.message_dict
