"""How fast is the investment model? A business case with 20 outcomes, a 30-year horizon and 10,000
Monte Carlo draws, every effect, baseline, unit price and decay varied, three intakes.

The requirement: well under a tenth of a second on one core. The limit it is measured against: one plain
numpy pass (a sum) over an array of the same size as the problem, draws x years x outcomes (10,000 x 30 x
20 = 6 million float64), which is the least any method that looks at every draw, year and outcome must do.

Run: ``.venv/bin/python benchmarks/bench_investment.py`` (about ten seconds; not part of the test suite).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

# one core, as the requirement says; set before numpy loads its BLAS
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402

from indsats.engine.investment.case_document import parse_case  # noqa: E402
from indsats.engine.investment.model import compute_case  # noqa: E402

OUTCOMES = 20
HORIZON = 30
DRAWS = 10_000
REPEATS = 15
LIMIT_SECONDS = 0.1


def benchmark_case() -> dict[str, Any]:
    """A case file in the documented format, every uncertain input varied with a mix of distributions."""
    rng = np.random.default_rng(2024)
    payers = ("kommune", "region", "stat")
    outcomes = []
    for j in range(OUTCOMES):
        shares = rng.dirichlet(np.ones(3))
        shares = np.round(shares, 3)
        shares[-1] = round(1.0 - shares[0] - shares[1], 3)
        baseline = float(rng.uniform(0.05, 0.4))
        outcomes.append(
            {
                "name": f"outcome {j}",
                "baseline": {"estimate": baseline, "se": baseline / 10, "distribution": "beta"},
                "effect": {"type": "relative", "estimate": float(rng.uniform(-0.3, -0.05)), "se": 0.05}
                if j % 2 == 0
                else {"type": "absolute", "estimate": -0.02, "ci_low": -0.04, "ci_high": 0.0},
                "persistence": {
                    "full_years": int(rng.integers(0, 5)),
                    "decay": {"estimate": 0.8, "se": 0.05, "distribution": "beta"},
                },
                "start_year": int(rng.integers(0, 3)),
                "unit_price": {
                    "estimate": float(rng.uniform(1e4, 5e5)),
                    "se": 2e4,
                    "distribution": "lognormal",
                }
                if j % 3
                else {"estimate": 80_000.0, "low": 60_000.0, "high": 120_000.0, "distribution": "triangular"},
                "payers": {payer: float(share) for payer, share in zip(payers, shares, strict=True)},
            }
        )
    return {
        "intakes": [
            {"year": 0, "participants": 50},
            {"year": 1, "participants": 50},
            {"year": 2, "participants": 50},
        ],
        "price_year": 2024,
        "horizon_years": HORIZON,
        "costs": [
            {"name": "preparation", "payer": "stat", "category": "preparation", "amount": 400_000, "year": 0},
            {
                "name": "treatment",
                "payer": "kommune",
                "category": "operation",
                "per_participant_per_year": 60_000,
                "years": [0, 1],
            },
        ],
        "outcomes": outcomes,
    }


def best_and_median(function: Callable[[], object], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    case = parse_case(benchmark_case())
    compute_case(case, draws=DRAWS, seed=1)  # warm-up (imports, caches)

    engine_best, engine_median = best_and_median(lambda: compute_case(case, draws=DRAWS, seed=1), REPEATS)
    deterministic_best, _ = best_and_median(lambda: compute_case(case, draws=0), REPEATS)
    parse_best, _ = best_and_median(lambda: parse_case(benchmark_case()), REPEATS)

    array = np.random.default_rng(0).random((DRAWS, HORIZON, OUTCOMES))
    pass_best, pass_median = best_and_median(array.sum, REPEATS)

    print(f"business case: {OUTCOMES} outcomes, {HORIZON} years, {DRAWS:,} draws, everything varied")
    print(
        f"  compute_case with Monte Carlo : best {engine_best * 1e3:7.1f} ms, "
        f"median {engine_median * 1e3:7.1f} ms"
    )
    print(f"  compute_case without draws    : best {deterministic_best * 1e3:7.1f} ms")
    print(f"  parse_case                    : best {parse_best * 1e3:7.1f} ms")
    print(
        f"  one numpy pass (sum) over a {DRAWS:,} x {HORIZON} x {OUTCOMES} array: "
        f"best {pass_best * 1e3:7.1f} ms, "
        f"median {pass_median * 1e3:7.1f} ms"
    )
    print(f"  ratio engine / one pass (best)   : {engine_best / pass_best:6.1f}")
    print(f"  ratio engine / one pass (median) : {engine_median / pass_median:6.1f}")
    verdict = "within" if engine_median < LIMIT_SECONDS else "OVER"
    print(
        f"  requirement < {LIMIT_SECONDS * 1e3:.0f} ms: median {engine_median * 1e3:.1f} ms is {verdict} "
        f"({engine_median / LIMIT_SECONDS:.0%} of the limit)"
    )


if __name__ == "__main__":
    main()
