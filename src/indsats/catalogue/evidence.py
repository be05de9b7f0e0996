"""The catalogue's one reading of "the evidence on record" for an intervention.

`evidence_summary_for` is the single place the catalogue decides an intervention's evidence rating as a
whole. It publishes the evaluation app's evidence rating (`evaluation.rating.evidence_rating`: the
agency's decision, or the proposal from the studies on record) as the effect grade A-D with the rating's
level and its criteria as the reasons; with no analysed study it falls back on the knowledge
declaration's effect dimension. Nothing else in the catalogue decides a rating.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from indsats.evaluation.models import Analysis, RatingLevel
from indsats.evaluation.rating import evidence_rating
from indsats.interventions.models import Dimension, Intervention, KnowledgeDeclaration

GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class EvidenceSummary:
    """The rating of an intervention as a whole and what it rests on.

    Attributes:
        grade: "A" (best) to "D", or "" when nothing is on record.
        basis: where the grade comes from ("analysis", "declaration" or "none").
        reasons: sentences (Danish, in the active language) saying why.
        studies: the number of effect studies with an analysis.
    """

    grade: str
    basis: str
    reasons: list[str] = field(default_factory=list)
    studies: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "basis": self.basis, "reasons": self.reasons, "studies": self.studies}


def newest_analyses(intervention: Intervention) -> list[Analysis]:
    """The newest analysis of each effect study of the intervention, the best design first."""
    newest: dict[int, Analysis] = {}
    for analysis in (
        Analysis.objects.filter(study__intervention=intervention)
        .select_related("study", "study__instrument")
        .order_by("-created_at", "-pk")
    ):
        newest.setdefault(analysis.study_id, analysis)
    return sorted(newest.values(), key=lambda a: (a.evidence_level, GRADES.index(a.grade), a.pk))


def evidence_summary_for(intervention: Intervention) -> EvidenceSummary:
    """The evidence rating of the intervention as a whole, with its reasons."""
    rating = evidence_rating(intervention)
    analyses = newest_analyses(intervention)
    if rating.level != RatingLevel.NOT_RATED or rating.decided:
        reasons = [
            _("Evidensvurdering: %(code)s – %(label)s.") % {"code": rating.code, "label": rating.label}
        ]
        reasons += [
            (_("Opfyldt: %(criterion)s") if criterion.met else _("Ikke opfyldt: %(criterion)s"))
            % {"criterion": criterion.label}
            for criterion in rating.criteria
        ]
        if rating.decided and rating.reason:
            reasons.append(_("Styrelsens begrundelse: %(reason)s") % {"reason": rating.reason})
        return EvidenceSummary(
            grade=rating.effect_grade, basis="rating", reasons=reasons, studies=len(analyses)
        )
    if analyses:
        best = analyses[0]
        reasons = [
            _("Bedste studie: ”%(study)s” (evidensniveau %(level)s, %(design)s), vurderet %(grade)s.")
            % {
                "study": best.study.name,
                "level": best.evidence_level,
                "design": best.study.get_design_display(),
                "grade": best.grade,
            }
        ]
        if best.grade_reason:
            reasons.append(best.grade_reason)
        if len(analyses) > 1:
            reasons.append(_("%(count)s effektstudier i alt.") % {"count": len(analyses)})
        return EvidenceSummary(grade=best.grade, basis="analysis", reasons=reasons, studies=len(analyses))
    declaration = (
        KnowledgeDeclaration.objects.filter(intervention=intervention).prefetch_related("scores").first()
    )
    if declaration is not None:
        for score in declaration.scores.all():
            if score.dimension == Dimension.EFFECT:
                return EvidenceSummary(
                    grade=score.grade,
                    basis="declaration",
                    reasons=[
                        _("Ingen effektstudie i Indsats endnu. Vidensdeklarationens vurdering: %s")
                        % score.reason
                    ],
                )
    return EvidenceSummary(grade="", basis="none", reasons=[_("Der er endnu ingen viden om virkning.")])
