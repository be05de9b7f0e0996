"""The realistisk drift criterion of a gate review, measured: registered as a provider in the
interventions app's evidence registry.

- The share of partner municipalities still in operation (as designed or adapted) 12 and 24 months after
  their funding ended, counted among those that answered that follow-up (the unanswered are named).
- Cost per participant in operation: the partner municipalities' annual cost over the children served,
  from each municipality's newest answer in operation, beside the business case's cost per participant
  (present value, the newest computed case).
- The trend across the follow-ups (12 -> 24 -> 36 months).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from indsats.economy.selectors import latest_national_result
from indsats.governance.services.operations import FOLLOW_UP_MONTHS
from indsats.interventions.evidence import EvidenceFact, register_evidence_provider
from indsats.interventions.models import Intervention, OperationReport
from indsats.ui.formatting import kroner, percent


@dataclass(frozen=True)
class FollowUpShare:
    """One follow-up (months after the funding ended) across an intervention's partner municipalities."""

    months: int
    asked: int
    answered: int
    operating: int

    @property
    def share(self) -> float | None:
        return self.operating / self.answered if self.answered else None


def follow_up_shares(intervention: Intervention) -> list[FollowUpShare]:
    reports = list(
        OperationReport.objects.filter(partnership__intervention=intervention).only(
            "months_after_funding", "answered_at", "status"
        )
    )
    shares = []
    for months in FOLLOW_UP_MONTHS:
        at = [r for r in reports if r.months_after_funding == months]
        answered = [r for r in at if r.is_answered]
        shares.append(
            FollowUpShare(months, len(at), len(answered), sum(1 for r in answered if r.is_operating))
        )
    return shares


def operating_cost_per_participant(intervention: Intervention) -> Decimal | None:
    """Sum of annual cost over sum of children served, from each partner's newest answer in operation
    that gives both (None when there is none)."""
    newest: dict[int, OperationReport] = {}
    answered = OperationReport.objects.filter(
        partnership__intervention=intervention, answered_at__isnull=False
    ).order_by("partnership_id", "months_after_funding")
    for report in answered:
        newest[report.partnership_id] = report
    usable = [
        r for r in newest.values() if r.is_operating and r.annual_cost is not None and r.children_served
    ]
    children = sum(r.children_served or 0 for r in usable)
    if not children:
        return None
    return sum((r.annual_cost or Decimal(0) for r in usable), Decimal(0)) / children


def business_case_cost_per_participant(intervention: Intervention) -> float | None:
    newest = latest_national_result(intervention)
    result = newest.result if newest is not None else None
    if not result:
        return None
    value = (result.get("per_participant") or {}).get("pv_costs")
    return float(value) if value is not None else None


def realistic_operation_facts(intervention: Intervention) -> list[EvidenceFact]:
    shares = follow_up_shares(intervention)
    if not any(s.asked for s in shares):
        return []
    source = _("Indsats: partnerkommunernes driftsopfølgning")
    facts = []
    for s in shares:
        if not s.asked:
            continue
        value = (
            _("%(operating)s af %(answered)s kommuner (%(share)s)")
            % {"operating": s.operating, "answered": s.answered, "share": percent(s.share, 0)}
            if s.answered
            else _("ingen svar endnu")
        )
        if s.asked > s.answered:
            value += " · " + _("%(missing)s mangler at svare") % {"missing": s.asked - s.answered}
        facts.append(
            EvidenceFact(
                _("I drift %(months)s mdr. efter finansieringen") % {"months": s.months}, value, source
            )
        )
    cost = operating_cost_per_participant(intervention)
    if cost is not None:
        facts.append(EvidenceFact(_("Udgift pr. deltager i drift (år)"), kroner(cost, 0), source))
        planned = business_case_cost_per_participant(intervention)
        if planned is not None:
            facts.append(
                EvidenceFact(
                    _("Business casens omkostning pr. deltager (nutidsværdi)"),
                    kroner(planned, 0),
                    _("Økonomi: nyeste beregnede business case"),
                )
            )
    measured = [s for s in shares if s.share is not None]
    if len(measured) >= 2:
        first, last = measured[0].share, measured[-1].share
        assert first is not None and last is not None
        word = _("faldende") if last < first else _("stigende") if last > first else _("uændret")
        path = " → ".join(f"{percent(s.share, 0)} ({s.months} mdr.)" for s in measured)
        facts.append(EvidenceFact(_("Udvikling"), f"{word}: {path}", source))
    return facts


register_evidence_provider("realistic_operation", realistic_operation_facts)
