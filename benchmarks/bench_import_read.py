"""Reading and validating a file of SDQ questionnaires (the first half of an import: no database writes),
before and after the plain-CSV fast path, against PostgreSQL's `\\copy` of the same file into a plain
typed table and against pandas.read_csv.

The file is bench_outcome_import.make_file's (distinct made-up CPR numbers, answers 0-2 with 5 % missing,
`cpr;dato;sdq1..sdq25`). Each run is a fresh process; the median of ``--repeat`` runs is reported, with
the process's peak resident memory (VmHWM from /proc/self/status). The old code is the baseline commit's
outcomes/importing.py (``git show``), run on today's tabular.read_table (its general reader, unchanged).

Run: .venv/bin/python benchmarks/bench_import_read.py [ROWS] [--repeat 3] [--baseline COMMIT] [--general]
(default 1,000,000 rows; needs the local PostgreSQL for the \\copy peer, psql on PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sdq_file import make_file  # benchmarks/ is the script's own directory, first on sys.path

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
BASELINE = "427e4fb"  # main before the fast path
LIMITS = {"TABLE_MAX_ROWS": "2000000", "TABLE_MAX_CELLS": "60000000", "UPLOAD_MAX_BYTES": str(500 << 20)}


def peak_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


# --- one run, in a fresh process -------------------------------------------------------------------


def child(mode: str, path: str, old_source: str) -> dict[str, float]:
    os.environ.update(LIMITS)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indsats.config.settings_test")
    import django

    django.setup()
    import datetime
    import importlib.util

    from indsats.engine.instruments import load_instrument

    if mode == "old":
        spec = importlib.util.spec_from_file_location("old_importing", old_source)
        assert spec and spec.loader
        importing = importlib.util.module_from_spec(spec)
        sys.modules["old_importing"] = importing
        spec.loader.exec_module(importing)
    else:
        from indsats.outcomes import importing
    sdq = load_instrument("sdq-parent-4-17")
    arguments = {
        "instrument": sdq,
        "mapping": {},
        "key": b"k" * 32,
        "municipality_code": "751",
        "opens_on": datetime.date(2025, 1, 1),
        "closes_on": datetime.date(2025, 12, 31),
    }
    content = Path(path).read_bytes()
    start_peak = peak_mb()
    result: dict[str, float] = {"start_mb": start_peak}
    started, cpu = time.perf_counter(), time.process_time()
    if mode == "old":
        table = importing.read_table(content, Path(path).name)
    else:  # "new-general": today's code made to take the general reader (as a quoted CSV would)
        table = importing.read_table(content, Path(path).name, plain=mode == "new")
    result["read"] = time.perf_counter() - started
    result["read_cpu"] = time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    report = importing.validate_import(table, **arguments)
    result["validate"] = time.perf_counter() - started
    result["validate_cpu"] = time.process_time() - cpu
    result["total"] = result["read"] + result["validate"]
    result["total_cpu"] = result["read_cpu"] + result["validate_cpu"]
    assert report.is_valid, report.errors[:3]
    result["peak_mb"] = peak_mb()
    rows = report.rows
    del report
    # the phases one by one, on the same table (after the peak was taken)
    if mode == "old":
        frame = importing.apply_mapping(table, sdq, {}, importing.ValidationReport())
        started = time.process_time()
        importing.check_cprs(frame["cpr"], key=b"k" * 32, municipality_code="751")
        result["cpr+hmac"] = time.process_time() - started
        started = time.process_time()
        importing._parse_dates(frame["dato"])
        result["dates"] = time.process_time() - started
        started = time.process_time()
        importing._parse_answers(frame, sdq, importing.ValidationReport())
        result["answers"] = time.process_time() - started
    else:
        columns = importing.apply_mapping(table, sdq, {}, importing.ValidationReport())
        assert columns is not None
        started = time.process_time()
        checked = importing.check_cprs(columns["cpr"], key=b"k" * 32, municipality_code="751")
        result["cpr+hmac"] = time.process_time() - started
        digits, _ = importing._cpr_digits(columns["cpr"])
        numbers = digits.view("S10").ravel().tolist()
        started = time.process_time()
        importing._pseudonym_digests(b"k" * 32, "751", numbers)
        result["hmac"] = time.process_time() - started
        started = time.process_time()
        importing._date_column(columns["dato"])
        result["dates"] = time.process_time() - started
        started = time.process_time()
        importing._parse_answers(columns, table.rows, sdq, importing.ValidationReport())
        result["answers"] = time.process_time() - started
        started = time.process_time()
        importing._repeats(checked.numbers)
        result["duplicates"] = time.process_time() - started
        result["plain"] = float(table.path == "plain")
    result["rows"] = len(rows)
    return result


def run_child(mode: str, path: Path, old_source: Path) -> dict[str, float]:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), str(old_source)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def psql_copy(path: Path) -> float:
    """psql's own timing of ``\\copy`` of the file into a temporary table of typed columns."""
    columns = ", ".join(f"sdq{i} smallint" for i in range(1, 26))
    script = (
        f"CREATE TEMP TABLE plain_import (cpr text, dato date, {columns});\n"
        "\\timing on\n"
        f"\\copy plain_import FROM '{path}' WITH (FORMAT csv, HEADER, DELIMITER ';')\n"
    )
    done = subprocess.run(
        ["psql", SERVER, "-q", "-v", "ON_ERROR_STOP=1"],
        input=script,
        text=True,
        check=True,
        capture_output=True,
    )
    timing = [line for line in done.stdout.splitlines() if line.startswith("Time:")][-1]
    return float(timing.split()[1]) / 1000


