"""Reads of effect studies, analyses and dose and fidelity, scoped by evaluation.access (who sees which
study; what each person sees of the children's dose and fidelity)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from indsats.accounts.models import Organisation, User
from indsats.accounts.permissions import municipality_ids_of
from indsats.db.compiled_lookups import CompiledQuery
from indsats.evaluation import access
from indsats.evaluation.access import ExposureScope
from indsats.evaluation.models import Allocation, Analysis, Arm, Exposure, Study
from indsats.interventions.models import Intervention
from indsats.outcomes.models import Instrument, Measurement, MeasurementRound, Participant
from indsats.outcomes.pseudonyms import export_code
from indsats.outcomes.selectors import interventions_with_rounds


def intervention(*, pk: int) -> Intervention | None:
    return Intervention.objects.filter(pk=pk).first()


def studies(*, user: User | AnonymousUser) -> QuerySet[Study]:
    rows = Study.objects.select_related("intervention", "instrument", "baseline_round", "follow_up_round")
    if access.can_read_all_studies(user):
        return rows
    if access.can_manage_studies(user):
        return rows.filter(intervention_id__in=access.assigned_intervention_ids(user))
    return rows.none()


def study_list(*, user: User | AnonymousUser) -> QuerySet[Any]:
    """The study list's rows, newest first, as tuples of what the list shows: (id, name, the
    intervention's name, design, number of analyses). The analyses are counted by a subquery, so neither
    the page nor its count groups the joined rows of the study's instrument and rounds; an assigned
    evaluator's interventions are read inside the same query (`access.assigned_interventions`)."""
    analyses = (
        Analysis.objects.filter(study=OuterRef("pk"))
        .order_by()
        .values("study")
        .annotate(n=Count("pk"))
        .values("n")
    )
    if access.can_read_all_studies(user):
        rows = Study.objects.all()
    elif access.can_manage_studies(user):
        rows = Study.objects.filter(intervention_id__in=access.assigned_interventions(user))
    else:
        rows = Study.objects.none()
    return (
        rows.annotate(analysis_count=Coalesce(Subquery(analyses, output_field=IntegerField()), 0))
        .order_by("-created_at", "-pk")
        .values_list("pk", "name", "intervention__name", "design", "analysis_count")
    )


def study_detail(*, user: User | AnonymousUser, pk: int) -> Study:
    """Raises Study.DoesNotExist for a study the person may not see (a 404, not a hint)."""
    return studies(user=user).select_related("comparison_intervention").get(pk=pk)


def practice_studies(*, user: User | AnonymousUser) -> QuerySet[Study]:
    """The studies of the interventions the person's municipalities take part in (access.py)."""
    if not access.can_read_practice_evaluation(user):
        return Study.objects.none()
    return studies_of_interventions(access.practice_intervention_ids(user)).select_related(
        "intervention", "instrument", "baseline_round", "follow_up_round"
    )


def studies_of_interventions(intervention_ids: Collection[int]) -> QuerySet[Study]:
    """The studies of these interventions, by the intervention's name and then their own."""
    return Study.objects.filter(intervention_id__in=intervention_ids).order_by("intervention__name", "name")


def practice_study_detail(*, user: User | AnonymousUser, pk: int) -> Study:
    """Raises Study.DoesNotExist for a study outside the person's practice (a 404, not a hint)."""
    return practice_studies(user=user).select_related("comparison_intervention").get(pk=pk)


def practice_analysis_detail(*, user: User | AnonymousUser, pk: int) -> Analysis:
    if not access.can_read_practice_evaluation(user):
        raise Analysis.DoesNotExist
    # the interventions as a list, not `study__in=practice_studies(...)`: a subquery on the study beside
    # the report's six joins makes PostgreSQL's planner search join orders for tens of milliseconds
    return analyses_with_study().get(pk=pk, study__intervention_id__in=access.practice_intervention_ids(user))


def own_municipality_names(*, user: User | AnonymousUser) -> set[str]:
    """The names of the person's municipalities: the rows of a report's municipality table they read."""
    return set(Organisation.objects.filter(pk__in=municipality_ids_of(user)).values_list("name", flat=True))


def analyses_with_study() -> QuerySet[Analysis]:
    """Analyses with the study rows a report reads (intervention, instrument, rounds, comparison), without
    the instrument's definition (some 15 kB of JSON a row: the engine's instrument is parsed once per
    process from its own read, outcomes.registry.engine_instrument)."""
    return Analysis.objects.select_related(
        "study",
        "study__intervention",
        "study__instrument",
        "study__baseline_round",
        "study__follow_up_round",
        "study__comparison_intervention",
    ).defer("study__instrument__definition")


# the report's read of one analysis with its study's six tables: compiled once per process (compiling it
# cost more than the database's answer)
_ANALYSIS_WITH_STUDY = CompiledQuery(lambda pk: analyses_with_study().filter(pk=pk))


