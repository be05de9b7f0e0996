"""Demo data of the economy app: a published price catalogue with clearly labelled illustrative prices, a
price index, and a business case for the demo interventions (when the interventions app made some).

The prices are invented to look plausible; they are NOT official SØM figures, and every source says so.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from indsats.accounts.demo import DemoContext
from indsats.audit.services import record_create
from indsats.economy import services
from indsats.economy.models import PriceCatalogue, PriceIndex, UnitPrice

ILLUSTRATIVE = "Illustrativ demopris (illustrative demo price), ikke et officielt SØM-tal"

# name, unit, amount, price year, (kommune, region, stat)
DEMO_PRICES: list[tuple[str, str, str, int, tuple[str, str, str]]] = [
    ("Anbringelse i plejefamilie", "pr. år", "420000", 2023, ("1", "0", "0")),
    ("Anbringelse på døgninstitution", "pr. år", "1150000", 2023, ("1", "0", "0")),
    ("Forebyggende familiebehandling", "pr. forløb", "95000", 2023, ("1", "0", "0")),
    ("Specialskole", "pr. elev pr. år", "260000", 2023, ("1", "0", "0")),
    ("Sengedag i børne- og ungdomspsykiatrien", "pr. sengedag", "9500", 2023, ("0", "1", "0")),
    ("Ambulant psykiatrisk forløb", "pr. forløb", "32000", 2023, ("0", "1", "0")),
    ("Kontanthjælp som ung voksen", "pr. år", "135000", 2023, ("0.5", "0", "0.5")),
    ("Sigtelse for ungdomskriminalitet", "pr. sigtelse", "62000", 2023, ("0.2", "0", "0.8")),
    ("Skatteindtægt af et år i beskæftigelse", "pr. år", "-180000", 2023, ("0.3", "0", "0.7")),
    ("Underretning behandlet af kommunen", "pr. underretning", "4800", 2023, ("1", "0", "0")),
]

# an illustrative net price index (2023 = 100), not Danmarks Statistik's figures
DEMO_INDEX = {2020: "92.40", 2021: "94.10", 2022: "97.20", 2023: "100.00", 2024: "102.60", 2025: "105.10"}


def load(context: DemoContext) -> None:
    catalogue = PriceCatalogue.objects.create(
        version=1,
        title="Priskatalog 2024 (demo)",
        note="Demodata: alle priser er illustrative og opfundet til at vise systemet.",
        is_published=True,
        published_at=timezone.now(),
    )
    record_create(actor=None, instance=catalogue, message="demo")
    for name, unit, amount, year, (kommune, region, stat) in DEMO_PRICES:
        price = UnitPrice.objects.create(
            catalogue=catalogue,
            name=name,
            unit=unit,
            amount=Decimal(amount),
            price_year=year,
            share_kommune=Decimal(kommune),
            share_region=Decimal(region),
            share_stat=Decimal(stat),
            source=ILLUSTRATIVE,
            valid_from=datetime.date(2024, 1, 1),
        )
        record_create(actor=None, instance=price, message="demo")
    for year, value in DEMO_INDEX.items():
        entry = PriceIndex.objects.create(
            year=year, index=Decimal(value), source="Illustrativt demoindeks (2023 = 100), ikke officielt"
        )
        record_create(actor=None, instance=entry, message="demo")
    context.objects["price_catalogue"] = catalogue
    _load_business_cases(context, catalogue)


def _load_business_cases(context: DemoContext, catalogue: PriceCatalogue) -> None:
    """A computed business case for some of the demo interventions, built and computed through the
    services as the demo economist, so the audit trail and the stored results are as in real use."""
    interventions = list(context.objects.get("interventions", []))
    economist = context.objects.get("users", {}).get("okonom")
    if not interventions or economist is None:
        return
    rng = context.rng
    prices = {price.name: price for price in catalogue.prices.all()}
    chosen = interventions[: min(len(interventions), 2 * context.scale)]
    for number, intervention in enumerate(chosen):
        participants = rng.choice([30, 40, 50, 60, 80])
        case = services.create_business_case(
            actor=economist,
            intervention=intervention,
            name=f"Business case {intervention.name[:60]} (demo)",
            participants=participants,
            price_year=2024,
            horizon_years=10,
            catalogue=catalogue,
        )
        activities = intervention.activity_list or ["Forløb med familien"]
        hours = rng.choice([40, 50, 60, 70])
        costs = [
            _cost(
                "Uddannelse af medarbejdere",
                activities[0],
                "training",
                "amount",
                250_000 + 10_000 * number,
                "0",
            ),
            _cost("Forløb", activities[-1], "operation", "per_participant", hours * 420 * 1.3, "0"),
            _cost("Opfølgning", "", "operation", "per_participant", 4_000, "1"),
            {
                **_cost("Sædvanlig indsats", "", "operation", "per_participant", 12_000, "0"),
                "is_base_alternative": True,
            },
        ]
        outcomes = [
            _outcome(
                "Anbringelser",
                prices["Anbringelse i plejefamilie"],
                baseline="0.12",
                effect=f"-{rng.choice(['0.15', '0.20', '0.25'])}",
                se="0.08",
                full_years=2,
                decay="0.7",
            ),
            _outcome(
                "Sengedage i psykiatrien",
                prices["Sengedag i børne- og ungdomspsykiatrien"],
                baseline="1.5",
                effect="-0.2",
                se="0.1",
                full_years=1,
                decay="0.5",
            ),
            _outcome(
                "Sigtelser",
                prices["Sigtelse for ungdomskriminalitet"],
                baseline="0.05",
                effect="-0.2",
                se="0.1",
                full_years=2,
                decay="0.6",
                start_year=3,
            ),
        ]
        case = services.save_business_case(
            actor=economist,
            case=case,
            fields={"draws": 5_000, "seed": 2026 + number},
            costs=costs,
            outcomes=outcomes,
        )
        services.request_computation(actor=economist, case=case)


def _cost(name: str, activity: str, category: str, basis: str, value: float, years: str) -> dict[str, Any]:
    return {
        "name": name,
        "activity": activity,
        "payer": "kommune",
        "category": category,
        "basis": basis,
        "value": Decimal(str(round(value, 2))),
        "years": years,
        "is_base_alternative": False,
        "source": "Illustrativ demoomkostning",
    }


def _outcome(
    name: str,
    price: UnitPrice,
    *,
    baseline: str,
    effect: str,
    se: str,
    full_years: int,
    decay: str,
    start_year: int = 0,
) -> dict[str, Any]:
    return {
        "name": name,
        "baseline": Decimal(baseline),
        "effect_type": "relative",
        "effect_estimate": Decimal(effect),
        "effect_se": Decimal(se),
        "effect_source": "Illustrativ demoeffekt, ikke fra et rigtigt studie",
        "full_years": full_years,
        "decay": Decimal(decay),
        "start_year": start_year,
        "unit_price": price,
        "unit_price_amount": None,
        "unit_price_year": None,
        "unit_price_source": "",
        "share_kommune": Decimal(1),
        "share_region": Decimal(0),
        "share_stat": Decimal(0),
    }
