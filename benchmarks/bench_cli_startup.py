"""How fast does the `indsats` console script start? Each command's ``--help`` run 10 times in a new process
(the median of `time.perf_counter` around `subprocess.run`, as hyperfine does), against the limit of the
issue (0.3 s for ``indsats --help``) and against a bare ``python -c pass`` (the interpreter's own start).
Also lists which heavy libraries each command loads (``python -X importtime``'s largest imports).

Run: ``python benchmarks/bench_cli_startup.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 10
LIMIT = 0.3
HEAVY = ("scipy", "statsmodels", "pandas", "numpy", "django")
COMMANDS = [
    [],
    ["score"],
    ["business-case"],
    ["meta"],
    ["causal"],
    ["prepost"],
    ["allocate"],
    ["demo"],  # a Django management command: settings and apps load, by design
]
CHECK = (
    "import sys\nfrom indsats.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
    "print('loaded:' + ','.join(n for n in {heavy!r} if n in sys.modules), file=sys.stderr)"
)


def median_seconds(command: list[str]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> int:
    floor = median_seconds([sys.executable, "-c", "pass"])
    print(f"python -c pass: {floor * 1000:.0f} ms (median of {REPEATS})")
    print(f"{'command':<32}{'median ms':>10}{'x python':>10}  heavy libraries loaded")
    worst = 0.0
    for argv in COMMANDS:
        full = [*argv, "--help"]
        seconds = median_seconds([str(Path(sys.executable).with_name("indsats")), *full])
        loaded = (
            subprocess.run(
                [sys.executable, "-c", CHECK.format(argv=full, heavy=HEAVY)], capture_output=True, text=True
            )
            .stderr.strip()
            .splitlines()[-1]
        )
        if not argv:
            worst = seconds
        name = "indsats " + " ".join(full)
        print(f"{name:<32}{seconds * 1000:>10.0f}{seconds / floor:>9.1f}x  {loaded[7:]}")
    verdict = "met" if worst <= LIMIT else "NOT met"
    print(f"\nindsats --help: {worst * 1000:.0f} ms (limit {LIMIT * 1000:.0f} ms): {verdict}")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
