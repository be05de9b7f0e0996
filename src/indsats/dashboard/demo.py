"""`indsats demo`: every app's demo data, loaded in order in one transaction.

Each app that has demo data provides `indsats.<app>.demo.load(context)` (see `accounts.demo.DemoContext`).
The dashboard sits above every app, so it is the one place that knows them all and their order.

Sizes: a whole number N (1 is a small installation, each loader grows with it) or ``national``: the
national scale the benchmarks measure (`NATIONAL`: 1,008 interventions, the 98 municipalities, grants,
studies and business cases in proportion, and 1,000,000 SDQ measurements).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from indsats.accounts.demo import DemoContext, ProgressCallback


@dataclass(frozen=True)
class DemoSize:
    scale: int  # how every loader grows (1 = small)
    interventions: int = 0  # exact totals; 0 = as the scale grows
    measurements: int = 0


# 12 showcase interventions + 12 x 83 generated = 1,008; the other loaders grow with scale 83 too
NATIONAL = DemoSize(scale=83, interventions=1008, measurements=1_000_000)


def demo_size(text: str) -> DemoSize:
    """``--scale``'s value: ``national``, or a whole number of at least 1."""
    if text.strip().lower() == "national":
        return NATIONAL
    scale = int(text)
    if scale < 1:
        raise ValueError("the scale must be 1 or more")
    return DemoSize(scale=scale)


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


def duration(seconds: float) -> str:
    """'0.4 s', '12 s', '3 min 12 s', '1 h 2 min'."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


class ProgressBar:
    """A one-line bar for the long steps (`ProgressCallback`): redrawn in place on a terminal, a line every
    10 % otherwise (a log file, the benchmark's output)."""

    WIDTH = 30

    def __init__(self, *, write: Callable[[str], None], is_terminal: bool) -> None:
        self.write = write
        self.is_terminal = is_terminal
        self.shown: tuple[str, int] = ("", -1)
        self.started = time.perf_counter()

    def __call__(self, what: str, done: int, total: int) -> None:
        if total <= 0:
            return
        percent = min(100, done * 100 // total)
        step = percent if self.is_terminal else percent // 10 * 10
        if (what, step) == self.shown:
            return
        if what != self.shown[0]:
            self.started = time.perf_counter()
        self.shown = (what, step)
        filled = self.WIDTH * percent // 100
        line = (
            f"    {what} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d} % "
            f"{done:,}/{total:,} ({duration(time.perf_counter() - self.started)})"
        )
        if self.is_terminal:
            self.write("\r" + line + ("\n" if done >= total else ""))
        else:
            self.write(line + "\n")


def load_demo(
    *,
    scale: int = 1,
    seed: int = 2026,
    log: Callable[[str], None] = print,
    size: DemoSize | None = None,
    progress: ProgressCallback | None = None,
) -> DemoContext:
    """Load every app's demo data in one transaction: all of it, or none of it. ``size`` (national scale)
    overrides ``scale``; each app's step is logged with its duration, and the total at the end."""
    size = size or DemoSize(scale=scale)
    context = DemoContext(
        scale=size.scale,
        seed=seed,
        log=log,
        interventions=size.interventions,
        measurements=size.measurements,
    )
    if progress is not None:
        context.progress = progress
    started = time.perf_counter()
    with transaction.atomic():
        for app, load in loaders():
            log(f"  {app} ...")
            step = time.perf_counter()
            load(context)
            log(f"  {app}: {duration(time.perf_counter() - step)}")
    context.objects["seconds"] = time.perf_counter() - started
    log(f"  took {duration(context.objects['seconds'])} in all")
    return context
