"""From a business case's rows to the engine's JSON document, and from the engine's errors back to a row
and a field of the form.

The document is what ``engine.investment.case_document.parse_case`` reads (docs/business-case.md).
The rows come as plain dicts (a form's cleaned data or a stored row), so a case is checked by the engine
before it is saved, and the same function serves the stored case when it is computed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from indsats.economy.models import PAYERS, CostBasis, CostLine, OutcomeLine, UnitPrice
from indsats.engine.investment.case_document import CaseError
from indsats.errors import DomainError
from indsats.ui.engine_messages import engine_message

CASE_FIELDS = (
    "name",
    "description",
    "catalogue",
    "participants",
    "price_year",
    "horizon_years",
    "discount",
    "net_tax_factor",
    "draws",
    "seed",
)
COST_FIELDS = (
    "name",
    "activity",
    "payer",
    "category",
    "basis",
    "value",
    "years",
    "is_base_alternative",
    "source",
)
OUTCOME_FIELDS = (
    "name",
    "baseline",
    "effect_type",
    "effect_estimate",
    "effect_se",
    "effect_source",
    "full_years",
    "decay",
    "start_year",
    "unit_price",
    "unit_price_amount",
    "unit_price_year",
    "unit_price_source",
    "share_kommune",
    "share_region",
    "share_stat",
)


def parse_years(text: str) -> list[int]:
    """'0, 1, 2' -> [0, 1, 2]; '0-2' -> [0, 1, 2]. Raises a DomainError with a Danish message."""
    years: list[int] = []
    for part in re.split(r"[,;\s]+", str(text).strip()):
        if not part:
            continue
        if re.fullmatch(r"\d+-\d+", part):
            first, last = (int(x) for x in part.split("-"))
            if last < first:
                raise DomainError(_("”%(part)s”: det sidste år skal være efter det første.") % {"part": part})
            years.extend(range(first, last + 1))
        elif part.isdigit():
            years.append(int(part))
        else:
            raise DomainError(
                _("”%(part)s” er ikke et år. Skriv år fra 0 adskilt af komma, fx 0, 1, 2 eller 0-2.")
                % {"part": part}
            )
    if not years:
        raise DomainError(_("Skriv mindst ét år, fx 0 for det første år."))
    if len(set(years)) != len(years):
        raise DomainError(_("Et år står der flere gange."))
    return sorted(years)


def _number(value: Decimal | float | int) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class RowLocation:
    """Where a path of the document comes from: the formset ('costs', 'outcomes') and its row."""

    section: str
    row: int


def case_document(
    case: Mapping[str, Any],
    costs: Sequence[Mapping[str, Any]],
    outcomes: Sequence[Mapping[str, Any]],
    price_index: Mapping[int, Decimal],
) -> tuple[dict[str, Any], dict[str, RowLocation]]:
    """The engine's document for a case and where each cost and outcome of it comes from."""
    locations: dict[str, RowLocation] = {}
    regular: list[dict[str, Any]] = []
    base: list[dict[str, Any]] = []
    for row, cost in enumerate(costs):
        target = base if cost.get("is_base_alternative") else regular
        key = "base_alternative" if cost.get("is_base_alternative") else "costs"
        locations[f"{key}[{len(target)}]"] = RowLocation("costs", row)
        target.append(_cost_document(cost))
    outcome_documents = []
    for row, outcome in enumerate(outcomes):
        locations[f"outcomes[{row}]"] = RowLocation("outcomes", row)
        outcome_documents.append(_outcome_document(outcome))
    document: dict[str, Any] = {
        "name": case.get("name") or "",
        "participants": _number(case["participants"]),
        "price_year": int(case["price_year"]),
        "horizon_years": int(case["horizon_years"]),
        "discount": case["discount"],
        "costs": regular,
        "outcomes": outcome_documents,
        "welfare": {"net_tax_factor": _number(case.get("net_tax_factor") or Decimal("1.28"))},
    }
    if base:
        document["base_alternative"] = base
    if price_index:
        document["price_index"] = {str(year): _number(value) for year, value in sorted(price_index.items())}
    return document, locations


def _cost_document(cost: Mapping[str, Any]) -> dict[str, Any]:
    years = cost["years"] if isinstance(cost["years"], list) else parse_years(cost["years"])
    key = "per_participant_per_year" if cost["basis"] == CostBasis.PER_PARTICIPANT else "amount"
    document: dict[str, Any] = {"name": cost["name"], "payer": cost["payer"], key: _number(cost["value"])}
    document["years"] = years
    if cost.get("category"):
        document["category"] = cost["category"]
    if cost.get("source"):
        document["source"] = cost["source"]
    if cost.get("activity"):
        document["description"] = cost["activity"]
    return document


