"""Bulk import of SDQ questionnaires on PostgreSQL, against psql's own `\\copy` of the same file (the limit).

Indsats' import reads the file, checks every row (CPR form, dates in the round, answers on the scale,
duplicates), replaces every CPR number by its keyed pseudonym, keeps the checked rows on the import job,
scores all rows with the engine and writes participants, enrolments and measurements in one transaction.

The reference is the least any import of the file must do: psql's `\\copy` of the same bytes into a plain
TYPED table (cpr text, dato date, sdq1..sdq25 smallint; no checks, no pseudonyms, no scores, no indexes),
measured in the same run, median of 3. The import runs at least twice on each of its two paths, each time
on a fresh database state (the outcome tables emptied, a checkpoint taken) and in fresh processes (so the
peak memory, VmHWM, is the import's own), and prints the time of every phase:

- the command line (`indsats import-outcomes`, the issue's measure): the file checked and written in one
  process, the checked rows kept in memory in between (`check_import_in_memory`, `commit_import(rows=)`);
- the web and the worker: the file checked in one process, the checked rows kept on the job, and written by
  another process (`prepare_import`, then `commit_import`).

Run: .venv/bin/python benchmarks/bench_outcome_import.py [ROWS] [IMPORT_RUNS]  (default 1,000,000 and 2)
Needs the local PostgreSQL (postgres://postgres@127.0.0.1:5432) and psql; uses its own database
`indsats_bench_outcomes` (BENCH_DATABASE), created and migrated on first use.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sdq_file import make_file  # benchmarks/ is the script's own directory, first on sys.path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = os.environ.get("BENCH_DATABASE", "indsats_bench_outcomes")
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indsats.config.settings")
os.environ.setdefault("INDSATS_TESTING", "true")  # development keys; never a production run
# A million rows is ten times the web's import limits (outcomes/tabular.py); `indsats import-outcomes` has
# its own, larger ones (CLI_IMPORT_MAX_*). The benchmark calls the services, so it raises the web's.
os.environ.setdefault("TABLE_MAX_ROWS", "2000000")
os.environ.setdefault("TABLE_MAX_CELLS", "60000000")
os.environ.setdefault("UPLOAD_MAX_BYTES", str(500 * 1024 * 1024))
sys.path.insert(0, str(ROOT / "src"))
REFERENCE_RUNS = 3
PLAIN_TABLE = (
    "bench_plain_copy (cpr text, dato date, " + ", ".join(f"sdq{i} smallint" for i in range(1, 26)) + ")"
)


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def psql(command: str) -> str:
    done = subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            f"{SERVER}/{DATABASE}",
            "-c",
            "\\timing on",
            "-c",
            command,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def reference_copy(path: Path, rows: int) -> list[float]:
    """psql's \\copy of the file into a plain typed table, REFERENCE_RUNS times (emptied and checkpointed
    before each)."""
    psql(f"DROP TABLE IF EXISTS bench_plain_copy; CREATE TABLE {PLAIN_TABLE}")
    seconds = []
    for _ in range(REFERENCE_RUNS):
        psql("TRUNCATE bench_plain_copy")
        psql("CHECKPOINT")
        out = psql(f"\\copy bench_plain_copy FROM '{path}' (FORMAT csv, HEADER true, DELIMITER ';')")
        seconds.append(float(re.findall(r"Time: ([0-9.]+) ms", out)[-1]) / 1000)
    count = psql("SELECT count(*) FROM bench_plain_copy")
    assert str(rows) in count, count
    psql("DROP TABLE bench_plain_copy")
    return seconds


def setup() -> dict[str, int]:
    """The benchmark's municipality, caseworker, intervention and round; the outcome tables emptied."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from indsats.accounts.models import Membership, Organisation, OrganisationKind, Role, User
    from indsats.interventions.models import Intervention
    from indsats.outcomes.models import MeasurementRound
    from indsats.outcomes.registry import ensure_builtin_instruments
    from indsats.outcomes.selectors import instruments

    ensure_builtin_instruments()
    agency, _ = Organisation.objects.get_or_create(
        name="Bench-styrelsen", defaults={"kind": OrganisationKind.AGENCY}
    )
    municipality, _ = Organisation.objects.get_or_create(
        name="Bench Kommune",
        defaults={"kind": OrganisationKind.MUNICIPALITY, "municipality_code": "999", "region": "1082"},
    )
    caseworker, _ = User.objects.get_or_create(username="bench-caseworker")
    Membership.objects.get_or_create(user=caseworker, organisation=municipality, role=Role.CASEWORKER)
    intervention, _ = Intervention.objects.get_or_create(
        name="Bench-indsats",
        defaults={
            "short_description": "bench",
            "origin": "agency",
            "owner": agency,
            "state_entered_at": timezone.now(),
        },
    )
    measurement_round, _ = MeasurementRound.objects.get_or_create(
        intervention=intervention,
        kind="baseline",
        defaults={"opens_on": "2025-01-01", "closes_on": "2025-03-31"},
    )
    connection.close()
    return {
        "municipality": municipality.pk,
        "caseworker": caseworker.pk,
        "round": measurement_round.pk,
        "instrument": instruments().get(key="sdq-parent-4-17").pk,
    }


