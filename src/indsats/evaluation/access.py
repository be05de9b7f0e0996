"""What a person may do with effect studies, analyses and dose and fidelity now: the evaluation app's one
home of can_*/require_*. Views and services ask here, never restate a rule; selectors scope by it.

Who sees a study: the agency and the steering group (the portfolio), and the people of an evaluator
organisation assigned to the study's intervention. Municipality staff (managers and caseworkers) read the
studies of the interventions their municipality takes part in (a partner, or with enrolled children: its
practice), through the study page and the analysis reports only (`can_read_practice_study`): the report
shows the pooled results and, of the subgroup table by municipality, their own rows, all after disclosure
control. Another municipality's practice is a 404. They see neither the cross-practice report, the API nor
the randomisation positions. Who manages (creates, analyses, grades) a study: the agency, and the
evaluators and economists of an organisation assigned to the intervention.

Who may record a child's dose and fidelity in an intervention, and see what (ExposureScope):

* the agency and the evaluators assigned to the intervention (can_manage_studies_of): every
  municipality's children. The agency sees aggregates only (never a single child); an assigned evaluator
  also sees the children by the ``deltager`` code of their exports.
* municipality staff who register participants (RECORD_OUTCOMES): their own municipality's children in
  the intervention, by the short pseudonym shown elsewhere in Indsats, and only when at least one of
  their children takes part (otherwise the page does not exist for them: a 404, not a hint).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import QuerySet

from indsats.accounts.models import User
from indsats.accounts.permissions import (
    MANAGE_STUDIES,
    RECORD_OUTCOMES,
    VIEW_PORTFOLIO,
    has_permission,
    is_agency,
    municipality_ids_of,
    organisation_ids_of,
)
from indsats.audit.models import AuditEntry
from indsats.db import compiled_queries
from indsats.evaluation.models import Exposure, Study
from indsats.interventions.models import Intervention, Partnership
from indsats.outcomes.models import Enrolment, EvaluatorAssignment, Participant

# --- effect studies ------------------------------------------------------------------------------------


def assigned_intervention_ids(user: User | AnonymousUser) -> set[int]:
    """The interventions the person's evaluator organisations are assigned to (asked by every page of an
    assigned evaluator: a query compiled once per process and number of organisations)."""
    organisations = tuple(sorted(organisation_ids_of(user)))
    if not organisations:  # as the ORM: no query for an empty `__in`
        return set()
    rows = compiled_queries.rows("evaluation assigned interventions", _assignments, {"ids": organisations})
    return {intervention_id for (intervention_id,) in rows}


def _assignments(values: compiled_queries.Values) -> QuerySet[EvaluatorAssignment, Any]:
    return EvaluatorAssignment.objects.filter(evaluator_id__in=values["ids"]).values_list("intervention_id")


def assigned_interventions(user: User | AnonymousUser) -> QuerySet[EvaluatorAssignment, Any]:
    """`assigned_intervention_ids` as a subquery (its one column, `intervention_id`), for a list read in
    one query with them."""
    return EvaluatorAssignment.objects.filter(evaluator_id__in=organisation_ids_of(user)).values(
        "intervention_id"
    )


def can_use_evaluation(user: User | AnonymousUser) -> bool:
    """Manages studies or follows the portfolio: the evaluation pages are for them."""
    return has_permission(user, MANAGE_STUDIES) or has_permission(user, VIEW_PORTFOLIO)


def require_evaluation_access(user: User | AnonymousUser) -> None:
    if not can_use_evaluation(user):
        raise PermissionDenied("evaluation")


def can_manage_studies(user: User | AnonymousUser) -> bool:
    """Manages the studies of some interventions (which ones: `can_manage_studies_of`)."""
    return has_permission(user, MANAGE_STUDIES)


def manages_every_intervention(user: User | AnonymousUser) -> bool:
    """The agency's study managers manage the studies of every intervention."""
    return can_manage_studies(user) and is_agency(user)


def can_manage_studies_of(user: User | AnonymousUser, intervention: Intervention) -> bool:
    """The agency, or an evaluator/economist whose organisation is assigned to the intervention."""
    if not can_manage_studies(user):
        return False
    return manages_every_intervention(user) or intervention.pk in assigned_intervention_ids(user)


