"""Tasks for the multi-process test only: each run is written to a plain table without a unique key, so a
task that ran twice shows as two rows."""

from __future__ import annotations

import os
import time

from django.db import connection
from django_tasks import task


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS operations_probe_runs (n integer, phase text, pid integer)"
        )


def drop_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS operations_probe_runs")


def runs() -> list[tuple[int, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT n, phase, pid FROM operations_probe_runs")
        return list(cursor.fetchall())


def _write(n: int, phase: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO operations_probe_runs (n, phase, pid) VALUES (%s, %s, %s)", [n, phase, os.getpid()]
        )


@task()
def probe(*, n: int) -> int:
    _write(n, "done")
    return n


@task()
def slow_probe(*, n: int, seconds: float) -> int:
    _write(n, "started")
    time.sleep(seconds)
    _write(n, "done")
    return n