def _outcome_document(outcome: Mapping[str, Any]) -> dict[str, Any]:
    effect: dict[str, Any] = {"type": outcome["effect_type"], "estimate": _number(outcome["effect_estimate"])}
    if outcome.get("effect_se"):
        effect["se"] = _number(outcome["effect_se"])
    document: dict[str, Any] = {"name": outcome["name"]}
    if outcome.get("baseline") is not None:
        document["baseline"] = _number(outcome["baseline"])
    document["effect"] = effect
    document["persistence"] = {"full_years": int(outcome["full_years"]), "decay": _number(outcome["decay"])}
    if outcome.get("start_year"):
        document["start_year"] = int(outcome["start_year"])
    price: UnitPrice | None = outcome.get("unit_price")
    if price is not None:
        document["unit_price"] = _number(price.amount)
        document["unit_price_year"] = price.price_year
        document["unit_price_source"] = f"{price.catalogue.title}: {price.name} ({price.source})"
        document["payers"] = price.payer_shares
    else:
        if outcome.get("unit_price_amount") is not None:
            document["unit_price"] = _number(outcome["unit_price_amount"])
        if outcome.get("unit_price_year"):
            document["unit_price_year"] = int(outcome["unit_price_year"])
        if outcome.get("unit_price_source"):
            document["unit_price_source"] = outcome["unit_price_source"]
        document["payers"] = {
            payer: _number(outcome[f"share_{payer}"]) for payer in PAYERS if outcome.get(f"share_{payer}")
        }
    document["_effect_source"] = outcome.get("effect_source", "")
    return document


def row_values(row: CostLine | OutcomeLine, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


# --- engine errors back to the form ---------------------------------------------------------------------

_COST_FIELD = {
    "amount": "value",
    "per_participant_per_year": "value",
    "year": "years",
    "years": "years",
    "payer": "payer",
    "name": "name",
    "category": "category",
}
_OUTCOME_FIELD = {
    "name": "name",
    "baseline": "baseline",
    "effect": "effect_estimate",
    "persistence": "decay",
    "start_year": "start_year",
    "unit_price": "unit_price_amount",
    "unit_price_year": "unit_price_year",
    "payers": "share_kommune",
}
_CASE_FIELD = {
    "participants": "participants",
    "intakes": "participants",
    "price_year": "price_year",
    "horizon_years": "horizon_years",
    "discount": "discount",
    "welfare": "net_tax_factor",
}


@dataclass(frozen=True)
class ErrorLocation:
    """Where an engine error belongs: the case form (``section`` 'case') or a formset row, and a field."""

    section: str
    row: int | None
    field: str | None
    message: str


class CaseInputError(DomainError):
    """The engine refused the case. ``location`` names the form row and field, in Danish
    (forms.BusinessCaseForm puts the message there)."""

    def __init__(self, location: ErrorLocation, field_path: str) -> None:
        super().__init__(location.message, code="case_input")
        self.location = location
        self.field_path = field_path


def locate_error(
    error: CaseError, locations: Mapping[str, RowLocation], outcomes: Sequence[Mapping[str, Any]]
) -> ErrorLocation:
    """Map a ``CaseError`` field path such as ``outcomes[2].payers`` to the form row and field, with the
    message in the reader's language."""
    field_path = error.field
    match = re.match(r"(costs|base_alternative|outcomes)\[(\d+)\](?:\.([a-z_]+))?", field_path)
    if field_path == "price_index":
        # the error names the row that needed the index, e.g. outcomes[0].unit_price_year
        match = re.match(
            r"(costs|base_alternative|outcomes)\[(\d+)\]\.?([a-z_]*)", str(error.params.get("field", ""))
        )
    danish = engine_message(error)
    if match is None:
        top = field_path.split(".")[0].split("[")[0]
        return ErrorLocation("case", None, _CASE_FIELD.get(top), danish)
    key = f"{match.group(1)}[{match.group(2)}]"
    location = locations.get(key)
    if location is None:
        return ErrorLocation("case", None, None, danish)
    attribute = match.group(3) or ""
    if location.section == "costs":
        field = _COST_FIELD.get(attribute)
    else:
        field = _OUTCOME_FIELD.get(attribute)
        if field_path.endswith("effect.se"):
            field = "effect_se"
        if field in {"unit_price_amount", "unit_price_year", "share_kommune"} and outcomes[location.row].get(
            "unit_price"
        ):
            field = "unit_price"
    return ErrorLocation(location.section, location.row, field, danish)
