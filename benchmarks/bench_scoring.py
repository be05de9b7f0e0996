"""Questionnaire scoring speed: the vectorised engine against a per-row Python loop of the official
SDQ scoring syntax (the peer), and against one bare numpy pass over the same array (the limit).

Run: .venv/bin/python benchmarks/bench_scoring.py
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from indsats.engine.instruments import load_instrument
from indsats.engine.scoring import score

SUBSCALES = {
    "emotional": (3, 8, 13, 16, 24),
    "conduct": (5, 7, 12, 18, 22),
    "hyperactivity": (2, 10, 15, 21, 25),
    "peer": (6, 11, 14, 19, 23),
    "prosocial": (1, 4, 9, 17, 20),
}
REVERSED = {7, 11, 14, 21, 25}
ROWS = 100_000


def score_row_by_row(answers: list[list[float]]) -> list[dict[str, float]]:
    """The official syntax, one row at a time: prorate when at least 3 of 5 items are answered."""
    results = []
    for row in answers:
        scored: dict[str, float] = {}
        for name, items in SUBSCALES.items():
            values = [
                2 - row[i - 1] if i in REVERSED else row[i - 1] for i in items if not math.isnan(row[i - 1])
            ]
            scored[name] = math.floor(sum(values) / len(values) * 5 + 0.5) if len(values) >= 3 else math.nan
        results.append(scored)
    return results


def best_of(repeats: int, work: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    rng = np.random.default_rng(1)
    answers = rng.integers(0, 3, size=(ROWS, 25)).astype(float)
    answers[rng.random(answers.shape) < 0.05] = np.nan
    sdq = load_instrument("sdq-parent-4-17")
    score(sdq, answers[:10])  # warm up
    engine = best_of(5, lambda: score(sdq, answers))
    bare = best_of(5, lambda: np.nansum(answers, axis=1))
    sample = answers[:20_000].tolist()
    loop = best_of(1, lambda: score_row_by_row(sample)) * (ROWS / len(sample))
    print(f"SDQ scoring of {ROWS:,} rows (validation, 5 subscales, total, bands)")
    print(f"  engine (vectorised)            : {engine * 1000:8.1f} ms")
    print(f"  row-by-row Python loop (peer)  : {loop * 1000:8.1f} ms (extrapolated from 20,000 rows)")
    print(f"  one bare numpy nansum (limit)  : {bare * 1000:8.1f} ms")
    print(f"  ratio peer / engine            : {loop / engine:8.1f}x faster")
    print(f"  ratio engine / bare numpy pass : {engine / bare:8.1f}x")


if __name__ == "__main__":
    main()
