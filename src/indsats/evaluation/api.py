"""The evaluation API (django-ninja), read-only: effect studies and their stored analyses as JSON, for
evaluators who carry on in R or Stata. The same selectors as the pages, so the same scoping applies: the
agency and the steering group see every study, an evaluator the studies of the interventions assigned to
their organisation, municipality staff none. A study or analysis the person may not see is a 404 (no
hint that it exists). Only aggregates leave: the stored result, never a child's row or a CPR number."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from indsats.evaluation import selectors
from indsats.evaluation.disclosure import disclosed_result
from indsats.evaluation.models import Analysis, Study
from indsats.interventions.models import Intervention
from indsats.ui.api_schemas import FORBIDDEN, FORBIDDEN_OR_NOT_FOUND
from indsats.ui.converters import DatabaseId

router = Router(tags=["evaluation"])


class InterventionRefOut(Schema):
    id: int
    name: str


class InstrumentRefOut(Schema):
    key: str
    version: int


class StudyOut(Schema):
    id: int
    name: str
    intervention: InterventionRefOut
    design: str
    evidence_level: int
    instrument: InstrumentRefOut
    score_key: str
    baseline_round: str
    follow_up_round: str
    comparison_intervention: InterventionRefOut | None
    newest_analysis_id: int | None


class AnalysisSummaryOut(Schema):
    id: int
    created_at: datetime.datetime
    method: str
    n: int
    grade: str
    proposed_grade: str


class StudyDetailOut(StudyOut):
    analyses: list[AnalysisSummaryOut]


class ProvenanceOut(Schema):
    inputs_hash: str
    engine_version: str
    seed: int
    created_at: datetime.datetime


class AnalysisOut(Schema):
    id: int
    study_id: int
    method: str
    n: int
    result: dict[str, Any]
    warnings: list[Any]
    evidence_level: int
    proposed_grade: str
    grade: str
    grade_reason: str
    provenance: ProvenanceOut


def _intervention_ref(intervention: Intervention) -> InterventionRefOut:
    return InterventionRefOut(id=intervention.pk, name=intervention.name)


def _study_fields(study: Study, *, newest_analysis_id: int | None) -> dict[str, Any]:
    comparison = study.comparison_intervention
    return {
        "id": study.pk,
        "name": study.name,
        "intervention": _intervention_ref(study.intervention),
        "design": study.design,
        "evidence_level": study.evidence_level,
        "instrument": InstrumentRefOut(key=study.instrument.key, version=study.instrument.version),
        "score_key": study.score_key,
        "baseline_round": study.baseline_round.kind,
        "follow_up_round": study.follow_up_round.kind,
        "comparison_intervention": _intervention_ref(comparison) if comparison is not None else None,
        "newest_analysis_id": newest_analysis_id,
    }


@router.get("/studies", response={200: list[StudyOut], **FORBIDDEN})
def studies(request: HttpRequest) -> list[StudyOut]:
    newest = Analysis.objects.filter(study=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    rows = (
        selectors.studies(user=request.user)
        .select_related("comparison_intervention")
        .annotate(newest_analysis_id=Subquery(newest))
    )
    return [
        StudyOut(**_study_fields(s, newest_analysis_id=s.newest_analysis_id))  # type: ignore[attr-defined]
        for s in rows
    ]


@router.get("/studies/{pk}", response={200: StudyDetailOut, **FORBIDDEN_OR_NOT_FOUND})
def study(request: HttpRequest, pk: DatabaseId) -> StudyDetailOut:
    try:
        found = selectors.study_detail(user=request.user, pk=pk)
    except Study.DoesNotExist:
        raise HttpError(404, "Ikke fundet.") from None
    analyses = [
        AnalysisSummaryOut(
            id=a.pk,
            created_at=a.created_at,
            method=a.method,
            n=a.n,
            grade=a.grade,
            proposed_grade=a.proposed_grade,
        )
        for a in found.analyses.order_by("-created_at", "-pk")
    ]
    return StudyDetailOut(
        **_study_fields(found, newest_analysis_id=analyses[0].id if analyses else None), analyses=analyses
    )


@router.get("/analyses/{pk}", response={200: AnalysisOut, **FORBIDDEN_OR_NOT_FOUND})
def analysis(request: HttpRequest, pk: DatabaseId) -> AnalysisOut:
    try:
        found = selectors.analysis_detail(user=request.user, pk=pk)
    except Analysis.DoesNotExist:
        raise HttpError(404, "Ikke fundet.") from None
    return AnalysisOut(
        id=found.pk,
        study_id=found.study_id,
        method=found.method,
        n=found.n,
        result=disclosed_result(found.result),
        warnings=found.warnings,
        evidence_level=found.evidence_level,
        proposed_grade=found.proposed_grade,
        grade=found.grade,
        grade_reason=found.grade_reason,
        provenance=ProvenanceOut(
            inputs_hash=found.inputs_hash,
            engine_version=found.engine_version,
            seed=found.seed,
            created_at=found.created_at,
        ),
    )