def fresh_state() -> None:
    """The outcome tables emptied (the benchmark's own database: nothing else lives there), then vacuumed
    and checkpointed, so every run starts alike."""
    psql(
        "TRUNCATE outcomes_measurement, outcomes_enrolment, outcomes_participant, outcomes_importjob CASCADE"
    )
    psql("VACUUM ANALYZE")
    psql("CHECKPOINT")


def run_cli_import(path: Path, ids: dict[str, int]) -> dict[str, object]:
    """One import as `indsats import-outcomes` runs it: checked and written in one fresh process."""
    return _child("--cli", str(path), json.dumps(ids))


def run_import(path: Path, ids: dict[str, int]) -> dict[str, object]:
    """One import as the web and the worker run it: the file checked in one fresh process, the checked
    rows written by another (each one's peak memory, VmHWM, is its own)."""
    first = _child("--prepare", str(path), json.dumps(ids))
    second = _child("--commit", json.dumps({**ids, "job": first["job"]}))
    return {
        "phases": {**first["phases"], **second["phases"]},  # type: ignore[dict-item]
        "peak_mb": max(float(first["peak_mb"]), float(second["peak_mb"])),  # type: ignore[arg-type]
        "peak_write_mb": second["peak_mb"],
    }


def _child(*arguments: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, *arguments],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def prepare_child(path: Path, ids: dict[str, int]) -> None:
    """Read, check and pseudonymise the file (prepare_import, as the web does), keeping the checked rows."""
    import django

    django.setup()
    from indsats.accounts.models import Organisation, User
    from indsats.outcomes.models import Instrument, MeasurementRound
    from indsats.outcomes.services import imports

    phases: dict[str, float] = {}
    store = imports.bulk_write.store_payload

    def timed_store(job: object, rows: object) -> None:  # the payload's share of the first step
        started = time.perf_counter()
        store(job, rows)  # type: ignore[arg-type]
        phases["store validated rows"] = time.perf_counter() - started

    imports.bulk_write.store_payload = timed_store  # type: ignore[attr-defined]
    content = path.read_bytes()
    started = time.perf_counter()
    job = imports.prepare_import(
        actor=User.objects.get(pk=ids["caseworker"]),
        municipality=Organisation.objects.get(pk=ids["municipality"]),
        measurement_round=MeasurementRound.objects.get(pk=ids["round"]),
        instrument=Instrument.objects.get(pk=ids["instrument"]),
        content=content,
        file_name="bench.csv",
    )
    phases["read + validate + pseudonymise"] = (
        time.perf_counter() - started - phases.get("store validated rows", 0.0)
    )
    assert job.status == "validated", job.errors[:3]
    print(json.dumps({"phases": phases, "peak_mb": _peak_mb(), "job": job.pk}))


def check_in_memory(path: Path, ids: dict[str, int]) -> tuple[Any, Any, Any, float]:
    """Read, check and pseudonymise the file as `indsats import-outcomes` does (``check_import_in_memory``),
    in this process (Django set up): the person, the job, the checked rows and the seconds it took."""
    from indsats.accounts.models import Organisation, User
    from indsats.outcomes.models import Instrument, MeasurementRound
    from indsats.outcomes.services import imports

    actor = User.objects.get(pk=ids["caseworker"])
    content = path.read_bytes()
    started = time.perf_counter()
    job, rows = imports.check_import_in_memory(
        actor=actor,
        municipality=Organisation.objects.get(pk=ids["municipality"]),
        measurement_round=MeasurementRound.objects.get(pk=ids["round"]),
        instrument=Instrument.objects.get(pk=ids["instrument"]),
        content=content,
        file_name="bench.csv",
    )
    seconds = time.perf_counter() - started
    assert job.status == "validated", job.errors[:3]
    return actor, job, rows, seconds


