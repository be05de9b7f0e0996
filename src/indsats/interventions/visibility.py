"""Who may see a record of this app (its detail page and its audit history), as access.py decides.
Registered with accounts.permissions on import, from the app's ready()."""

from __future__ import annotations

from typing import Any

from indsats.accounts.models import Visitor
from indsats.accounts.permissions import municipality_ids_of, register_visibility_rule
from indsats.interventions.access import (
    can_view_gate_review,
    can_view_intervention,
    can_view_practice_assessment,
    sees_portfolio,
)
from indsats.interventions.models import (
    ChecklistItem,
    Contact,
    DecisionCondition,
    EvidenceReference,
    FactsSnapshot,
    GateDecision,
    GateReview,
    Intervention,
    JoinRequest,
    KnowledgeDeclaration,
    Material,
    OperationReport,
    Partnership,
    PhaseRecord,
    PracticeAssessment,
)


def _via_intervention(user: Visitor, obj: Any) -> bool:
    return can_view_intervention(user, obj.intervention)


register_visibility_rule(Intervention, can_view_intervention)
for model in (Partnership, Contact, EvidenceReference, Material, PhaseRecord, KnowledgeDeclaration):
    register_visibility_rule(model, _via_intervention)
register_visibility_rule(
    ChecklistItem, lambda user, item: can_view_intervention(user, item.phase_record.intervention)
)
register_visibility_rule(GateReview, can_view_gate_review)
register_visibility_rule(GateDecision, lambda user, decision: sees_portfolio(user))
register_visibility_rule(JoinRequest, lambda user, request: sees_portfolio(user))
register_visibility_rule(PracticeAssessment, can_view_practice_assessment)
register_visibility_rule(FactsSnapshot, lambda user, basis: sees_portfolio(user))
register_visibility_rule(DecisionCondition, lambda user, condition: sees_portfolio(user))
register_visibility_rule(
    OperationReport,
    lambda user, report: (
        sees_portfolio(user) or report.partnership.municipality_id in municipality_ids_of(user)
    ),
)