def _analysis_with_study(pk: int) -> Analysis:
    found = _ANALYSIS_WITH_STUDY.rows(pk)
    if not found:
        raise Analysis.DoesNotExist
    return found[0]


def analysis_detail(*, user: User | AnonymousUser, pk: int) -> Analysis:
    """Raises Analysis.DoesNotExist for an analysis of a study the person may not see (as `studies`)."""
    # the person's interventions checked on the row read, not in SQL: beside the report's six joins a
    # subquery on the study made PostgreSQL's planner search join orders for tens of milliseconds, and a
    # list of ids still took it some four milliseconds (against under one without)
    if access.can_read_all_studies(user):
        return _analysis_with_study(pk)
    if access.can_manage_studies(user):
        analysis = _analysis_with_study(pk)
        if analysis.study.intervention_id in access.assigned_intervention_ids(user):
            return analysis
    raise Analysis.DoesNotExist


def analysis_detail_with_management(*, user: User | AnonymousUser, pk: int) -> tuple[Analysis, bool]:
    """`analysis_detail` and whether the person manages the analysis' study (`access.
    can_manage_studies_of`), an assigned evaluator's assignments read once for both."""
    if access.can_read_all_studies(user):
        analysis = _analysis_with_study(pk)
        return analysis, access.can_manage_studies_of(user, analysis.study.intervention)
    if access.can_manage_studies(user):
        analysis = _analysis_with_study(pk)
        if analysis.study.intervention_id in access.assigned_intervention_ids(user):
            return analysis, True  # an assigned study manager: can_manage_studies_of's own answer
    raise Analysis.DoesNotExist


def latest_analysis(*, study: Study) -> Analysis | None:
    return study.analyses.order_by("-created_at", "-pk").first()


def latest_analysis_of_intervention(intervention: Intervention) -> Analysis | None:
    return (
        Analysis.objects.select_related("study")
        .filter(study__intervention=intervention)
        .order_by("-created_at", "-pk")
        .first()
    )


def manageable_interventions(*, user: User | AnonymousUser) -> QuerySet[Any]:
    """The interventions with measurement rounds whose studies the person may manage, by name, as
    (id, name) tuples (the list links to them); an assigned evaluator's interventions are read inside
    the same query (`access.assigned_interventions`)."""
    rows = interventions_with_rounds().order_by("name", "pk").values_list("pk", "name")
    if not access.can_manage_studies(user):
        return rows.none()
    if access.manages_every_intervention(user):
        return rows
    return rows.filter(pk__in=access.assigned_interventions(user))


# --- dose and fidelity (Exposure), scoped to who is asking (access.exposure_scope) ---------------------


def participants_in_scope(scope: ExposureScope) -> QuerySet[Participant]:
    """The children enrolled in the intervention that the scope covers."""
    rows = Participant.objects.filter(enrolments__intervention=scope.intervention).select_related(
        "municipality"
    )
    if scope.municipality_ids is not None:
        rows = rows.filter(municipality_id__in=scope.municipality_ids)
    return rows.order_by("municipality__name", "pseudonym")


def participant_code(scope: ExposureScope, participant: Participant, key: bytes) -> str:
    """The code a person knows the child by: the short pseudonym (municipality) or the export code."""
    if scope.mode == "municipality":
        return participant.short_code
    return export_code(participant.pseudonym, scope.intervention.pk, key)


@dataclass(frozen=True)
class MunicipalitySummary:
    """How many of a municipality's children in the intervention have a dose and a fidelity recorded."""

    name: str
    children: int
    with_sessions: int
    with_fidelity: int
    mean_sessions: float | None
    mean_fidelity: float | None

    @property
    def without_sessions(self) -> int:
        return self.children - self.with_sessions

    @property
    def without_fidelity(self) -> int:
        return self.children - self.with_fidelity


def _summary(name: str, children: list[int], exposures: dict[int, Exposure]) -> MunicipalitySummary:
    sessions = [e.sessions for pid in children if (e := exposures.get(pid)) and e.sessions is not None]
    fidelity = [e.fidelity for pid in children if (e := exposures.get(pid)) and e.fidelity is not None]
    return MunicipalitySummary(
        name=name,
        children=len(children),
        with_sessions=len(sessions),
        with_fidelity=len(fidelity),
        mean_sessions=sum(sessions) / len(sessions) if sessions else None,
        mean_fidelity=sum(fidelity) / len(fidelity) if fidelity else None,
    )