def cli_child(path: Path, ids: dict[str, int]) -> None:
    """Check and write the file in this one process, the rows in memory in between (as the command does)."""
    import django

    django.setup()
    from indsats.outcomes.models import Measurement
    from indsats.outcomes.services.import_commit import commit_import

    phases: dict[str, float] = {}

    def on_phase(name: str, seconds: float) -> None:
        phases[name] = seconds

    actor, job, rows, phases["read + validate + pseudonymise"] = check_in_memory(path, ids)
    started = time.perf_counter()
    job = commit_import(actor=actor, job=job, rows=rows, on_phase=on_phase)
    phases["write total (load .. commit)"] = time.perf_counter() - started
    assert Measurement.objects.filter(import_job=job).count() == job.total_rows
    print(json.dumps({"phases": phases, "peak_mb": _peak_mb()}))


def commit_child(ids: dict[str, int]) -> None:
    """Write the checked rows (commit_import, as the worker and the command do), timing every phase."""
    import django

    django.setup()
    from indsats.accounts.models import User
    from indsats.outcomes.models import ImportJob, Measurement
    from indsats.outcomes.services.import_commit import commit_import

    phases: dict[str, float] = {}

    def on_phase(name: str, seconds: float) -> None:
        phases[name] = seconds

    started = time.perf_counter()
    job = commit_import(
        actor=User.objects.get(pk=ids["caseworker"]),
        job=ImportJob.objects.get(pk=ids["job"]),
        on_phase=on_phase,
    )
    phases["write total (load .. commit)"] = time.perf_counter() - started
    assert Measurement.objects.filter(import_job=job).count() == job.total_rows
    print(json.dumps({"phases": phases, "peak_mb": _peak_mb()}))


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    ensure_database()
    ids = setup()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.csv"
        path.write_bytes(make_file(rows))
        print(f"{rows:,} SDQ rows, {path.stat().st_size / 1e6:.1f} MB CSV")
        references = reference_copy(path, rows)
        cli_results, web_results = [], []
        for _ in range(runs):
            fresh_state()
            cli_results.append(run_cli_import(path, ids))
            fresh_state()
            web_results.append(run_import(path, ids))
    reference = statistics.median(references)
    print(f"\nreference: psql \\copy into a plain typed table: {', '.join(f'{s:.2f}' for s in references)} s")
    print(f"           median {reference:.2f} s")
    report(
        "command line (indsats import-outcomes: one process, rows in memory)", cli_results, reference, rows
    )
    report(
        "web + worker (checked rows kept on the job, written by another process)",
        web_results,
        reference,
        rows,
    )


def report(title: str, results: list[dict[str, object]], reference: float, rows: int) -> None:
    runs = len(results)
    print(f"\n== {title}")
    names = list(results[0]["phases"])  # type: ignore[call-overload]
    print(f"{'phase':40} " + " ".join(f"{'run ' + str(i + 1):>8}" for i in range(runs)) + f" {'x copy':>7}")
    for name in names:
        values = [float(r["phases"][name]) for r in results]  # type: ignore[index]
        print(
            f"{name:40} "
            + " ".join(f"{v:8.2f}" for v in values)
            + f" {statistics.median(values) / reference:7.2f}"
        )
    totals = [
        float(r["phases"]["read + validate + pseudonymise"])  # type: ignore[index]
        + float(r["phases"].get("store validated rows", 0.0))  # type: ignore[union-attr]
        + float(r["phases"]["write total (load .. commit)"])  # type: ignore[index]
        for r in results
    ]
    writes = [float(r["phases"]["write total (load .. commit)"]) for r in results]  # type: ignore[index]
    total = statistics.median(totals)
    print(f"{'import total':40} " + " ".join(f"{v:8.2f}" for v in totals) + f" {total / reference:7.2f}")
    print(f"import, median: {total:.2f} s ({rows / total:,.0f} rows/s)")
    print(f"ratio import / psql \\copy       : {total / reference:.1f}x (must be at most 5x, aim 2x)")
    print(f"ratio write path / psql \\copy   : {statistics.median(writes) / reference:.1f}x (budget 3x)")
    peaks = ", ".join(f"{float(r['peak_mb']):.0f}" for r in results)  # type: ignore[arg-type]
    line = f"peak memory of the import (VmHWM): {peaks} MB"
    if "peak_write_mb" in results[0]:
        line += (
            "; of the write step alone: "
            + ", ".join(
                f"{float(r['peak_write_mb']):.0f}"  # type: ignore[arg-type]
                for r in results
            )
            + " MB"
        )
    print(line)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
        prepare_child(Path(sys.argv[2]), json.loads(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--cli":
        cli_child(Path(sys.argv[2]), json.loads(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--commit":
        commit_child(json.loads(sys.argv[2]))
    else:
        main()
