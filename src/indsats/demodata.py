"""Deterministic demo data: the foundation's organisations and people, then each app's own part.

`indsats demo [--scale N] [--seed S]` calls `load_demo`, which runs the loaders in DEMO_LOADERS in
order. Each app that has demo data provides `indsats.<app>.demo.load(context)`; it must be
deterministic for a given seed and grow with `context.scale` (1 = a small realistic installation).
Demo writes go through the services where practical, so the audit trail is populated as in real use.
"""

from __future__ import annotations

import csv
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

DEMO_PASSWORD = "indsats-demo-2026"  # noqa: S105 - printed for demo log-ins; refused in production mode

AGENCY_NAME = "Social- og Boligstyrelsen"
STEERING_GROUP_NAME = "Den faglige styregruppe for udviklings- og investeringsprogrammet"
EVALUATOR_NAME = "Evalueringshuset (demo)"
FOUNDATION_NAME = "Fonden for Børns Trivsel (demo)"

# username, first name, last name, role, organisation
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("admin", "Anne", "Administrator", "agency_admin", AGENCY_NAME),
    ("styrelse", "Søren", "Styrelsesen", "agency_staff", AGENCY_NAME),
    ("kommune-aarhus", "Karen", "Kommunesen", "municipality_manager", "Aarhus Kommune"),
    ("sagsbehandler-aarhus", "Sara", "Sagsbehandler", "caseworker", "Aarhus Kommune"),
    ("sagsbehandler-odense", "Ole", "Odensen", "caseworker", "Odense Kommune"),
    ("evaluator", "Eva", "Evaluator", "evaluator", EVALUATOR_NAME),
    ("okonom", "Øjvind", "Økonom", "economist", EVALUATOR_NAME),
    ("styregruppe", "Stine", "Styregruppe", "steering_group", STEERING_GROUP_NAME),
    ("fond", "Frida", "Fondsen", "foundation", FOUNDATION_NAME),
]

DEMO_APPS = ["accounts", "interventions", "grants", "outcomes", "evaluation", "economy", "catalogue"]


@dataclass
class DemoContext:
    scale: int
    seed: int
    log: Callable[[str], None]
    rng: random.Random = field(init=False)
    objects: dict[str, Any] = field(default_factory=dict)  # shared between loaders: "agency", "users", ...

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - demo data, not security


def municipality_rows() -> list[dict[str, str]]:
    """The 98 Danish municipalities with their official codes and region codes."""
    path = Path(__file__).parent / "accounts" / "data" / "municipalities.csv"
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def municipality_name(short_name: str) -> str:
    """The official name: 'Aarhus Kommune', but 'Københavns Kommune'."""
    return "Københavns Kommune" if short_name == "København" else f"{short_name} Kommune"


def loaders() -> list[tuple[str, Callable[[DemoContext], None]]]:
    found = []
    for app in DEMO_APPS:
        try:
            module = importlib.import_module(f"indsats.{app}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"indsats.{app}.demo":
                raise
            continue
        found.append((app, module.load))
    return found


def load_demo(*, scale: int = 1, seed: int = 2026, log: Callable[[str], None] = print) -> DemoContext:
    """Load every app's demo data in one transaction: all of it, or none of it."""
    context = DemoContext(scale=scale, seed=seed, log=log)
    with transaction.atomic():
        for app, load in loaders():
            log(f"  {app} ...")
            load(context)
    return context
