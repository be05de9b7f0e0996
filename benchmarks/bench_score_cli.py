"""`indsats score` on a large file against the I/O it cannot avoid: pandas reading and writing the same
file (the peer and the practical limit: the file must be read and written at least once).

Each round runs, in fresh processes one after the other, pandas' read_csv (all columns as text) plus
to_csv of the same file, and `indsats score` on it; the figures are medians over the rounds, the memory
each process's peak resident size. Target (issue #16): time within 1.5x pandas, memory under 1 GB.

Run: .venv/bin/python benchmarks/bench_score_cli.py [--rows 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ITEMS = [f"sdq{i}" for i in range(1, 26)]

# the process's own peak resident size (VmHWM; getrusage's ru_maxrss would carry the parent's over exec)
PEAK = "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"

PANDAS = f"""
import sys
import pandas as pd
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, na_filter=False)
frame.to_csv(sys.argv[2], index=False)
{PEAK}
"""

INDSATS = f"""
import sys
from indsats.cli import score
code = score.main(["sdq-parent-4-17", sys.argv[1], "-o", sys.argv[2]])
{PEAK}
sys.exit(code)
"""


def write_answers(path: Path, rows: int) -> None:
    """An SDQ file like a municipality's export: an id, a round, 25 items, 3 % of the cells empty."""
    rng = np.random.default_rng(16)
    answers = rng.integers(0, 3, size=(rows, 25)).astype(str)
    answers[rng.random(answers.shape) < 0.03] = ""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["child_id", "round", *ITEMS])
        for start in range(0, rows, 100_000):
            block = answers[start : start + 100_000].tolist()
            writer.writerows([f"C{start + i:07d}", "baseline", *row] for i, row in enumerate(block))


def run(code: str, source: Path, target: Path) -> tuple[float, float]:
    """Seconds and peak MB of one fresh process running ``code``."""
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code, str(source), str(target)], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {done.stderr[-2000:]}")
    return seconds, int(done.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "answers.csv"
        write_answers(source, args.rows)
        peer: list[tuple[float, float]] = []
        ours: list[tuple[float, float]] = []
        for _ in range(args.rounds):
            peer.append(run(PANDAS, source, Path(folder) / "pandas.csv"))
            ours.append(run(INDSATS, source, Path(folder) / "scored.csv"))
        with (Path(folder) / "scored.csv").open() as scored:
            lines = sum(1 for _ in scored)
        if lines != args.rows + 1:
            raise SystemExit(f"the scored file has {lines} lines, expected {args.rows + 1}")
        size = source.stat().st_size / 1e6
    peer_s, peer_mb = statistics.median(p[0] for p in peer), statistics.median(p[1] for p in peer)
    our_s, our_mb = statistics.median(o[0] for o in ours), statistics.median(o[1] for o in ours)
    print(f"indsats score on {args.rows:,} SDQ rows ({size:.0f} MB), median of {args.rounds} rounds")
    print(f"  pandas read_csv + to_csv (peer) : {peer_s:7.2f} s  {peer_mb:7.0f} MB peak")
    print(f"  indsats score                   : {our_s:7.2f} s  {our_mb:7.0f} MB peak")
    print(f"  ratio indsats / pandas          : {our_s / peer_s:7.2f}x   (target <= 1.5x)")
    print(f"  memory                          : {our_mb:7.0f} MB   (target < 1024 MB)")


if __name__ == "__main__":
    main()
