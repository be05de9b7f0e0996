"""The award criteria's weights and the weighted score an assessor's points give (0-5 on each)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext as _

from indsats.grants.errors import GrantsError
from indsats.grants.models import AwardCriterion, PoolCriterion

DEFAULT_WEIGHTS: dict[str, int] = {
    AwardCriterion.PURPOSE_FIT: 30,
    AwardCriterion.PLAUSIBLE_ACTIVITIES: 30,
    AwardCriterion.COHERENCE: 20,
    AwardCriterion.BUDGET: 20,
}


def check_weights(weights: Mapping[str, int]) -> None:
    """The four criteria's weights: known criteria, none negative, 100 % in all."""
    unknown = set(weights) - set(AwardCriterion.values)
    if unknown:
        raise GrantsError(_("Ukendt kriterium: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if any(weight < 0 for weight in weights.values()):
        raise GrantsError(_("En vægt kan ikke være negativ."))
    total = sum(weights.values())
    if total != 100:
        raise GrantsError(
            _("Kriteriernes vægte skal give 100 %% tilsammen; de giver nu %(total)s %%.") % {"total": total}
        )


def weighted_score(scores: Mapping[PoolCriterion, int]) -> Decimal:
    """Σ weight x score / Σ weight, on the 0-5 scale, rounded to two decimals."""
    total_weight = sum(criterion.weight for criterion in scores)
    if total_weight == 0:
        return Decimal("0.00")
    value = Decimal(sum(criterion.weight * score for criterion, score in scores.items())) / Decimal(
        total_weight
    )
    return value.quantize(Decimal("0.01"))
