"""Studies and analyses: who may set them up, the numbers against independent references, the audit."""

from __future__ import annotations

import datetime
import hashlib
import json

import numpy as np
import pytest
import scipy.stats
from django.core.exceptions import PermissionDenied, ValidationError

from indsats.audit.models import AuditEntry
from indsats.engine import ENGINE_VERSION
from indsats.evaluation import services
from indsats.evaluation.models import Analysis, Design, Grade
from tests.evaluation.conftest import CONTROL, TREATED
from tests.evaluation.factories import make_study, record_randomisation


def _create(actor, intervention, rounds, sdq, **fields):
    values = {
        "name": "Effektstudie",
        "design": Design.PRE_POST,
        "instrument": sdq,
        "score_key": "total_difficulties",
        "baseline_round": rounds[0],
        "follow_up_round": rounds[1],
    }
    values.update(fields)
    return services.create_study(actor=actor, intervention=intervention, **values)


def test_assigned_evaluator_creates_study_with_audit(assigned_evaluator, intervention, rounds, sdq):
    study = _create(assigned_evaluator, intervention, rounds, sdq)
    assert study.evidence_level == 3
    assert AuditEntry.objects.filter(object_id=str(study.pk), action="create").exists()


def test_unassigned_evaluator_and_caseworker_cannot_create_study(
    evaluator, aarhus_caseworker, intervention, rounds, sdq
):
    for person in (evaluator, aarhus_caseworker):
        with pytest.raises(PermissionDenied):
            _create(person, intervention, rounds, sdq)


def test_agency_creates_study(agency_staff, intervention, rounds, sdq):
    assert _create(agency_staff, intervention, rounds, sdq).pk


def test_study_validation_names_the_field(agency_staff, intervention, comparison, rounds, sdq):
    with pytest.raises(ValidationError) as error:
        _create(agency_staff, intervention, rounds, sdq, score_key="nope", design=Design.RANDOMISED)
    assert set(error.value.message_dict) == {"score_key", "comparison_intervention"}
    assert "total_difficulties" in error.value.message_dict["score_key"][0]


def test_pre_post_analysis_matches_scipy_paired_t_test(
    assigned_evaluator, intervention, rounds, sdq, aarhus, odense
):
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    pre = np.array([b for b, _a in TREATED], dtype=float)
    post = np.array([a for _b, a in TREATED], dtype=float)
    test = scipy.stats.ttest_rel(post, pre)
    interval = test.confidence_interval(0.95)
    assert analysis.n == 24
    assert analysis.result["estimate"] == pytest.approx(float(np.mean(post - pre)))
    assert analysis.result["ci_low"] == pytest.approx(interval.low)
    assert analysis.result["ci_high"] == pytest.approx(interval.high)
    assert analysis.engine_version == ENGINE_VERSION
    # the hash is that of the canonical input arrays, ordered by pseudonym: the scores, and the
    # background of the subgroup, dose and round figures (factories: age 8 + i % 5, girls at odd i,
    # municipalities alternating, no dose recorded)
    inputs = {
        "post": post.tolist(),
        "pre": pre.tolist(),
        "age": [float(8 + i % 5) for i in range(24)],
        "female": [float(i % 2) for i in range(24)],
        "municipality": [(aarhus, odense)[i % 2].pk for i in range(24)],
        "sessions": [None] * 24,
        "fidelity": [None] * 24,
        "rounds": [
            ["baseline", 24, sum(pre.tolist()) / 24, None, None],
            ["m12", 24, sum(post.tolist()) / 24, None, None],
        ],
    }
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    assert analysis.inputs_hash == hashlib.sha256(canonical.encode()).hexdigest()
    # an improvement (SDQ lower is better) from before-after: level 3, proposed C
    assert analysis.evidence_level == 3
    assert analysis.proposed_grade == Grade.C == analysis.grade
    assert AuditEntry.objects.filter(object_id=str(analysis.pk), action="create").exists()


def test_recompute_gives_the_same_numbers(assigned_evaluator, intervention, rounds, sdq):
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    first = services.run_analysis(actor=assigned_evaluator, study=study, seed=7)
    Analysis.objects.filter(pk=first.pk).update(created_at=first.created_at - datetime.timedelta(minutes=5))
    second = services.run_analysis(actor=assigned_evaluator, study=study, seed=7)  # a deliberate recompute
    assert first.pk != second.pk
    assert first.result == second.result
    assert first.inputs_hash == second.inputs_hash
    assert first.result["bootstrap_ci_low"] is not None


def test_randomised_ancova_matches_ols_by_hand(assigned_evaluator, intervention, comparison, rounds, sdq):
    study = make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=Design.RANDOMISED,
        comparison_intervention=comparison,
        adjust_for_age=False,
        adjust_for_sex=False,
        cluster_by_municipality=False,
        no_clustering_reason="Classical OLS by hand, as the reference",
    )
    record_randomisation(study)
    analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    assert analysis.design_notes == [] and analysis.clustered is False
    pairs = TREATED + CONTROL
    y = np.array([a for _b, a in pairs], dtype=float)
    x = np.column_stack(
        [np.ones(len(pairs)), [1.0] * len(TREATED) + [0.0] * len(CONTROL), [b for b, _a in pairs]]
    )
    coefficients, *_ = np.linalg.lstsq(x, y, rcond=None)
    assert analysis.method == "ancova"
    assert analysis.n == 48
    assert analysis.result["estimate"] == pytest.approx(coefficients[1])
    assert analysis.evidence_level == 1
    assert analysis.proposed_grade == Grade.A  # treated improved ~1.5 points more, interval below 0


def test_quasi_experimental_runs_matching(assigned_evaluator, intervention, comparison, rounds, sdq):
    study = make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=Design.QUASI,
        comparison_intervention=comparison,
    )
    analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    assert analysis.method == "matching"
    assert analysis.evidence_level == 2
    assert analysis.proposed_grade in {Grade.B, Grade.D}


def test_no_data_gives_a_danish_error(assigned_evaluator, intervention, sdq):
    from tests.evaluation.conftest import _rounds

    study = make_study(intervention=intervention, rounds=_rounds(intervention), instrument=sdq)
    with pytest.raises(ValidationError) as error:
        services.run_analysis(actor=assigned_evaluator, study=study)
    assert "før- og eftermålingen" in error.value.messages[0]


def test_override_grade_needs_reason_and_is_audited(assigned_evaluator, evaluator, intervention, rounds, sdq):
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    with pytest.raises(ValidationError):
        services.override_grade(actor=assigned_evaluator, analysis=analysis, grade="B", reason=" ")
    with pytest.raises(PermissionDenied):
        services.override_grade(actor=evaluator, analysis=analysis, grade="B", reason="x")
    services.override_grade(actor=assigned_evaluator, analysis=analysis, grade="D", reason="Frafald på 40 %.")
    analysis.refresh_from_db()
    assert (analysis.grade, analysis.proposed_grade) == ("D", "C")
    entry = AuditEntry.objects.get(object_id=str(analysis.pk), action="update")
    assert entry.changes["grade"] == ["C", "D"]


def test_a_double_click_on_run_stores_one_analysis(assigned_evaluator, intervention, rounds, sdq):
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    first = services.run_analysis(actor=assigned_evaluator, study=study)
    second = services.run_analysis(actor=assigned_evaluator, study=study)
    assert first.pk == second.pk and Analysis.objects.filter(study=study).count() == 1