def municipality_summaries(scope: ExposureScope) -> tuple[list[MunicipalitySummary], MunicipalitySummary]:
    """Per municipality in the scope, and for all municipalities in the intervention together (counts and
    means only: no child can be told apart in them)."""
    enrolled = Participant.objects.filter(enrolments__intervention=scope.intervention).values_list(
        "pk", "municipality_id"
    )
    by_municipality: dict[int, list[int]] = {}
    for participant_id, municipality_id in enrolled:
        by_municipality.setdefault(municipality_id, []).append(participant_id)
    exposures = {e.participant_id: e for e in Exposure.objects.filter(intervention=scope.intervention)}
    names = dict(Organisation.objects.filter(pk__in=list(by_municipality)).values_list("pk", "name"))
    visible = [
        municipality_id
        for municipality_id in by_municipality
        if scope.municipality_ids is None or municipality_id in scope.municipality_ids
    ]
    rows = sorted(
        (_summary(names[m], by_municipality[m], exposures) for m in visible), key=lambda row: row.name
    )
    everyone = [pid for children in by_municipality.values() for pid in children]
    return rows, _summary("", everyone, exposures)


@dataclass(frozen=True)
class ChildRow:
    participant_id: int
    code: str
    municipality: str
    sessions: int | None
    fidelity: float | None


def children_shown(scope: ExposureScope) -> QuerySet[Participant]:
    """The children the person may see one by one (none for the agency: aggregates only), by municipality
    and pseudonym; a page of them becomes rows with `rows_for_children`."""
    if not scope.shows_children:
        return Participant.objects.none()
    return participants_in_scope(scope).order_by("municipality__name", "pseudonym", "pk")


def rows_for_children(scope: ExposureScope, participants: list[Participant], key: bytes) -> list[ChildRow]:
    """The rows of these children (a page of `children_shown`), with their values: one query."""
    exposures = {
        exposure.participant_id: exposure
        for exposure in Exposure.objects.filter(
            intervention=scope.intervention, participant_id__in=[p.pk for p in participants]
        )
    }
    rows = []
    for participant in participants:
        exposure = exposures.get(participant.pk)
        rows.append(
            ChildRow(
                participant_id=participant.pk,
                code=participant_code(scope, participant, key),
                municipality=participant.municipality.name,
                sessions=exposure.sessions if exposure else None,
                fidelity=exposure.fidelity if exposure else None,
            )
        )
    return rows


def participant_by_code(scope: ExposureScope, code: str, key: bytes) -> Participant | None:
    """The child in the scope whose export code (evaluators, the agency) is ``code``."""
    wanted = code.strip().lower()
    for participant in participants_in_scope(scope):
        if participant_code(scope, participant, key) == wanted:
            return participant
    return None


# --- randomisation --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StratumPositions:
    """How far a stratum's allocation list is used; the arms of unused positions stay concealed."""

    stratum: str
    total: int
    used: int
    intervention: int
    comparison: int


def randomisation_positions(study: Study) -> list[StratumPositions]:
    """Positions per stratum: total, used, and the arms of the used ones only (concealment)."""
    rows = (
        Allocation.objects.filter(randomisation__study=study)
        .values("stratum")
        .annotate(
            total=Count("pk"),
            used=Count("pk", filter=Q(participant__isnull=False)),
            intervention=Count("pk", filter=Q(participant__isnull=False, arm=Arm.INTERVENTION)),
            comparison=Count("pk", filter=Q(participant__isnull=False, arm=Arm.COMPARISON)),
        )
        .order_by("stratum")
    )
    return [StratumPositions(**row) for row in rows]


def allocations_revealed_to(*, user: User | AnonymousUser, study: Study) -> QuerySet[Allocation]:
    """The allocations a municipality's staff have revealed by enrolling their own children."""
    return (
        Allocation.objects.filter(
            randomisation__study=study,
            participant__isnull=False,
            participant__municipality_id__in=municipality_ids_of(user),
        )
        .select_related("participant")
        .order_by("-allocated_at")
    )


def children_to_enrol(*, user: User | AnonymousUser, study: Study) -> QuerySet[Participant]:
    """The person's own municipality's children not yet in the study's intervention or comparison group."""
    groups = [study.intervention_id, study.comparison_intervention_id]
    return (
        Participant.objects.filter(municipality_id__in=municipality_ids_of(user))
        .exclude(enrolments__intervention_id__in=[g for g in groups if g is not None])
        .order_by("pseudonym")
    )


def randomised_studies_for_enrolment(*, user: User | AnonymousUser) -> QuerySet[Study]:
    """Randomised studies with a list on record, for municipality staff who register children."""
    if not municipality_ids_of(user):
        return Study.objects.none()
    return Study.objects.filter(randomisation__isnull=False).select_related("intervention").order_by("name")


# --- what an effect study can be built on -----------------------------------------------------------


def paired_children(*, instrument: Instrument, rounds: tuple[MeasurementRound, MeasurementRound]) -> int:
    """How many children are measured with the instrument in both rounds (the pairs a study can use)."""
    before, after = rounds
    followed = Measurement.objects.filter(round=after, instrument=instrument).values("participant")
    return (
        Measurement.objects.filter(round=before, instrument=instrument, participant__in=followed)
        .values("participant")
        .distinct()
        .count()
    )
