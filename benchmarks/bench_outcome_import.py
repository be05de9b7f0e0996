"""Bulk import of SDQ questionnaires on PostgreSQL, against PostgreSQL's own COPY of the same file
(the limit).

Indsats' import reads the file, checks every row (CPR form, dates in the round, answers on the scale,
duplicates), replaces every CPR number by its keyed pseudonym, scores all rows with the engine and writes
participants, enrolments and measurements in one transaction (COPY into the real table). The limit is the
least any import of the file must do: `COPY plain_table FROM STDIN (FORMAT csv)` of the same bytes into a
table of text columns, with no checks, no pseudonyms and no scores.

Run: .venv/bin/python benchmarks/bench_outcome_import.py [ROWS]   (default 1,000,000)
Needs the local PostgreSQL (postgres://postgres@127.0.0.1:5432); uses its own database
`indsats_bench_outcomes`, created and migrated on first use.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "indsats_bench_outcomes"
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indsats.config.settings")
os.environ.setdefault("INDSATS_TESTING", "true")  # development keys; never a production run
# A million rows is ten times the default import limits (outcomes/tabular.py): raise them for this run.
os.environ.setdefault("TABLE_MAX_ROWS", "2000000")
os.environ.setdefault("TABLE_MAX_CELLS", "60000000")
os.environ.setdefault("UPLOAD_MAX_BYTES", str(500 * 1024 * 1024))
sys.path.insert(0, str(ROOT / "src"))


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


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


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from indsats.accounts.models import Membership, Organisation, OrganisationKind, Role, User
    from indsats.interventions.models import Intervention
    from indsats.outcomes.models import Measurement, MeasurementRound
    from indsats.outcomes.registry import ensure_builtin_instruments
    from indsats.outcomes.selectors import instruments
    from indsats.outcomes.services.import_commit import commit_import
    from indsats.outcomes.services.imports import prepare_import

    # a clean slate for the benchmark's own rows (its own database: nothing else lives there)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE outcomes_measurement, outcomes_enrolment, outcomes_participant, "
            "outcomes_importjob CASCADE"
        )
    connection.connection.autocommit = True
    with connection.connection.cursor() as raw:
        raw.execute("VACUUM ANALYZE")
    connection.connection.autocommit = True  # Django's default outside transactions
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
    sdq = instruments().get(key="sdq-parent-4-17")

    content = make_file(rows)
    print(f"{rows:,} SDQ rows, {len(content) / 1e6:.1f} MB CSV")

    start = time.perf_counter()
    job = prepare_import(
        actor=caseworker,
        municipality=municipality,
        measurement_round=measurement_round,
        instrument=sdq,
        content=content,
        file_name="bench.csv",
    )
    checked = time.perf_counter() - start
    assert job.status == "validated", job.errors[:3]
    start = time.perf_counter()
    job = commit_import(actor=caseworker, job=job)
    written = time.perf_counter() - start
    assert Measurement.objects.filter(import_job=job).count() == rows

    columns = ", ".join(["cpr text", "dato text", *[f"sdq{i} text" for i in range(1, 26)]])
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_copy")
        cursor.execute(f"CREATE TABLE bench_plain_copy ({columns})")
        start = time.perf_counter()
        with cursor.cursor.copy(
            "COPY bench_plain_copy FROM STDIN (FORMAT csv, HEADER true, DELIMITER ';')"
        ) as copy:
            for offset in range(0, len(content), 1 << 20):
                copy.write(content[offset : offset + (1 << 20)])
        limit = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM bench_plain_copy")
        assert cursor.fetchone()[0] == rows
        cursor.execute("DROP TABLE bench_plain_copy")

    total = checked + written
    print(f"read + check + pseudonymise : {checked:7.2f} s")
    print(f"score + write (one transaction, COPY): {written:7.2f} s")
    print(f"Indsats import, total       : {total:7.2f} s  ({rows / total:,.0f} rows/s)")
    print(f"limit: PostgreSQL COPY of the file into a plain text table: {limit:7.2f} s")
    print(f"ratio Indsats / COPY limit  : {total / limit:7.1f}x")


if __name__ == "__main__":
    main()
