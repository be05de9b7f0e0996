"""`indsats import-outcomes`: errors by row and column, a progress bar, and a process killed mid-way."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indsats.outcomes.models import Enrolment, Measurement, Participant
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]


def run(path, **extra):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_outcomes",
        str(path),
        "--user",
        "cw-aarhus",
        "--municipality",
        "751",
        "--intervention",
        "Skolefravær",
        "--round",
        "baseline",
        "--instrument",
        "sdq-parent-4-17",
        stdout=out,
        stderr=err,
        **extra,
    )
    return out.getvalue(), err.getvalue()


def test_the_command_imports_a_good_xlsx(tmp_path, aarhus_caseworker, baseline, sdq):
    path = tmp_path / "good.xlsx"
    path.write_bytes(xlsx_bytes(HEADER, sdq_rows(25)))
    out, _err = run(path)
    assert "25 rækker er gyldige" in out and "25 målinger importeret" in out
    assert Measurement.objects.count() == 25


def test_the_command_reads_more_rows_than_a_web_upload_and_keeps_its_own_limit(
    tmp_path, aarhus_caseworker, baseline, sdq, settings
):
    settings.TABLE_MAX_ROWS = 10  # the web's limit
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes(HEADER, sdq_rows(30)))
    out, _err = run(path)  # the command's own limit (CLI_IMPORT_MAX_ROWS) applies
    assert "30 målinger importeret" in out and Measurement.objects.count() == 30
    assert settings.TABLE_MAX_ROWS == 10  # the web's limit is left as it was
    path.write_bytes(csv_bytes(HEADER, sdq_rows(30, start=30)))
    with pytest.raises(CommandError):
        run(path, max_rows=20)
    assert Measurement.objects.count() == 30


def test_the_command_lists_errors_and_imports_nothing(tmp_path, aarhus_caseworker, baseline, sdq):
    rows = sdq_rows(4)
    rows[3][1] = "2026-13-01"
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(HEADER, rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 fejl"):
        call_command(
            "import_outcomes",
            str(path),
            "--user",
            "cw-aarhus",
            "--municipality",
            "751",
            "--intervention",
            "Skolefravær",
            "--round",
            "baseline",
            "--instrument",
            "sdq-parent-4-17",
            stderr=err,
        )
    assert "række 5, kolonne dato" in err.getvalue()
    assert Measurement.objects.count() == 0


SCRIPT = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "indsats.config.settings"
django.setup()
from django.core.management import call_command
from indsats.outcomes import bulk_write
original = bulk_write.write_rows
def slow_phases(*, job, rows, progress, on_phase=None):
    def report(name, seconds):
        print("phase", name, flush=True)
        import time; time.sleep(30 if name == "participants" else 0)  # participants written, not committed
    return original(job=job, rows=rows, progress=progress, on_phase=report)
bulk_write.write_rows = slow_phases
call_command("import_outcomes", sys.argv[1], "--user", "cw-aarhus", "--municipality", "751",
             "--intervention", "Skolefravær", "--round", "baseline", "--instrument", "sdq-parent-4-17")
"""


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_during_an_import_leaves_the_database_as_it_was(
    tmp_path, aarhus_caseworker, baseline, sdq, settings
):
    """The import runs in another process on a real database file, which is killed once the participants
    are written (in the import's open transaction)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and ("memory" in str(database["NAME"]) or not database["NAME"]):
        pytest.skip(
            "the in-memory SQLite test database cannot be shared with a second process: run on PostgreSQL"
        )
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(HEADER, sdq_rows(500)))
    env = {**os.environ, "INDSATS_TESTING": "true", "PYTHONPATH": str(ROOT / "src")}
    if database["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{database['NAME']}"
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line.strip())
        if line.startswith("phase participants"):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert "phase participants" in seen, (seen, process.stderr.read())
    assert Measurement.objects.count() == 0 and Participant.objects.count() == 0
    assert Enrolment.objects.count() == 0
