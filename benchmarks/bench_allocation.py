"""Speed of the allocation helper against a single scipy.optimize.milp call on the same problem.

Run on demand (not part of the test suite):

    .venv/bin/python benchmarks/bench_allocation.py

Brute force over 2^n subsets stops being a yardstick long before 60 candidates (2^60 subsets), so the
peer is the least any exact answer costs: one ``scipy.optimize.milp`` call that finds the best
combination only (a plain 0-1 knapsack, built here independently of the engine). The helper does more
for the steering group: the best plus the next ``top_k - 1`` distinct combinations (one solve each,
with no-good cuts) and the best value with and without each candidate (read off the top-k list where
possible, one solve per missing side otherwise). The ratio says how much that costs; the number of
MILP solves says where it goes. The two optima are checked to agree before the clocks are compared.

Candidates: costs of 2-40 million kroner, values weakly correlated with cost, budget 30 % of the total
cost, seeded. Each timing is the best of several repeats (time.perf_counter); the largest size runs
once so that the whole benchmark stays under a minute on a shared machine.

HiGHS 1.12 (bundled with scipy 1.17) prints a stray debug line
("HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();") on the C-level stdout in
some solves (ERGO-Code/HiGHS issue #2783); the benchmark sends the process's stdout to /dev/null while
it solves so that the table stays readable.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from indsats.engine.allocation import Candidate, recommend_allocation

SIZES = (30, 60, 120)
TOP_K = 5


@contextlib.contextmanager
def solver_output_discarded() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null for the duration (HiGHS writes to it directly, not via Python)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def best_time(function: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` runs, in seconds (the least disturbed by other work on the machine)."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def make_problem(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    cost = rng.uniform(2e6, 40e6, n)
    value = cost / 1e6 * rng.uniform(0.6, 1.4, n) + rng.normal(0.0, 5.0, n)
    return cost, value, 0.3 * float(cost.sum())


def single_milp(cost: np.ndarray, value: np.ndarray, budget: float) -> float:
    """The peer: one exact solve of max value.y subject to cost.y <= budget, y in {0, 1}."""
    result = milp(
        c=-value,
        constraints=LinearConstraint(cost[None, :], -np.inf, budget),
        bounds=Bounds(0, 1),
        integrality=np.ones(cost.size),
        options={"mip_rel_gap": 0.0},
    )
    return float(value @ (result.x > 0.5))


def main() -> None:
    print(f"Allocation helper (top_k={TOP_K} + trade-offs) against one scipy.optimize.milp call")
    for n in SIZES:
        cost, value, budget = make_problem(n, seed=n)
        candidates = [Candidate(f"c{i}", f"Candidate {i}", float(cost[i]), float(value[i])) for i in range(n)]
        repeats = {30: 3, 60: 2}.get(n, 1)
        with solver_output_discarded():
            start = time.perf_counter()
            result = recommend_allocation(candidates, budget, top_k=TOP_K)
            ours = time.perf_counter() - start
            if repeats > 1:
                again = best_time(lambda: recommend_allocation(candidates, budget, top_k=TOP_K), repeats - 1)  # noqa: B023
                ours = min(ours, again)
            peer_value = single_milp(cost, value, budget)
            peer = best_time(lambda: single_milp(cost, value, budget), 5)  # noqa: B023
        assert abs(result.best.total_value - peer_value) <= 1e-6 * np.abs(value).max(), "the optima disagree"
        print(
            f"  n = {n:3d}: recommend_allocation {ours * 1e3:8.1f} ms ({result.solver_calls} MILP solves, "
            f"{ours / result.solver_calls * 1e3:5.1f} ms each), one milp {peer * 1e3:6.1f} ms, "
            f"ratio {ours / peer:6.1f}x slower; best value {result.best.total_value:.2f}"
        )


if __name__ == "__main__":
    main()
