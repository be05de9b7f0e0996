"""The evidence rating of an intervention as a whole: proposed by Indsats from the recorded studies, with
the criteria met and unmet, and overridable by the agency with a reason (``services.decide_rating``).

The levels learn from the clearinghouses practitioners use (docs/DOMAIN.md): the Early Intervention
Foundation's levels 2-4 with a "+" for an effect that lasted a year, "NL2" and "NE"; Blueprints' rule
that any evidence of harm disqualifies and that the top level needs an independent replication and an
effect sustained 12 months; CEBC's "not able to be rated". From the newest analysis of each effect
study of the intervention:

* ``NR`` (kan ikke vurderes): no analysed study.
* ``NE`` (skadelig eller uden virkning): a study found harm, i.e. its whole 95 % interval lies on the
  side of deterioration.
* ``4`` (veldokumenteret): a favourable effect (the whole interval on the side of improvement) in a
  randomised study on record, replicated: at least two controlled studies (level 1 or 2) with a
  favourable effect, at least one of them independent of the intervention's developers.
* ``3`` (dokumenteret): a favourable effect in at least one controlled study (level 1 or 2).
* ``2`` (foreløbig): a favourable effect only in before-after studies (level 3).
* ``NL2`` (virkning ikke påvist): studies, but none with a favourable effect.

The "+" (``lasting``): a favourable study counted for the level measured its follow-up at least 12
months after the baseline. A randomised design counts as level 1 only with its randomisation on record
(``Study.randomisation_problems``). The effect dimension of the knowledge declaration is proposed from
the level: A for 4, and for 3 resting on a randomised study; B for 3 otherwise; C for 2; D for the rest.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from indsats.evaluation.estimation import is_favourable
from indsats.evaluation.models import Analysis, RatingDecision, RatingLevel, Study
from indsats.outcomes.models import RoundKind
from indsats.outcomes.registry import engine_instrument

if TYPE_CHECKING:
    from indsats.accounts.models import User
    from indsats.interventions.models import Intervention

LASTING_DAYS = 365
"""An effect lasted when the follow-up opened at least this many days after the baseline (or is the
12-month round)."""


@dataclass(frozen=True)
class RatingCriterion:
    """One criterion of the rating: its code, its name in Danish, whether it is met, and why."""

    code: str
    label: str
    met: bool
    detail: str


@dataclass(frozen=True)
class StudyEvidence:
    """What the rating reads from one study's newest analysis."""

    study: Study
    analysis: Analysis
    level: int
    favourable: bool
    harmful: bool
    lasting: bool
    randomisation_problems: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceRating:
    """The evidence rating of an intervention: the agency's decision where there is one, else the proposal.

    ``level`` is a ``RatingLevel`` value ("4", "3", "2", "NL2", "NE", "NR"), ``label`` its Danish name,
    ``lasting`` the "+" of an effect that lasted at least 12 months, ``code`` both together ("3+").
    ``criteria`` are the proposal's criteria, met and unmet, with their reasons; ``effect_grade`` the
    proposed effect dimension (A-D) of the knowledge declaration. ``decided`` says whether the agency
    set the level, with ``reason``, ``decided_by`` and ``decided_at``; ``proposed_level`` and
    ``proposed_lasting`` are always Indsats' proposal.
    """

    level: str
    label: str
    lasting: bool
    effect_grade: str
    criteria: tuple[RatingCriterion, ...]
    proposed_level: str
    proposed_lasting: bool
    decided: bool = False
    reason: str = ""
    decided_by: User | None = None
    decided_at: datetime.datetime | None = None

    @property
    def code(self) -> str:
        return self.level + ("+" if self.lasting else "")

    @property
    def criteria_met(self) -> tuple[RatingCriterion, ...]:
        return tuple(c for c in self.criteria if c.met)

    @property
    def criteria_unmet(self) -> tuple[RatingCriterion, ...]:
        return tuple(c for c in self.criteria if not c.met)


def _is_harmful(result: dict[str, object], *, higher_is_better: bool) -> bool:
    """The whole interval on the side of deterioration."""
    low, high = result.get("ci_low"), result.get("ci_high")
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        return False
    return bool(high < 0) if higher_is_better else bool(low > 0)


def _is_lasting(study: Study) -> bool:
    if study.follow_up_round.kind == RoundKind.MONTH_12:
        return True
    gap = study.follow_up_round.opens_on - study.baseline_round.opens_on
    return gap.days >= LASTING_DAYS


def study_evidence(intervention: Intervention) -> list[StudyEvidence]:
    """The newest analysis of each effect study of the intervention, read for the rating."""
    studies = Study.objects.filter(intervention=intervention).select_related(
        "instrument", "baseline_round", "follow_up_round"
    )
    found = []
    for study in studies:
        analysis = study.analyses.order_by("-created_at", "-pk").first()
        if analysis is None:
            continue
        higher_is_better = (
            engine_instrument(study.instrument).direction(study.score_key) == "higher_is_better"
        )
        problems = tuple(study.randomisation_problems())
        level = max(analysis.evidence_level, 2 if problems else study.design_level)
        found.append(
            StudyEvidence(
                study=study,
                analysis=analysis,
                level=level,
                favourable=is_favourable(analysis.result, higher_is_better=higher_is_better),
                harmful=_is_harmful(analysis.result, higher_is_better=higher_is_better),
                lasting=_is_lasting(study),
                randomisation_problems=problems,
            )
        )
    return found


