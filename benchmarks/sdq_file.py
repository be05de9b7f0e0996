"""The import benchmarks' file: 1,000,000 (or ROWS) SDQ questionnaires as a semicolon CSV."""

from __future__ import annotations


def make_file(rows: int) -> bytes:
    """Distinct made-up CPR numbers of the right form (born 2000-2019), answers 0-2 with 5 % missing."""
    import numpy as np

    rng = np.random.default_rng(7)
    n = np.arange(rows)
    day = 1 + n % 28
    month = 1 + (n // 28) % 12
    year = (n // 336) % 20
    serial = 4000 + (n // 6720)
    answers = rng.integers(0, 3, size=(rows, 25)).astype(str)
    answers[rng.random(answers.shape) < 0.05] = ""
    header = "cpr;dato;" + ";".join(f"sdq{i}" for i in range(1, 26))
    lines = [header]
    for i in range(rows):
        lines.append(
            f"{day[i]:02d}{month[i]:02d}{year[i]:02d}-{serial[i]:04d};2025-02-10;" + ";".join(answers[i])
        )
    return ("\n".join(lines) + "\n").encode()
