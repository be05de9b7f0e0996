"""`indsats demo`: every app's demo data, loaded in order in one transaction.

Each app that has demo data provides `indsats.<app>.demo.load(context)` (see `accounts.demo.DemoContext`).
The dashboard sits above every app, so it is the one place that knows them all and their order.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.db import transaction

from indsats.accounts.demo import DemoContext

DEMO_APPS = [
    "accounts",
    "interventions",
    "grants",
    "outcomes",
    "evaluation",
    "economy",
    "catalogue",
    "governance",
]


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