def _names(evidence: list[StudyEvidence]) -> str:
    return ", ".join(f"“{e.study.name}”" for e in evidence) or "-"


def proposed_rating(intervention: Intervention) -> EvidenceRating:
    """Indsats' proposal from the recorded studies, with every criterion and its reason."""
    evidence = study_evidence(intervention)
    controlled = [e for e in evidence if e.level <= 2]
    favourable_controlled = [e for e in controlled if e.favourable]
    favourable_randomised = [e for e in favourable_controlled if e.level == 1]
    favourable_any = [e for e in evidence if e.favourable]
    harmful = [e for e in evidence if e.harmful]
    replicated = len(favourable_controlled) >= 2 and any(
        e.study.is_independent for e in favourable_controlled
    )
    best = min((e.level for e in evidence), default=None)

    if not evidence:
        level = RatingLevel.NOT_RATED
    elif harmful:
        level = RatingLevel.HARMFUL
    elif favourable_randomised and replicated:
        level = RatingLevel.WELL_SUPPORTED
    elif favourable_controlled:
        level = RatingLevel.SUPPORTED
    elif favourable_any:
        level = RatingLevel.PRELIMINARY
    else:
        level = RatingLevel.NOT_SHOWN
    counted = {
        RatingLevel.WELL_SUPPORTED: favourable_controlled,
        RatingLevel.SUPPORTED: favourable_controlled,
        RatingLevel.PRELIMINARY: favourable_any,
    }.get(level, [])
    lasting_studies = [e for e in counted if e.lasting]

    criteria = [
        RatingCriterion(
            "design",
            _("Studiets design"),
            best is not None and best <= 2,
            _("Intet analyseret effektstudie.")
            if best is None
            else _(
                "Bedste design har evidensniveau %(level)s (1 lodtrukket, 2 med kontrolgruppe, 3 før-efter)."
            )
            % {"level": best},
        )
    ]
    randomised = [e for e in evidence if e.study.design_level == 1]
    if randomised:
        problems = [f"“{e.study.name}”: {p}" for e in randomised for p in e.randomisation_problems]
        criteria.append(
            RatingCriterion(
                "randomisation",
                _("Lodtrækning registreret"),
                not problems,
                " ".join(problems) or _("Lodtrækningen er registreret, før udfaldet blev målt."),
            )
        )
    criteria += [
        RatingCriterion(
            "effect",
            _("Virkning i et studie med kontrolgruppe"),
            bool(favourable_controlled),
            _("Hele konfidensintervallet ligger på forbedringens side i: %(studies)s.")
            % {"studies": _names(favourable_controlled)}
            if favourable_controlled
            else _(
                "Intet studie med kontrolgruppe viser en virkning, hvor hele intervallet er en forbedring."
            ),
        ),
        RatingCriterion(
            "replicated",
            _("Gentaget i et uafhængigt studie"),
            replicated,
            _("%(count)s studier med kontrolgruppe viser virkning; uafhængige: %(independent)s.")
            % {
                "count": len(favourable_controlled),
                "independent": _names([e for e in favourable_controlled if e.study.is_independent]),
            },
        ),
        RatingCriterion(
            "lasting",
            _("Virkning målt mindst 12 måneder efter start"),
            bool(lasting_studies),
            _("Målt efter mindst 12 måneder: %(studies)s.") % {"studies": _names(lasting_studies)},
        ),
        RatingCriterion(
            "no_harm",
            _("Ingen skadelig virkning fundet"),
            not harmful,
            _("Hele intervallet ligger på forværringens side i: %(studies)s.") % {"studies": _names(harmful)}
            if harmful
            else _("Intet studie viser en forværring."),
        ),
    ]
    if level == RatingLevel.WELL_SUPPORTED or (level == RatingLevel.SUPPORTED and favourable_randomised):
        effect_grade = "A"
    else:
        effect_grade = {RatingLevel.SUPPORTED: "B", RatingLevel.PRELIMINARY: "C"}.get(level, "D")
    lasting = bool(lasting_studies)
    return EvidenceRating(
        level=level.value,
        label=str(level.label),
        lasting=lasting,
        effect_grade=effect_grade,
        criteria=tuple(criteria),
        proposed_level=level.value,
        proposed_lasting=lasting,
    )


def evidence_rating(intervention: Intervention) -> EvidenceRating:
    """The intervention's evidence rating: the agency's newest decision where there is one, with Indsats'
    proposal and its criteria beside it; else the proposal."""
    proposal = proposed_rating(intervention)
    decision = RatingDecision.objects.filter(intervention=intervention).select_related("decided_by").first()
    if decision is None:
        return proposal
    return EvidenceRating(
        level=decision.level,
        label=str(RatingLevel(decision.level).label),
        lasting=decision.lasting,
        effect_grade=proposal.effect_grade,
        criteria=proposal.criteria,
        proposed_level=proposal.proposed_level,
        proposed_lasting=proposal.proposed_lasting,
        decided=True,
        reason=decision.reason,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
    )
