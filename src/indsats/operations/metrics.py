"""Prometheus metrics at /metrics, for a scraper holding METRICS_TOKEN (operations.middleware).

Two kinds: what each web process counts itself (requests and their latency per view, database queries per
request; with several processes set PROMETHEUS_MULTIPROC_DIR so that every process's counts are added
up), and what the database knows, read at scrape time and so the same whichever process answers: the task
queue (length and age of the oldest waiting task), tasks per kind and outcome with their mean duration over
the last hour, interrupted tasks, imports' rows per second, log-in failures and lock-outs. Labels are view
and task names, never a person, an id or a CPR number."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from indsats.operations import health, leases

REQUESTS = Counter("indsats_http_requests", "HTTP requests answered", ["view", "method", "status"])
LATENCY = Histogram(
    "indsats_http_request_duration_seconds",
    "Time to answer a request, per view",
    ["view"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUERIES = Histogram(
    "indsats_db_queries_per_request",
    "Database queries made to answer a request, per view",
    ["view"],
    buckets=(1, 5, 10, 25, 50, 100, 250, 1000),
)


def observe_request(view: str, method: str, status: int, seconds: float, queries: int | None = None) -> None:
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    LATENCY.labels(view=view).observe(seconds)
    if queries is not None:
        QUERIES.labels(view=view).observe(queries)


def _short(task_path: str) -> str:
    """The app and the function: indsats.outcomes.tasks.run_import -> outcomes.run_import."""
    parts = task_path.split(".")
    return f"{parts[-3]}.{parts[-1]}" if len(parts) >= 3 else task_path


class DatabaseCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        tasks = GaugeMetricFamily("indsats_tasks", "Tasks by kind and status", labels=["task", "status"])
        for row in DBTaskResult.objects.values("task_path", "status").annotate(n=Count("id")):
            tasks.add_metric([_short(row["task_path"]), row["status"]], row["n"])
        yield tasks
        ready = GaugeMetricFamily("indsats_task_queue_length", "Tasks waiting to run")
        ready.add_metric([], DBTaskResult.objects.ready().count())
        yield ready
        age = GaugeMetricFamily("indsats_task_queue_oldest_seconds", "Age of the oldest task waiting to run")
        age.add_metric([], health.oldest_queued_age(now) or 0.0)
        yield age
        interrupted = GaugeMetricFamily(
            "indsats_tasks_interrupted", "Tasks ended because their worker died (after every retry)"
        )
        interrupted.add_metric(
            [], DBTaskResult.objects.filter(exception_class_path=leases.WORKER_LOST).count()
        )
        yield interrupted
        yield self._durations(now)
        yield from self._imports(now)
        yield from self._logins()

    def _durations(self, now: datetime.datetime) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "indsats_task_duration_seconds_mean_1h",
            "Mean duration of tasks finished in the last hour, by kind and outcome",
            labels=["task", "status"],
        )
        sums: dict[tuple[str, str], list[float]] = {}
        recent = DBTaskResult.objects.filter(finished_at__gte=now - datetime.timedelta(hours=1)).exclude(
            started_at=None
        )
        for path, status, started, finished in recent.values_list(
            "task_path", "status", "started_at", "finished_at"
        ):
            if started is not None and finished is not None:
                sums.setdefault((_short(path), status), []).append((finished - started).total_seconds())
        for (task, status), values in sorted(sums.items()):
            family.add_metric([task, status], sum(values) / len(values))
        return family

    def _imports(self, now: datetime.datetime) -> Iterator[GaugeMetricFamily]:
        import_job = apps.get_model("outcomes", "ImportJob")  # a model of an app above: by name
        done = import_job.objects.filter(status="done", finished_at__gte=now - datetime.timedelta(days=1))
        rows = 0
        seconds = 0.0
        for done_rows, created, finished in done.values_list("done_rows", "created_at", "finished_at"):
            if finished is None:
                continue
            rows += done_rows
            seconds += max((finished - created).total_seconds(), 0.001)
        family = GaugeMetricFamily(
            "indsats_import_rows_per_second_1d", "Rows saved per second by imports finished in the last day"
        )
        family.add_metric([], rows / seconds if seconds else 0.0)
        yield family

    def _logins(self) -> Iterator[GaugeMetricFamily]:
        attempt = apps.get_model("axes", "AccessAttempt")
        failures = GaugeMetricFamily("indsats_login_failures", "Failed log-ins counted by the throttle now")
        failures.add_metric([], attempt.objects.aggregate(n=Sum("failures_since_start"))["n"] or 0)
        yield failures
        lockouts = GaugeMetricFamily("indsats_login_lockouts", "User name and address pairs locked out now")
        lockouts.add_metric(
            [], attempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).count()
        )
        yield lockouts


def _registry() -> Any:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY, QUERIES):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return registry


def exposition() -> bytes:
    return generate_latest(_registry())
