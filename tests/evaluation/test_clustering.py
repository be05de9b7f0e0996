"""Clustering by default: a web ANCOVA of children in several municipalities has cluster-robust standard
errors by municipality, checked against statsmodels; the evaluator may opt out only with a reason."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
import statsmodels.api as sm
from django.db import IntegrityError, transaction

from indsats.evaluation import services
from indsats.evaluation.models import Design
from indsats.outcomes.models import RoundKind
from tests.evaluation.factories import add_children, make_study, record_randomisation
from tests.factories import MunicipalityFactory
from tests.outcomes.factories import RoundFactory

N_MUNICIPALITIES = 8


def _rounds(intervention):
    return (
        RoundFactory(intervention=intervention, kind=RoundKind.BASELINE, order=0),
        RoundFactory(
            intervention=intervention,
            kind=RoundKind.MONTH_12,
            order=1,
            opens_on=datetime.date(2026, 1, 1),
            closes_on=datetime.date(2026, 3, 31),
        ),
    )


def _children(municipalities, treated: bool, rng) -> list[dict]:
    children = []
    for index in range(64):
        m = index % len(municipalities)
        before = 18 + float(rng.integers(0, 8))
        # a shared municipality shift makes children of one municipality alike
        after = before - (2.0 if treated else 0.0) + (m - 3.5) * 0.8 + float(rng.integers(-2, 3))
        children.append(
            {
                "municipality": municipalities[m],
                "before": before,
                "after": after,
                "age": 10,
                "female": bool(index % 2),
            }
        )
    return children


@pytest.fixture
def clustered_rct(intervention, comparison, sdq, db):
    municipalities = [
        MunicipalityFactory(name=f"Kommune {i}", municipality_code=f"{300 + i}", region="1084")
        for i in range(N_MUNICIPALITIES)
    ]
    rng = np.random.default_rng(4)
    rounds = _rounds(intervention)
    treated = _children(municipalities, True, rng)
    control = _children(municipalities, False, rng)
    add_children(rounds=rounds, instrument=sdq, children=treated, prefix="t")
    add_children(rounds=_rounds(comparison), instrument=sdq, children=control, prefix="c")
    study = make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=Design.RANDOMISED,
        comparison_intervention=comparison,
        adjust_for_age=False,
        adjust_for_sex=False,
    )
    record_randomisation(study)
    return study, treated, control


def _statsmodels_fit(treated, control, *, clustered: bool):
    rows = [(1.0, c) for c in treated] + [(0.0, c) for c in control]
    y = np.array([c["after"] for _t, c in rows])
    x = sm.add_constant(np.column_stack([[t for t, _c in rows], [c["before"] for _t, c in rows]]))
    groups = np.array([c["municipality"].pk for _t, c in rows])
    if clustered:
        return sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    return sm.OLS(y, x).fit()


def test_web_ancova_clusters_by_municipality_by_default_as_statsmodels_does(
    assigned_evaluator, clustered_rct
):
    study, treated, control = clustered_rct
    analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    reference = _statsmodels_fit(treated, control, clustered=True)
    assert analysis.clustered is True
    assert analysis.result["clustering"] == {"clustered": True, "n_municipalities": 8, "reason": ""}
    assert analysis.result["n_clusters"] == N_MUNICIPALITIES
    assert analysis.result["estimate"] == pytest.approx(reference.params[1], rel=1e-10)
    assert analysis.result["se"] == pytest.approx(reference.bse[1], rel=1e-10)
    low, high = reference.conf_int()[1]  # t on G - 1 = 7 degrees of freedom
    assert (analysis.result["ci_low"], analysis.result["ci_high"]) == pytest.approx((low, high), rel=1e-10)


def test_opting_out_with_a_reason_gives_classical_standard_errors(assigned_evaluator, clustered_rct):
    study, treated, control = clustered_rct
    study.cluster_by_municipality = False
    study.no_clustering_reason = "Municipalities were the unit of delivery only in name"
    study.save()
    analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    reference = _statsmodels_fit(treated, control, clustered=False)
    assert analysis.clustered is False
    assert analysis.result["clustering"]["reason"].startswith("Municipalities")
    assert analysis.result["se"] == pytest.approx(reference.bse[1], rel=1e-10)


def test_opting_out_without_a_reason_is_refused_by_the_database(clustered_rct):
    study, _treated, _control = clustered_rct
    study.cluster_by_municipality = False
    with pytest.raises(IntegrityError), transaction.atomic():
        study.save()


def test_the_report_states_the_clustering_and_the_randomisation(assigned_evaluator, clustered_rct):
    from indsats.evaluation import report  # only this test reads the report

    study, _treated, _control = clustered_rct
    analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    statements = " ".join(report.design_statements(analysis))
    assert "Børnene er fordelt ved lodtrækning" in statements
    assert "klyngerobust efter kommune (8 kommuner" in statements


def test_creating_a_study_without_clustering_needs_a_reason(assigned_evaluator, intervention, rounds, sdq):
    from indsats.errors import DomainError  # only this test checks the service's refusal

    with pytest.raises(DomainError) as raised:
        services.create_study(
            actor=assigned_evaluator,
            intervention=intervention,
            name="Uden klynger",
            design=Design.PRE_POST,
            instrument=sdq,
            score_key="total_difficulties",
            baseline_round=rounds[0],
            follow_up_round=rounds[1],
            cluster_by_municipality=False,
        )
    assert "no_clustering_reason" in raised.value.message_dict