def require_study_manager(user: User | AnonymousUser, intervention: Intervention) -> None:
    if not can_manage_studies_of(user, intervention):
        raise PermissionDenied("evaluation.manage_studies")


def can_read_all_studies(user: User | AnonymousUser) -> bool:
    """The portfolio (agency, steering group) and the agency's study managers read every study."""
    return has_permission(user, VIEW_PORTFOLIO) or manages_every_intervention(user)


def can_see_study(user: User | AnonymousUser, study: Study) -> bool:
    """Every study for the portfolio; an assigned evaluator the studies of their interventions."""
    if can_read_all_studies(user):
        return True
    return can_manage_studies(user) and study.intervention_id in assigned_intervention_ids(user)


def practice_intervention_ids(user: User | AnonymousUser) -> set[int]:
    """The interventions the person's municipalities take part in: as a partner, or with children
    enrolled (municipality staff only; empty for everyone else). One query whose answer has a row per
    intervention, not one per child."""
    own = municipality_ids_of(user)
    if not own:
        return set()
    # Asked by several panels of one page (studies, business cases, the practice list): the answer is kept
    # on the user object, which lives for one request, for the municipalities it was asked for.
    cached: tuple[frozenset[int], frozenset[int]] | None = getattr(user, _PRACTICE_CACHE_ATTRIBUTE, None)
    if cached is not None and cached[0] == own:
        return set(cached[1])
    found = frozenset(_partnered_or_enrolled(sorted(own)))
    setattr(user, _PRACTICE_CACHE_ATTRIBUTE, (own, found))
    return set(found)


_PRACTICE_CACHE_ATTRIBUTE = "_indsats_practice_intervention_ids"


def _partnered_or_enrolled(municipality_ids: list[int]) -> list[int]:
    """The interventions the municipalities are partners in or have children enrolled in, in one query.

    The enrolled ones by a skip scan of the (municipality, intervention) index: from each intervention
    found, the next is the smallest greater id, one index probe each; so the query reads a row per
    intervention, not one per enrolled child (a municipality has tens of thousands)."""
    partnership, enrolment = Partnership._meta.db_table, Enrolment._meta.db_table
    ctes, selects, params = [], [], []
    for number, municipality_id in enumerate(municipality_ids):
        name = f"enrolled_{number}"
        ctes.append(
            f"{name}(intervention_id) AS ("  # noqa: S608 (table names and placeholders only)
            f"SELECT (SELECT MIN(intervention_id) FROM {enrolment} WHERE municipality_id = %s) "
            f"UNION ALL SELECT (SELECT MIN(e.intervention_id) FROM {enrolment} e"
            f" WHERE e.municipality_id = %s AND e.intervention_id > {name}.intervention_id) "
            f"FROM {name} WHERE {name}.intervention_id IS NOT NULL)"
        )
        selects.append(f"SELECT intervention_id FROM {name} WHERE intervention_id IS NOT NULL")  # noqa: S608
        params += [municipality_id, municipality_id]
    placeholders = ", ".join(["%s"] * len(municipality_ids))
    selects.append(
        f"SELECT intervention_id FROM {partnership} WHERE municipality_id IN ({placeholders})"  # noqa: S608
    )
    params += municipality_ids
    with connection.cursor() as cursor:
        cursor.execute(f"WITH RECURSIVE {', '.join(ctes)} {' UNION '.join(selects)}", params)
        return [pk for (pk,) in cursor.fetchall()]


def can_read_practice_evaluation(user: User | AnonymousUser) -> bool:
    """Municipality staff who register children (managers, caseworkers) read their practice's studies."""
    return has_permission(user, RECORD_OUTCOMES) and bool(municipality_ids_of(user))


def can_read_practice_study(user: User | AnonymousUser, study: Study) -> bool:
    """A study of an intervention the person's municipality takes part in (and not already readable as
    the portfolio or an evaluator: then `can_see_study` holds and the full view applies)."""
    return can_read_practice_evaluation(user) and study.intervention_id in practice_intervention_ids(user)


