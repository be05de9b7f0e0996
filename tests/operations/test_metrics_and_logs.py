"""/metrics for a scraper with the token, saying nothing personal; JSON log lines with the request id that
the tasks a request queued carry too, and never a CPR number."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from indsats.config.log_filters import MaskCprFilter
from indsats.config.log_format import JsonFormatter
from indsats.operations.log_context import LogContext, log_context
from indsats.outcomes.tasks import run_import
from tests.conftest import logged_in

TOKEN = "a-scraper-token-of-some-length"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(token: str | None = TOKEN) -> tuple[int, str]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = Client(HTTP_HOST="10.0.0.9").get("/metrics", **headers)
    return response.status_code, response.content.decode()


def test_metrics_need_the_token(db, settings):
    settings.METRICS_TOKEN = ""
    assert scrape()[0] == 404  # no token set: no metrics
    settings.METRICS_TOKEN = TOKEN
    assert scrape(None)[0] == 401
    assert scrape("wrong")[0] == 401
    assert scrape()[0] == 200


def test_metrics_count_requests_queue_and_tasks_without_anything_personal(
    token, agency_admin, aarhus_caseworker
):
    client = logged_in(agency_admin)
    assert client.get(reverse("operations:overview")).status_code == 200
    run_import.enqueue(job_id=987654, actor_id=aarhus_caseworker.pk)
    failed = run_import.enqueue(job_id=987655, actor_id=aarhus_caseworker.pk)
    DBTaskResult.objects.filter(pk=failed.id).update(status=TaskResultStatus.FAILED)
    status, text = scrape()
    assert status == 200
    assert 'indsats_http_requests_total{method="GET",status="200",view="operations:overview"}' in text
    assert 'indsats_http_request_duration_seconds_count{view="operations:overview"}' in text
    assert 'indsats_db_queries_per_request_count{view="operations:overview"}' in text
    assert "indsats_task_queue_length 1.0" in text
    assert 'indsats_tasks{status="FAILED",task="outcomes.run_import"} 1.0' in text
    for name in ("indsats_task_queue_oldest_seconds", "indsats_login_failures", "indsats_login_lockouts",
                 "indsats_import_rows_per_second_1d", "indsats_tasks_interrupted"):  # fmt: skip
        assert f"\n{name} " in text
    # no id, user name or task argument as a label or a value (whole words: a duration such as
    # 0.0987654 or a view name is not a leak)
    for personal in ("987654", agency_admin.username, aarhus_caseworker.username):
        assert not re.search(rf"(?<![\w.]){re.escape(personal)}(?![\w])", text), personal
    for argument in ("actor", "job_id"):
        assert not re.search(rf"[{{,]{argument}(_id)?=", text), argument


def test_login_failures_are_counted(token, aarhus_caseworker):
    Client().post(reverse("accounts:login"), {"username": aarhus_caseworker.username, "password": "wrong"})
    assert "\nindsats_login_failures 1.0" in scrape()[1]


def record(message: str, *args, **extra) -> logging.LogRecord:
    return logging.LogRecord("indsats.test", logging.INFO, __file__, 1, message, args, None) if not extra else (
        logging.makeLogRecord({"name": "indsats.test", "levelno": 20, "levelname": "INFO", "msg": message,
                               "args": args, **extra})
    )  # fmt: skip


def test_a_log_line_is_json_with_request_id_user_and_view_and_no_cpr():
    token = log_context.set(LogContext(request_id="req-1", user_id=42, name="outcomes:import_detail"))
    try:
        line = record("import of %s failed", "010203-1234", task_id="abc")
        MaskCprFilter().filter(line)
        parsed = json.loads(JsonFormatter().format(line))
    finally:
        log_context.reset(token)
    assert parsed["request_id"] == "req-1" and parsed["user_id"] == 42
    assert parsed["name"] == "outcomes:import_detail" and parsed["task_id"] == "abc"
    assert parsed["message"] == "import of [CPR] failed" and parsed["level"] == "INFO"


def test_an_extra_field_with_a_cpr_number_is_masked_too():
    line = record("x", path="/resultater/0102031234/")
    assert "0102031234" not in JsonFormatter().format(line)


def test_a_request_writes_one_line_with_its_view_status_and_request_id(db, agency_admin, caplog):
    caplog.set_level(logging.INFO, logger="indsats.requests")
    logged_in(agency_admin).get(reverse("operations:overview"))
    [line] = [r for r in caplog.records if r.name == "indsats.requests"]
    assert line.status == 200 and line.view == "operations:overview" and line.queries > 0
