"""Who may see a record of this app (its detail page and its audit history). Registered in ready()."""

from __future__ import annotations

from typing import Any

from indsats.accounts.permissions import register_visibility_rule
from indsats.interventions.models import (
    ChecklistItem,
    Contact,
    EvidenceReference,
    GateDecision,
    GateReview,
    Intervention,
    JoinRequest,
    KnowledgeDeclaration,
    Material,
    Partnership,
    PhaseRecord,
    PracticeAssessment,
)
from indsats.interventions.selectors import (
    can_view_intervention,
    can_view_practice_assessment,
    sees_portfolio,
)


def _via_intervention(user: Any, obj: Any) -> bool:
    return can_view_intervention(user, obj.intervention)


register_visibility_rule(Intervention, can_view_intervention)
for model in (Partnership, Contact, EvidenceReference, Material, PhaseRecord, KnowledgeDeclaration):
    register_visibility_rule(model, _via_intervention)
register_visibility_rule(
    ChecklistItem, lambda user, item: can_view_intervention(user, item.phase_record.intervention)
)
register_visibility_rule(GateReview, lambda user, review: sees_portfolio(user))
register_visibility_rule(GateDecision, lambda user, decision: sees_portfolio(user))
register_visibility_rule(JoinRequest, lambda user, request: sees_portfolio(user))
register_visibility_rule(PracticeAssessment, can_view_practice_assessment)