def pandas_read(path: Path) -> dict[str, float]:
    code = (
        "import time, pandas as pd, sys\n"
        "s = time.perf_counter(); pd.read_csv(sys.argv[1], sep=';'); t = time.perf_counter() - s\n"
        "hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
        "print(t, hwm / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    seconds, peak = out.stdout.split()
    return {"total": float(seconds), "peak_mb": float(peak)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--skip-old", action="store_true")
    parser.add_argument("--general", action="store_true", help="also today's general reader on the file")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "sdq.csv"
        path.write_bytes(make_file(arguments.rows))
        old_source = Path(directory) / "old_importing.py"
        old_source.write_text(
            subprocess.run(
                ["git", "show", f"{arguments.baseline}:src/indsats/outcomes/importing.py"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        print(
            f"{arguments.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB; "
            f"median of {arguments.repeat} fresh processes"
        )
        copy = statistics.median(psql_copy(path) for _ in range(arguments.repeat))
        pandas_runs = [pandas_read(path) for _ in range(arguments.repeat)]
        print(f"psql \\copy into a typed temp table: {copy:.2f} s")
        print(
            f"pandas.read_csv: {statistics.median(r['total'] for r in pandas_runs):.2f} s, "
            f"peak {statistics.median(r['peak_mb'] for r in pandas_runs):.0f} MB"
        )
        modes = (["new"] if arguments.skip_old else ["old", "new"]) + (
            ["new-general"] if arguments.general else []
        )
        for mode in modes:
            runs = [run_child(mode, path, old_source) for _ in range(arguments.repeat)]
            keys = [k for k in runs[0] if k not in ("rows", "plain")]
            median = {k: statistics.median(r[k] for r in runs) for k in keys}
            phases = ", ".join(
                f"{k} {median[k]:.2f} s"
                for k in keys
                if k not in ("start_mb", "peak_mb", "total", "total_cpu", "read", "validate")
            )
            print(
                f"{mode}: read+validate {median['total']:.2f} s wall = {median['total'] / copy:.1f}x \\copy "
                f"({median['total_cpu']:.2f} s CPU); peak {median['peak_mb']:.0f} MB (before reading "
                f"{median['start_mb']:.0f} MB); read {median['read']:.2f} s, "
                f"validate {median['validate']:.2f} s wall; CPU seconds: {phases}"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(*sys.argv[2:5])))
    else:
        main()
