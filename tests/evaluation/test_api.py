"""The evaluation API: studies and stored analyses as JSON, scoped as the pages are (404 for what the person
may not see, nothing for municipality staff), with constant queries and no child-level data."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from indsats.evaluation import services
from indsats.evaluation.models import Analysis, Design
from indsats.outcomes.models import Participant
from tests.conftest import logged_in
from tests.evaluation.factories import make_study, record_randomisation


@pytest.fixture
def analysis(assigned_evaluator, intervention, rounds, sdq) -> Analysis:
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    return services.run_analysis(actor=assigned_evaluator, study=study)


@pytest.fixture
def randomised_analysis(assigned_evaluator, intervention, comparison, rounds, sdq) -> Analysis:
    study = make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        name="RCT af Skolefravær",
        design=Design.RANDOMISED,
        comparison_intervention=comparison,
        adjust_for_age=False,
        adjust_for_sex=False,
    )
    record_randomisation(study)
    return services.run_analysis(actor=assigned_evaluator, study=study)


def test_studies_lists_what_the_assigned_evaluator_may_see_with_the_newest_analysis(
    assigned_evaluator, analysis, intervention, sdq
):
    newer = services.run_analysis(actor=assigned_evaluator, study=analysis.study, seed=7)
    rows = logged_in(assigned_evaluator).get("/api/evaluation/studies").json()
    assert rows == [
        {
            "id": analysis.study_id,
            "name": "Effektstudie af Skolefravær",
            "intervention": {"id": intervention.pk, "name": "Skolefravær"},
            "design": "pre_post",
            "evidence_level": 3,
            "instrument": {"key": "sdq-parent-4-17", "version": 1},
            "score_key": "total_difficulties",
            "baseline_round": "baseline",
            "follow_up_round": "m12",
            "comparison_intervention": None,
            "newest_analysis_id": newer.pk,
        }
    ]


def test_study_with_a_comparison_names_it_and_has_design_level_one(
    steering_member, randomised_analysis, comparison
):
    rows = logged_in(steering_member).get("/api/evaluation/studies").json()
    assert [r["comparison_intervention"] for r in rows] == [
        {"id": comparison.pk, "name": "Sædvanlig praksis"}
    ]
    assert rows[0]["design"] == "randomised" and rows[0]["evidence_level"] == 1
    assert rows[0]["newest_analysis_id"] == randomised_analysis.pk


def test_study_without_analyses_has_no_newest_analysis(agency_staff, intervention, rounds, sdq):
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    client = logged_in(agency_staff)
    assert client.get("/api/evaluation/studies").json()[0]["newest_analysis_id"] is None
    detail = client.get(f"/api/evaluation/studies/{study.pk}").json()
    assert detail["analyses"] == [] and detail["newest_analysis_id"] is None


def test_study_detail_lists_its_analyses_newest_first(assigned_evaluator, analysis):
    newer = services.run_analysis(actor=assigned_evaluator, study=analysis.study, seed=7)
    services.override_grade(actor=assigned_evaluator, analysis=newer, grade="D", reason="Lille stikprøve.")
    body = logged_in(assigned_evaluator).get(f"/api/evaluation/studies/{analysis.study_id}").json()
    assert body["id"] == analysis.study_id and body["newest_analysis_id"] == newer.pk
    stored = {a.pk: a for a in Analysis.objects.all()}
    assert [a["id"] for a in body["analyses"]] == [newer.pk, analysis.pk]
    for row in body["analyses"]:
        found = stored[row["id"]]
        assert row["method"] == found.method == "pre_post"
        assert row["n"] == found.n == 24  # 24 treated children with both rounds (conftest TREATED)
        assert row["grade"] == found.grade and row["proposed_grade"] == found.proposed_grade
        assert row["created_at"][:19] == found.created_at.isoformat()[:19]
    assert body["analyses"][0]["grade"] == "D"


def test_analysis_returns_the_stored_result_and_provenance(assigned_evaluator, analysis):
    services.override_grade(actor=assigned_evaluator, analysis=analysis, grade="C", reason="Før-efter.")
    stored = Analysis.objects.get(pk=analysis.pk)
    body = logged_in(assigned_evaluator).get(f"/api/evaluation/analyses/{analysis.pk}").json()
    assert body["id"] == stored.pk and body["study_id"] == stored.study_id
    assert body["method"] == "pre_post" and body["n"] == 24
    assert body["result"] == stored.result
    assert body["warnings"] == stored.warnings
    assert body["evidence_level"] == 3
    assert body["grade"] == "C" and body["grade_reason"] == "Før-efter."
    assert body["proposed_grade"] == stored.proposed_grade
    assert body["provenance"]["inputs_hash"] == stored.inputs_hash and len(stored.inputs_hash) == 64
    assert body["provenance"]["engine_version"] == stored.engine_version
    assert body["provenance"]["seed"] == stored.seed
    assert body["provenance"]["created_at"][:19] == stored.created_at.isoformat()[:19]
    # mean change of the treated children, worked by hand from conftest.TREATED: after - before = -3 - (i % 4)
    assert body["result"]["estimate"] == pytest.approx(sum(-3 - (i % 4) for i in range(24)) / 24)


def _lists_in(value: Any) -> list[list[Any]]:
    if isinstance(value, dict):
        return [found for item in value.values() for found in _lists_in(item)]
    if isinstance(value, list):
        return [value] + [found for item in value for found in _lists_in(item)]
    return []


def test_analysis_carries_no_child_level_data(assigned_evaluator, randomised_analysis):
    response = logged_in(assigned_evaluator).get(f"/api/evaluation/analyses/{randomised_analysis.pk}")
    text = response.content.decode()
    pseudonyms = list(Participant.objects.values_list("pseudonym", flat=True))
    assert len(pseudonyms) == 48
    assert not any(p in text or p[:8] in text for p in pseudonyms)
    assert "cpr" not in text.lower() and "participant" not in text
    # no array with a value per child (48 children in the analysis)
    assert max(len(found) for found in _lists_in(response.json()["result"])) < 24


@pytest.mark.parametrize("who", ["evaluator", "aarhus_caseworker"])
def test_unassigned_evaluator_and_municipality_get_404_and_no_studies(request, who, analysis):
    client = logged_in(request.getfixturevalue(who))
    assert client.get("/api/evaluation/studies").json() == []
    missing = Analysis.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    for hidden, absent in (
        (f"/api/evaluation/studies/{analysis.study_id}", f"/api/evaluation/studies/{missing}"),
        (f"/api/evaluation/analyses/{analysis.pk}", f"/api/evaluation/analyses/{missing}"),
    ):
        refused, not_there = client.get(hidden), client.get(absent)
        assert refused.status_code == not_there.status_code == 404
        assert refused.json() == not_there.json()  # no hint that the record exists


def test_anonymous_gets_401(analysis):
    client = Client()
    for url in (
        "/api/evaluation/studies",
        f"/api/evaluation/studies/{analysis.study_id}",
        f"/api/evaluation/analyses/{analysis.pk}",
    ):
        assert client.get(url).status_code == 401, url


def test_openapi_schema_lists_the_evaluation_paths(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert {
        "/api/evaluation/studies",
        "/api/evaluation/studies/{pk}",
        "/api/evaluation/analyses/{pk}",
    } <= set(paths)


def test_studies_query_count_does_not_grow_with_the_number_of_studies(
    assigned_evaluator, comparison, analysis, intervention, rounds, sdq, django_assert_max_num_queries
):
    client = logged_in(assigned_evaluator)
    with CaptureQueriesContext(connection) as one_study:
        assert len(client.get("/api/evaluation/studies").json()) == 1
    for index in range(6):
        study = make_study(
            intervention=intervention,
            rounds=rounds,
            instrument=sdq,
            name=f"Studie {index}",
            design=Design.QUASI,
            comparison_intervention=comparison,
        )
        Analysis.objects.create(
            study=study,
            method="matching",
            result={},
            n=1,
            inputs_hash="0" * 64,
            engine_version="x",
            seed=1,
            evidence_level=2,
            proposed_grade="C",
            grade="C",
        )
    with django_assert_max_num_queries(len(one_study.captured_queries)):
        rows = client.get("/api/evaluation/studies").json()
    assert len(rows) == 7 and all(r["newest_analysis_id"] for r in rows)
    assert len(one_study.captured_queries) <= 8
