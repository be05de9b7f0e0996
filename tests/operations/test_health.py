"""/healthz and /readyz: cheap, without log-in, for any host name, and saying nothing but ok or failing."""

from __future__ import annotations

import datetime
import json

from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from indsats.outcomes.models import ImportJob
from indsats.outcomes.tasks import run_import


def get(path: str, host: str = "10.0.0.7") -> tuple[int, dict]:
    response = Client(HTTP_HOST=host).get(path)
    return response.status_code, json.loads(response.content)


def test_healthz_answers_any_host_without_the_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        status, body = get("/healthz")
    assert status == 200 and body == {"status": "ok"}


def test_readyz_checks_database_migrations_and_queue(db, settings):
    status, body = get("/readyz")
    assert status == 200
    assert body == {"status": "ok", "database": "ok", "migrations": "ok", "queue": "ok"}


def test_readyz_fails_when_the_queue_is_stuck_and_names_nothing(db, settings, aarhus_caseworker):
    settings.READY_QUEUE_MAX_AGE_SECONDS = 600
    run_import.enqueue(job_id=4711, actor_id=aarhus_caseworker.pk)
    assert get("/readyz")[0] == 200  # just queued
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=11))
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    body = json.loads(response.content)
    assert response.status_code == 503 and body["queue"] == "failing" and body["status"] == "unavailable"
    text = response.content.decode()
    # nothing of the task, its arguments or any person
    for secret in ("4711", str(aarhus_caseworker.pk), "run_import", aarhus_caseworker.username):
        assert secret not in text
    assert response["Cache-Control"] == "no-store"
    assert ImportJob.objects.count() == 0


def test_health_refuses_anything_but_get(db):
    assert Client().post("/readyz").status_code == 405


def test_health_is_not_redirected_to_https_in_production(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client(HTTP_HOST="10.0.0.7").get("/healthz").status_code == 200
