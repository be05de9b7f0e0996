"""``indsats allocate``: the allocation helper from the command line, checked against combinations
counted by hand; bad numbers and negative values are refused with the line and column."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

from tests.cli.test_business_case_cli import RUN_DISPATCHER

CANDIDATES = [("A", 12_000_000, 30, "skole"), ("B", 8_000_000, 20, "skole"), ("C", 10_000_000, 22, ""),
              ("D", 6_000_000, 9, "")]  # fmt: skip


def run_allocate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_DISPATCHER, "allocate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _file(tmp_path: Path, text: str, name: str = "kandidater.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _candidates_csv(tmp_path: Path) -> Path:
    lines = ["key;name;cost;value;group"] + [f"{k};Initiativ {k};{c};{v};{g}" for k, c, v, g in CANDIDATES]
    return _file(tmp_path, "\n".join(lines) + "\n")


def _brute_force(budget: int, allowed=lambda keys: True) -> tuple[float, set[str]]:
    """The best combination by trying every subset (an independent reference for the solver)."""
    best = (-1.0, set())
    for size in range(len(CANDIDATES) + 1):
        for chosen in itertools.combinations(CANDIDATES, size):
            keys = {k for k, *_ in chosen}
            if sum(c for _, c, _, _ in chosen) <= budget and allowed(keys):
                value = sum(v for _, _, v, _ in chosen)
                if value > best[0]:
                    best = (value, keys)
    return best


def test_the_best_combination_matches_every_subset_tried_by_hand(tmp_path):
    result = run_allocate(str(_candidates_csv(tmp_path)), "--budget", "25000000", "--json")
    assert result.returncode == 0, result.stderr
    best = json.loads(result.stdout)["combinations"][0]
    value, keys = _brute_force(25_000_000)
    assert best["total_value"] == value == 52
    assert {f["key"] for f in best["funded"]} == keys == {"A", "C"}


def test_must_exclude_and_a_group_limit(tmp_path):
    path = str(_candidates_csv(tmp_path))
    result = run_allocate(
        path, "--budget", "25000000", "--must-exclude", "C", "--group-max", "skole=1", "--json"
    )
    assert result.returncode == 0, result.stderr
    best = json.loads(result.stdout)["combinations"][0]
    value, keys = _brute_force(25_000_000, lambda k: "C" not in k and len(k & {"A", "B"}) <= 1)
    assert {f["key"] for f in best["funded"]} == keys and best["total_value"] == value == 39


def test_a_negative_value_is_refused_with_its_line(tmp_path):
    path = _file(tmp_path, "key,name,cost,value\nA,Godt,100,3\nB,Skadeligt,100,-3\n")
    result = run_allocate(str(path), "--budget", "1000")
    assert result.returncode == 2
    assert "line 3, column value: -3 is negative" in result.stderr


def test_a_thousands_separator_is_refused_not_misread(tmp_path):
    path = _file(tmp_path, "key;name;cost;value\nA;X;12.000.000;3\n")
    result = run_allocate(str(path), "--budget", "20000000")
    assert result.returncode == 2
    assert "line 2, column cost: '12.000.000' is not a plain number" in result.stderr


def test_decimal_commas_are_read_exactly(tmp_path):
    path = _file(tmp_path, "key;name;cost;value;min_share\nA;X;100;2,5;0,5\n")
    result = run_allocate(str(path), "--budget", "50", "--json")
    assert result.returncode == 0, result.stderr
    funded = json.loads(result.stdout)["combinations"][0]["funded"][0]
    assert funded["share"] == 0.5 and funded["value"] == 1.25


def test_an_unknown_group_in_a_limit_is_named(tmp_path):
    result = run_allocate(str(_candidates_csv(tmp_path)), "--budget", "1", "--group-max", "sundhed=1")
    assert result.returncode == 2 and "sundhed" in result.stderr
