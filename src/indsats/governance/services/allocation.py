"""The yearly allocation as a process: scenarios of the allocation helper saved with their inputs' hash
and compared, the chosen one drafting the steering group's recommendation (decided at a meeting, see
meetings.decide_item), then the political decision recorded by the agency.

A programme year is a proposal until the steering group's recommendation is recorded (recommended_on),
recommended until the political decision is recorded (decided_on), then decided. Each step is written
only in its state."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.accounts.permissions import MANAGE_POOLS, RECOMMEND_ALLOCATIONS, require_permission
from indsats.audit.services import record_create, record_update, snapshot
from indsats.economy.selectors import latest_economy_facts
from indsats.engine import ENGINE_VERSION
from indsats.engine.allocation import (
    AllocationConstraints,
    AllocationInputError,
    Candidate,
    GroupConstraint,
    recommend_allocation,
)
from indsats.errors import DomainError
from indsats.governance.models import AllocationScenario
from indsats.grants.models import ProgrammeYear
from indsats.grants.services import save_programme_year
from indsats.ui.engine_messages import engine_message


@dataclass(frozen=True)
class CandidateRow:
    """One candidate as typed or taken from a business case: exact numbers, never rounded."""

    key: str
    name: str
    cost: Decimal
    value: Decimal
    min_share: Decimal = Decimal(1)
    group: str = ""


@dataclass(frozen=True)
class GroupLimit:
    """At least / at most so many funded candidates of a group (e.g. one target group)."""

    name: str
    min_selected: int = 0
    max_selected: int | None = None


def year_state(programme_year: ProgrammeYear) -> str:
    """proposal -> recommended (the steering group's recommendation) -> decided (the political decision)."""
    if programme_year.decided_on is not None:
        return "decided"
    if programme_year.recommended_on is not None:
        return "recommended"
    return "proposal"


def candidates_from_business_cases(
    programme_year: ProgrammeYear, measure: str
) -> tuple[list[CandidateRow], list[str]]:
    """The year's initiatives as candidates: cost = the initiative's budget, value = the newest business
    case's NPV ("npv") or P(NPV > 0) ("p_positive"). Initiatives without a computed case are named."""
    rows, missing = [], []
    for initiative in programme_year.initiatives.select_related("intervention").order_by("name"):
        facts = latest_economy_facts(initiative.intervention) if initiative.intervention else None
        value = None if facts is None else facts.get("npv" if measure == "npv" else "p_positive")
        if value is None:
            missing.append(initiative.name)
            continue
        rows.append(
            CandidateRow(f"i{initiative.pk}", initiative.name, initiative.budget, Decimal(str(value)))
        )
    return rows, missing


def inputs_document(
    budget: Decimal,
    rows: list[CandidateRow],
    must_include: list[str],
    must_exclude: list[str],
    groups: list[GroupLimit] | None = None,
) -> dict[str, Any]:
    return {
        "budget": str(budget),
        "candidates": [
            {
                "key": r.key,
                "name": r.name,
                "cost": str(r.cost),
                "value": str(r.value),
                "min_share": str(r.min_share),
                "group": r.group,
            }
            for r in rows
        ],
        "must_include": sorted(must_include),
        "must_exclude": sorted(must_exclude),
        "groups": [
            {"name": g.name, "min_selected": g.min_selected, "max_selected": g.max_selected}
            for g in sorted(groups or [], key=lambda g: g.name)
        ],
    }


def inputs_sha256(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@transaction.atomic
def save_scenario(
    *,
    actor: User,
    programme_year: ProgrammeYear,
    name: str,
    budget: Decimal,
    candidates: list[CandidateRow],
    must_include: list[str] = (),  # type: ignore[assignment]
    must_exclude: list[str] = (),  # type: ignore[assignment]
    groups: list[GroupLimit] = (),  # type: ignore[assignment]
) -> AllocationScenario:
    """Run the allocation helper and keep the run with its inputs' hash (only before the recommendation)."""
    require_permission(actor, RECOMMEND_ALLOCATIONS)
    year = ProgrammeYear.objects.select_for_update().get(pk=programme_year.pk)
    if year_state(year) != "proposal":
        raise DomainError(_("Året er allerede indstillet; scenarier kan ikke længere ændres."))
    if not name.strip():
        raise DomainError(_("Giv scenariet et navn."), field="name")
    if AllocationScenario.objects.filter(programme_year=year, name=name.strip()).exists():
        raise DomainError(_("Året har allerede et scenarie med det navn."), field="name")
    for row in candidates:
        if row.cost < 0 or row.value < 0:
            raise DomainError(
                _("“%(name)s” har en negativ omkostning eller værdi (%(value)s); udelad kandidaten i stedet.")
                % {"name": row.name, "value": row.value if row.value < 0 else row.cost},
                field="candidates",
            )
    known_groups = {r.group for r in candidates if r.group}
    for limit in groups:
        if limit.name not in known_groups:
            raise DomainError(
                _("Ingen kandidat er i gruppen “%(name)s”.") % {"name": limit.name}, field="group_limits"
            )
    engine_groups = tuple(
        GroupConstraint(
            name=limit.name,
            keys=tuple(r.key for r in candidates if r.group == limit.name),
            min_selected=limit.min_selected,
            max_selected=limit.max_selected,
        )
        for limit in groups
    )
    try:
        result = recommend_allocation(
            [
                Candidate(r.key, r.name, float(r.cost), float(r.value), float(r.min_share), 1.0)
                for r in candidates
            ],
            budget,
            constraints=AllocationConstraints(
                groups=engine_groups, must_include=tuple(must_include), must_exclude=tuple(must_exclude)
            ),
        )
    except AllocationInputError as error:
        raise DomainError(engine_message(error), field="candidates") from error
    document = inputs_document(budget, candidates, list(must_include), list(must_exclude), list(groups))
    scenario = AllocationScenario.objects.create(
        programme_year=year,
        name=name.strip(),
        budget=budget,
        inputs=document,
        inputs_sha256=inputs_sha256(document),
        result=result.to_dict(),
        engine_version=ENGINE_VERSION,
        created_by=actor,
    )
    record_create(actor=actor, instance=scenario, message=f"sha256 {scenario.inputs_sha256}")
    return scenario


@transaction.atomic
def choose_scenario(*, actor: User, scenario: AllocationScenario) -> AllocationScenario:
    """The chosen scenario drafts the recommendation; one per year, before the recommendation."""
    require_permission(actor, RECOMMEND_ALLOCATIONS)
    year = ProgrammeYear.objects.select_for_update().get(pk=scenario.programme_year_id)
    if year_state(year) != "proposal":
        raise DomainError(_("Året er allerede indstillet; scenarier kan ikke længere ændres."))
    AllocationScenario.objects.filter(programme_year=year, is_chosen=True).update(is_chosen=False)
    before = snapshot(scenario)
    scenario.is_chosen = True
    scenario.save(update_fields=["is_chosen"])
    record_update(
        actor=actor, instance=scenario, before=before, message=_("Valgt som udkast til indstillingen")
    )
    return scenario


def recommendation_draft(programme_year: ProgrammeYear) -> str:
    """The chosen scenario's best combination in words, as the draft of the recommendation."""
    chosen = AllocationScenario.objects.filter(programme_year=programme_year, is_chosen=True).first()
    if chosen is None:
        return ""
    names = {c["key"]: c["name"] for c in chosen.inputs["candidates"]}
    funded = [names.get(f["key"], f["key"]) for f in chosen.best.get("funded", [])]
    return _("Styregruppen indstiller efter scenariet “%(name)s” (input sha256 %(sha)s): %(funded)s.") % {
        "name": chosen.name,
        "sha": chosen.inputs_sha256[:12],
        "funded": ", ".join(funded) or "–",
    }


@dataclass(frozen=True)
class ScenarioComparison:
    only_in_first: list[str]
    only_in_second: list[str]
    in_both: list[str]
    value_difference: float
    cost_difference: float


def compare_scenarios(first: AllocationScenario, second: AllocationScenario) -> ScenarioComparison:
    """What the best combinations of two scenarios fund differently, and the difference in totals."""
    names = {c["key"]: c["name"] for s in (first, second) for c in s.inputs["candidates"]}
    a = [f["key"] for f in first.best.get("funded", [])]
    b = [f["key"] for f in second.best.get("funded", [])]
    return ScenarioComparison(
        only_in_first=[names.get(k, k) for k in a if k not in b],
        only_in_second=[names.get(k, k) for k in b if k not in a],
        in_both=[names.get(k, k) for k in a if k in b],
        value_difference=float(second.best.get("total_value", 0)) - float(first.best.get("total_value", 0)),
        cost_difference=float(second.best.get("total_cost", 0)) - float(first.best.get("total_cost", 0)),
    )


@transaction.atomic
def record_political_decision(
    *, actor: User, programme_year: ProgrammeYear, decision: str, decided_on: datetime.date
) -> ProgrammeYear:
    """The agency records the parties' political decision, once the steering group has recommended."""
    require_permission(actor, MANAGE_POOLS)
    year = ProgrammeYear.objects.select_for_update().get(pk=programme_year.pk)
    state = year_state(year)
    if state == "proposal":
        raise DomainError(
            _("Den politiske beslutning kan først registreres, når styregruppen har indstillet.")
        )
    if state == "decided":
        raise DomainError(_("Den politiske beslutning er allerede registreret."))
    if not decision.strip():
        raise DomainError(_("Skriv den politiske beslutning."), field="decision")
    return save_programme_year(
        actor=actor,
        programme=year.programme,
        year=year.year,
        frame=year.frame,
        recommendation=year.recommendation,
        recommended_on=year.recommended_on,
        decision=decision.strip(),
        decided_on=decided_on,
        instance=year,
    )
