"""Many processes, one PostgreSQL database: two web processes (gunicorn) and three workers. Every task
(probes, imports, business cases) runs exactly once, a worker killed in the middle of a task leaves it to
another, a session made on one web process works on the other, a file uploaded to one is saved through the
other, and the schedule is taken once. PostgreSQL only (the in-memory SQLite test database cannot be
shared between processes); bounded to two minutes."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from indsats.accounts.models import Role
from indsats.economy import services as economy_services
from indsats.economy.computation import recompute_matches
from indsats.economy.models import BusinessCaseResult, ResultStatus
from indsats.economy.tasks import compute_business_case_result
from indsats.operations.models import ScheduledRun, TaskLease
from indsats.outcomes.models import ImportJob, ImportStatus, Measurement, SourceSystem
from indsats.outcomes.services.imports import prepare_import, queue_import
from tests.economy.factories import worked_example_case
from tests.factories import person_with_role
from tests.operations import probe_tasks
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows

ROOT = Path(__file__).resolve().parents[2]
PROBES = 300
IMPORTS = 20
BUSINESS_CASES = 20
ROWS_PER_IMPORT = 5
DEADLINE_SECONDS = 90

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment() -> dict[str, str]:
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    return {
        **os.environ,
        "INDSATS_TESTING": "true",
        "DJANGO_SETTINGS_MODULE": "indsats.config.settings_test",
        "DATABASE_URL": url,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "TASK_LEASE_SECONDS": "2",
        "CONN_MAX_AGE": "0",
    }


def start_worker(name: str, env: dict[str, str], logs: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "indsats.cli", "worker", "--interval", "0.1", "--no-startup-delay",
         "--worker-id", name, "--verbosity", "0"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(logs / f"{name}.log").open("w"),
    )  # fmt: skip


def start_web(port: int, env: dict[str, str], logs: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "indsats.config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(logs / f"web-{port}.log").open("w"),
    )  # fmt: skip


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def get(opener, url: str) -> tuple[int, str]:
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def multipart(fields: dict[str, str], file_field: str, file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "----indsats-multiprocess-test"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{file_name}"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def web_ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def test_two_web_processes_and_three_workers_run_every_task_exactly_once(tmp_path, aarhus, baseline, sdq):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the in-memory SQLite test database cannot be shared between processes")
    started = time.monotonic()
    probe_tasks.create_table()
    person = person_with_role(Role.CASEWORKER, aarhus, username="multi-cw", first_name="Mette")
    person.set_password("a long test password 4711")
    person.save()
    env = environment()
    processes: list[subprocess.Popen] = []
    try:
        ports = [free_port(), free_port()]
        processes += [start_web(port, env, tmp_path) for port in ports]
        workers = {name: start_worker(name, env, tmp_path) for name in ("w1", "w2", "w3")}
        processes += workers.values()

        # a slow task first; its worker is killed in the middle of it
        slow = probe_tasks.slow_probe.enqueue(n=-1, seconds=3)
        lease = wait_for(
            lambda: TaskLease.objects.filter(task_id=slow.id, pid__isnull=False).first(),
            30,
            "a worker to start",
        )
        wait_for(lambda: any(n == -1 for n, _phase, _pid in probe_tasks.runs()), 10, "the slow task to start")
        killed = next(name for name, process in workers.items() if process.pid == lease.pid)
        workers[killed].send_signal(signal.SIGKILL)
        workers[killed].wait(timeout=10)
        processes.append(start_worker("w4", env, tmp_path))  # the supervisor starts a new one

        # a few hundred tasks of the probe kind and real imports
        for n in range(PROBES):
            probe_tasks.probe.enqueue(n=n)
        jobs = []
        for i in range(IMPORTS):
            job = prepare_import(
                actor=person,
                municipality=aarhus,
                measurement_round=baseline,
                instrument=sdq,
                content=csv_bytes(HEADER, sdq_rows(ROWS_PER_IMPORT, start=i * ROWS_PER_IMPORT)),
                file_name=f"fil-{i}.csv",
            )
            jobs.append(queue_import(actor=person, job=job))

        economist = person_with_role(Role.ECONOMIST, username="multi-economist")
        first = economy_services.request_computation(actor=economist, case=worked_example_case(draws=0))
        results = []
        for seed in range(BUSINESS_CASES):
            result = BusinessCaseResult.objects.create(
                case=first.case,
                document=first.document,
                inputs_hash=first.inputs_hash,
                engine_version=first.engine_version,
                draws=500,
                seed=seed,
                computed_by=economist,
            )
            compute_business_case_result.enqueue(result.pk)
            results.append(result)

        # each import enqueues its insight refresh, and the refresh of its intervention's enrolment counts
        # (the same pair: the second finds it current or refreshes what the first missed)
        total = PROBES + IMPORTS + BUSINESS_CASES + 1 + IMPORTS
        ours = DBTaskResult.objects.exclude(task_path__contains="run_scheduled_job")
        wait_for(
            lambda: ours.filter(status=TaskResultStatus.SUCCESSFUL).count() >= total
            and not ours.exclude(status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]).exists(),
            DEADLINE_SECONDS - (time.monotonic() - started),
            "every task to finish",
        )  # fmt: skip

        # exactly once: every probe wrote one row; the slow one started twice and finished once
        done = Counter(n for n, phase, _pid in probe_tasks.runs() if phase == "done")
        assert done == Counter({n: 1 for n in [-1, *range(PROBES)]})
        assert sum(1 for n, phase, _pid in probe_tasks.runs() if n == -1 and phase == "started") == 2
        slow_row = DBTaskResult.objects.get(pk=slow.id)
        assert slow_row.worker_ids[0] == killed and len(slow_row.worker_ids) == 2
        assert DBTaskResult.objects.exclude(pk=slow.id).filter(status=TaskResultStatus.FAILED).count() == 0
        claimed_twice = [
            row.pk for row in DBTaskResult.objects.exclude(pk=slow.id) if len(row.worker_ids) != 1
        ]
        assert claimed_twice == [], [
            (row.task_path, row.worker_ids) for row in DBTaskResult.objects.filter(pk__in=claimed_twice)
        ]
        assert len({pid for _n, _phase, pid in probe_tasks.runs()}) >= 2  # the work was shared
        assert set(ImportJob.objects.values_list("status", flat=True)) == {ImportStatus.DONE}
        assert Measurement.objects.count() == IMPORTS * ROWS_PER_IMPORT
        computed = BusinessCaseResult.objects.filter(pk__in=[r.pk for r in results])
        assert set(computed.values_list("status", flat=True)) == {ResultStatus.DONE}
        assert all(result.progress == 500 for result in computed)
        assert recompute_matches(computed.get(pk=results[-1].pk))  # the worker's numbers are the engine's
        # the schedule was taken once per job and day, whichever worker took it
        runs = Counter(ScheduledRun.objects.values_list("job", "day"))
        assert all(count == 1 for count in runs.values())

        # a session made on one web process works on the other
        wait_for(lambda: all(web_ready(port) for port in ports), 30, "the web processes")
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        status, page = get(opener, f"http://127.0.0.1:{ports[0]}/konto/log-ind/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "multi-cw", "password": "a long test password 4711"}
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{ports[0]}/konto/log-ind/",
            data=form,
            headers={"Referer": f"http://127.0.0.1:{ports[0]}/konto/log-ind/"},
        )
        opener.open(request, timeout=10).read()
        status, page = get(opener, f"http://127.0.0.1:{ports[1]}/resultater/import/{jobs[0].pk}/")
        assert status == 200 and "fil-0.csv" in page and "Importeret" in page

        # a file uploaded to one web process is validated there, saved through the other, written by a worker
        status, page = get(opener, f"http://127.0.0.1:{ports[1]}/resultater/import/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        fields = {
            "csrfmiddlewaretoken": token,
            "round": str(baseline.pk),
            "instrument": str(sdq.pk),
            "municipality": str(aarhus.pk),
            "source_system": SourceSystem.values[0],
        }
        content = csv_bytes(HEADER, sdq_rows(7, start=1000))
        body, content_type = multipart(fields, "file", "uploaded.csv", content)
        request = urllib.request.Request(
            f"http://127.0.0.1:{ports[1]}/resultater/import/",
            data=body,
            headers={"Content-Type": content_type, "Referer": f"http://127.0.0.1:{ports[1]}/"},
        )
        with opener.open(request, timeout=30) as response:
            detail_url = response.url
        uploaded = ImportJob.objects.get(file_name="uploaded.csv")
        assert uploaded.status == ImportStatus.VALIDATED and detail_url.endswith(f"/import/{uploaded.pk}/")
        _status, page = get(opener, f"http://127.0.0.1:{ports[0]}/resultater/import/{uploaded.pk}/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        commit = urllib.request.Request(
            f"http://127.0.0.1:{ports[0]}/resultater/import/{uploaded.pk}/gem/",
            data=urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode(),
            headers={"Referer": f"http://127.0.0.1:{ports[0]}/"},
        )
        opener.open(commit, timeout=30).read()
        wait_for(
            lambda: ImportJob.objects.get(pk=uploaded.pk).status == ImportStatus.DONE,
            30,
            "the uploaded import",
        )
        assert Measurement.objects.count() == IMPORTS * ROWS_PER_IMPORT + 7
        for port in ports:
            assert get(opener, f"http://127.0.0.1:{port}/readyz")[0] == 200
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        probe_tasks.drop_table()
    assert time.monotonic() - started < 120
