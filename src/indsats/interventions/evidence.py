"""Live evidence for gate reviews: a small registry other apps plug into.

A gate review shows, beside the agency's assessment of each criterion, the facts the system already
holds. Another app (evaluation, economy, grants, outcomes) supplies them by registering a provider for a
criterion in its AppConfig.ready():

    from indsats.interventions.evidence import EvidenceFact, register_evidence_provider

    def effect_studies(intervention):
        return [EvidenceFact(label="Effektstudie", value="d = 0,32 (95 % KI 0,10-0,54)",
                             source="Evaluering: RCT 2024", url="/evaluering/17/")]

    register_evidence_provider("effect", effect_studies)

A provider takes an Intervention and returns a list of EvidenceFact (an empty list when it knows
nothing). It must only read, and must not raise for an intervention it knows nothing about. Until a
provider exists for a criterion, the agency types the fact in with its source on the review.

Built in: demand (efterspørgsel) is counted from partner municipalities, join requests and practice
assessments; money committed is read from the phase records. The grants app may later register a
provider for demand (applications to pools) and for committed money.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from indsats.accounts.models import OrganisationKind
from indsats.interventions.models import Criterion, Intervention
from indsats.ui.formatting import kroner


@dataclass(frozen=True)
class EvidenceFact:
    label: str
    value: str
    source: str
    url: str = ""


EvidenceProvider = Callable[[Intervention], list[EvidenceFact]]
_PROVIDERS: dict[str, list[EvidenceProvider]] = {}


def register_evidence_provider(criterion: str, provider: EvidenceProvider) -> EvidenceProvider:
    """Add a provider of live facts for a criterion ("effect", "economy", "implementation", "demand",
    "realistic_operation"). Registering the same function twice has no effect."""
    if criterion not in Criterion.values:
        raise ValueError(f"Unknown criterion {criterion!r}: use one of {', '.join(Criterion.values)}.")
    providers = _PROVIDERS.setdefault(criterion, [])
    if provider not in providers:
        providers.append(provider)
    return provider


def unregister_evidence_provider(criterion: str, provider: EvidenceProvider) -> None:
    if provider in _PROVIDERS.get(criterion, []):
        _PROVIDERS[criterion].remove(provider)


def providers_for(criterion: str) -> list[EvidenceProvider]:
    return list(_PROVIDERS.get(criterion, []))


def live_facts(intervention: Intervention) -> dict[str, list[EvidenceFact]]:
    """Every registered provider's facts for the intervention, by criterion."""
    return {
        criterion: [fact for p in providers for fact in p(intervention)]
        for criterion, providers in _PROVIDERS.items()
    }


# --- built-in providers -------------------------------------------------------------------------------


def demand_from_municipalities(intervention: Intervention) -> list[EvidenceFact]:
    """Efterspørgsel: how many municipalities take part, asked to join, or assessed their practice."""
    partners = set(
        intervention.partnerships.filter(municipality__kind=OrganisationKind.MUNICIPALITY).values_list(
            "municipality_id", flat=True
        )
    )
    requests = set(intervention.join_requests.values_list("municipality_id", flat=True))
    assessed = set(intervention.practice_assessments.values_list("municipality_id", flat=True))
    source = _("Indsats: partnerkommuner, anmodninger og praksisvurderinger")
    return [
        EvidenceFact(_("Partnerkommuner"), str(len(partners)), source),
        EvidenceFact(_("Kommuner, der har bedt om at deltage"), str(len(requests - partners)), source),
        EvidenceFact(_("Kommuner, der har vurderet deres praksis"), str(len(assessed)), source),
        EvidenceFact(_("Kommuner med interesse i alt"), str(len(partners | requests | assessed)), source),
    ]


def committed_money(intervention: Intervention) -> list[EvidenceFact]:
    """Økonomi: money committed to the intervention's phases as recorded on the phases (the grants app adds
    the initiatives' budget, committed and paid from its ledger)."""
    total: Any = intervention.phase_records.aggregate(total=Sum("committed_amount"))["total"] or 0
    return [
        EvidenceFact(
            _("Bevilget til faserne"),
            kroner(total),
            _("Indsats: fasernes bevillinger"),
        )
    ]


# --- proposals for the knowledge declaration -----------------------------------------------------------

DeclarationProposer = Callable[[Intervention], "dict[str, tuple[str, str]]"]
"""Proposes grades of the knowledge declaration: {dimension: (grade A-D, reason)} for the dimensions it
knows (the evaluation app proposes the effect dimension from the intervention's evidence rating)."""
_PROPOSERS: list[DeclarationProposer] = []


def register_declaration_proposer(proposer: DeclarationProposer) -> DeclarationProposer:
    if proposer not in _PROPOSERS:
        _PROPOSERS.append(proposer)
    return proposer


def proposed_declaration(intervention: Intervention) -> dict[str, tuple[str, str]]:
    """Every registered proposer's grades and reasons, by dimension; people decide."""
    proposal: dict[str, tuple[str, str]] = {}
    for proposer in _PROPOSERS:
        proposal.update(proposer(intervention))
    return proposal


def register_builtin_providers() -> None:
    register_evidence_provider("demand", demand_from_municipalities)
    register_evidence_provider("economy", committed_money)
