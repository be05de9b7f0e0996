"""Reads of effect studies. Who sees a study: the agency and the steering group (portfolio), and the
people of an evaluator organisation assigned to the study's intervention. Municipality staff see none:
a study reads every municipality's (pseudonymised) scores."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from indsats.accounts.permissions import (
    MANAGE_STUDIES,
    VIEW_PORTFOLIO,
    has_permission,
    is_agency,
    organisation_ids_of,
)
from indsats.evaluation.models import Analysis, Study
from indsats.outcomes.models import EvaluatorAssignment


def assigned_intervention_ids(user: Any) -> set[int]:
    return set(
        EvaluatorAssignment.objects.filter(evaluator_id__in=organisation_ids_of(user)).values_list(
            "intervention_id", flat=True
        )
    )


def can_manage_studies_of(user: Any, intervention: Any) -> bool:
    """The agency, or an evaluator/economist whose organisation is assigned to the intervention."""
    if not has_permission(user, MANAGE_STUDIES):
        return False
    return is_agency(user) or intervention.pk in assigned_intervention_ids(user)


def can_read_all_studies(user: Any) -> bool:
    return has_permission(user, VIEW_PORTFOLIO) or (is_agency(user) and has_permission(user, MANAGE_STUDIES))


def studies(*, user: Any) -> QuerySet[Study]:
    rows = Study.objects.select_related("intervention", "instrument", "baseline_round", "follow_up_round")
    if can_read_all_studies(user):
        return rows
    if has_permission(user, MANAGE_STUDIES):
        return rows.filter(intervention_id__in=assigned_intervention_ids(user))
    return rows.none()


def study_detail(*, user: Any, pk: int) -> Study:
    """Raises Study.DoesNotExist for a study the person may not see (a 404, not a hint)."""
    return studies(user=user).select_related("comparison_intervention").get(pk=pk)


def can_see_study(user: Any, study: Study) -> bool:
    return studies(user=user).filter(pk=study.pk).exists()


def analysis_detail(*, user: Any, pk: int) -> Analysis:
    return Analysis.objects.select_related(
        "study",
        "study__intervention",
        "study__instrument",
        "study__baseline_round",
        "study__follow_up_round",
        "study__comparison_intervention",
    ).get(pk=pk, study__in=studies(user=user))


def latest_analysis(*, study: Study) -> Analysis | None:
    return study.analyses.order_by("-created_at", "-pk").first()


def latest_analysis_of_intervention(intervention: Any) -> Analysis | None:
    return (
        Analysis.objects.select_related("study")
        .filter(study__intervention=intervention)
        .order_by("-created_at", "-pk")
        .first()
    )


def manageable_interventions(*, user: Any) -> list[Any]:
    from indsats.interventions.models import Intervention

    rows = Intervention.objects.filter(measurement_rounds__isnull=False).distinct().order_by("name")
    if not has_permission(user, MANAGE_STUDIES):
        return []
    if is_agency(user):
        return list(rows)
    return list(rows.filter(pk__in=assigned_intervention_ids(user)))