def require_study_reader(user: User | AnonymousUser, study: Study) -> None:
    if not can_see_study(user, study):
        raise PermissionDenied("evaluation")


# --- dose and fidelity ---------------------------------------------------------------------------------

Mode = Literal["agency", "evaluator", "municipality"]


@dataclass(frozen=True)
class ExposureScope:
    """What a person may do with dose and fidelity in one intervention."""

    intervention: Intervention
    mode: Mode
    municipality_ids: frozenset[int] | None  # None: every municipality

    @property
    def uses_cpr(self) -> bool:
        """Municipality staff identify their children by CPR number (or the short pseudonym)."""
        return self.mode == "municipality"

    @property
    def shows_children(self) -> bool:
        return self.mode != "agency"

    def covers(self, participant: Participant) -> bool:
        """The child belongs to a municipality of the scope."""
        return self.municipality_ids is None or participant.municipality_id in self.municipality_ids


def exposure_scope(user: User | AnonymousUser, intervention: Intervention) -> ExposureScope | None:
    """What the person may do with dose and fidelity in the intervention; None: nothing (a 404)."""
    if can_manage_studies_of(user, intervention):
        return ExposureScope(intervention, "agency" if is_agency(user) else "evaluator", None)
    if not has_permission(user, RECORD_OUTCOMES):
        return None
    own = municipality_ids_of(user)
    if (
        not own
        or not Participant.objects.filter(
            municipality_id__in=own, enrolments__intervention=intervention
        ).exists()
    ):
        return None
    return ExposureScope(intervention, "municipality", own)


def require_exposure_scope(user: User | AnonymousUser, intervention: Intervention) -> ExposureScope:
    """The person's scope for dose and fidelity in the intervention, or PermissionDenied."""
    scope = exposure_scope(user, intervention)
    if scope is None:
        raise PermissionDenied("evaluation.exposure")
    return scope


def require_child_in_scope(scope: ExposureScope, participant: Participant) -> None:
    """Municipality staff record only their own municipality's children."""
    if not scope.covers(participant):
        raise PermissionDenied("municipality")


# --- randomisation and the evidence rating --------------------------------------------------------------


def can_enrol_randomised(user: User | AnonymousUser, study: Study, participant: Participant) -> bool:
    """Who may enrol a child into a randomised study (and so reveal its allocation): the study's managers,
    and municipality staff who register participants, for their own municipality's children."""
    if can_manage_studies_of(user, study.intervention):
        return True
    return has_permission(user, RECORD_OUTCOMES) and participant.municipality_id in municipality_ids_of(user)


def require_enrol_randomised(user: User | AnonymousUser, study: Study, participant: Participant) -> None:
    if not can_enrol_randomised(user, study, participant):
        raise PermissionDenied("evaluation.enrol")


def can_see_rating(user: User | AnonymousUser, intervention: Intervention) -> bool:
    """The rating's page: the portfolio, and the managers of the intervention's studies."""
    return can_read_all_studies(user) or can_manage_studies_of(user, intervention)


def can_decide_rating(user: User | AnonymousUser) -> bool:
    """The agency's study managers set an intervention's evidence rating where it departs from the
    proposal."""
    return manages_every_intervention(user)


def require_rating_decider(user: User | AnonymousUser) -> None:
    if not can_decide_rating(user):
        raise PermissionDenied("evaluation.rating")


def may_read_exposure_values(user: User | AnonymousUser, entry: AuditEntry) -> bool:
    """Whether the person reads a child's dose and fidelity in the audit history (registered for the
    history pages in apps.py): the child's own municipality only."""
    own = municipality_ids_of(user)
    if not own:
        return False
    participant_id = entry.changes.get("participant") if isinstance(entry.changes, dict) else None
    if not isinstance(participant_id, int):
        participant_id = (
            Exposure.objects.filter(pk=entry.object_id).values_list("participant_id", flat=True).first()
        )
    if participant_id is None:
        return False
    return Participant.objects.filter(pk=participant_id, municipality_id__in=own).exists()
