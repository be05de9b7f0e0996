"""The report PDF leaves the request: ordered once per analysis, kind and language, rendered by a task,
followed on a status page, and served from the stored file afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from indsats.audit.models import AuditEntry
from indsats.evaluation import services
from indsats.evaluation.models import Analysis, RenderedReport, RenderStatus
from indsats.evaluation.rendering import render_report
from tests.conftest import logged_in
from tests.evaluation.factories import make_study


@pytest.fixture
def analysis(assigned_evaluator, intervention, rounds, sdq) -> Analysis:
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    return services.run_analysis(actor=assigned_evaluator, study=study)


@pytest.fixture
def tasks_immediate(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings


@pytest.fixture
def tasks_queued(settings):
    """A backend that keeps the task without running it: the worker has not started yet."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return settings


def _pdf_url(analysis: Analysis, kind: str = "slut") -> str:
    return reverse("evaluation:analysis_pdf", args=[analysis.pk]) + f"?type={kind}"


def _status_url(analysis: Analysis, kind: str = "slut") -> str:
    return reverse("evaluation:analysis_pdf_status", args=[analysis.pk]) + f"?type={kind}"


def _pdf_text(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        message = "pdftotext is missing: run `make browser-deps` (Debian's poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "rapport.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _order(client: Client, url: str, capture) -> str:
    """Request a PDF not rendered yet; the enqueued task runs when the request's transaction commits
    (here: at the end of the request), so the page shows it being made and then the status is read."""
    with capture(execute=True):
        response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Rapporten dannes" in page or "The report is being generated" in page
    status = client.get(url.replace("/pdf/", "/pdf/status/"), headers={"HX-Request": "true"})
    assert status.status_code == 200
    return status.content.decode()


def test_the_first_request_orders_the_pdf_and_the_task_renders_it(
    assigned_evaluator, analysis, tasks_immediate, django_capture_on_commit_callbacks, tmp_path
):
    client = logged_in(assigned_evaluator)
    page = _order(client, _pdf_url(analysis), django_capture_on_commit_callbacks)
    assert "Rapporten er klar" in page and "Prøv igen" not in page
    rendered = RenderedReport.objects.get()
    assert (rendered.analysis, rendered.kind, rendered.language) == (analysis, "slut", "da")
    assert rendered.status == RenderStatus.DONE and rendered.finished_at is not None
    assert AuditEntry.objects.filter(object_id=str(rendered.pk), action="create").exists()
    response = client.get(_pdf_url(analysis))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="evaluering-{analysis.pk}-slut.pdf"'
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content, tmp_path)
    assert "Slutevaluering: Skolefravær" in text and "Gennemsnitlig ændring" in text


def test_a_second_request_serves_the_stored_file_without_rendering_again(
    assigned_evaluator, steering_member, analysis, tasks_immediate, django_capture_on_commit_callbacks
):
    _order(logged_in(assigned_evaluator), _pdf_url(analysis), django_capture_on_commit_callbacks)
    first = RenderedReport.objects.get()
    stored = bytes(first.pdf)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = logged_in(steering_member).get(_pdf_url(analysis))
    assert callbacks == []  # nothing was enqueued
    assert again["Content-Type"] == "application/pdf" and again.content == stored
    after = RenderedReport.objects.get()
    assert (after.pk, after.created_at, after.finished_at) == (first.pk, first.created_at, first.finished_at)


def test_an_english_request_gets_its_own_english_pdf(
    assigned_evaluator, analysis, tasks_immediate, django_capture_on_commit_callbacks, tmp_path
):
    danish = logged_in(assigned_evaluator)
    _order(danish, _pdf_url(analysis), django_capture_on_commit_callbacks)
    english = logged_in(assigned_evaluator)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _order(english, _pdf_url(analysis), django_capture_on_commit_callbacks)
    assert sorted(RenderedReport.objects.values_list("language", "status")) == [
        ("da", "done"),
        ("en", "done"),
    ]
    english_text = _pdf_text(english.get(_pdf_url(analysis)).content, tmp_path)
    danish_text = _pdf_text(danish.get(_pdf_url(analysis)).content, tmp_path)
    assert "Final evaluation" in english_text and "Average change" in english_text
    assert "Slutevaluering" not in english_text and "Slutevaluering" in danish_text


def test_the_midterm_and_final_reports_are_separate_files(
    assigned_evaluator, analysis, tasks_immediate, django_capture_on_commit_callbacks, tmp_path
):
    client = logged_in(assigned_evaluator)
    _order(client, _pdf_url(analysis, "midtvejs"), django_capture_on_commit_callbacks)
    response = client.get(_pdf_url(analysis, "midtvejs"))
    assert response["Content-Disposition"].endswith(f'evaluering-{analysis.pk}-midtvejs.pdf"')
    assert "Midtvejsevaluering" in _pdf_text(response.content, tmp_path)
    assert list(RenderedReport.objects.values_list("kind", flat=True)) == ["midtvejs"]


def test_while_the_worker_has_not_run_the_page_polls_the_status(
    assigned_evaluator, analysis, tasks_queued, django_capture_on_commit_callbacks
):
    client = logged_in(assigned_evaluator)
    page = _order(client, _pdf_url(analysis), django_capture_on_commit_callbacks)
    assert "Rapporten dannes" in page and "<progress" in page
    assert f'hx-get="{_status_url(analysis)}"' in page and 'hx-trigger="every 1s"' in page
    again = client.get(_pdf_url(analysis)).content.decode()
    assert "Rapporten dannes" in again and RenderedReport.objects.count() == 1
    # the worker renders it; the next poll shows the download link and stops polling
    render_report(rendered_id=RenderedReport.objects.get().pk)
    fragment = client.get(_status_url(analysis), headers={"HX-Request": "true"}).content.decode()
    assert "Rapporten er klar" in fragment and "hx-get" not in fragment
    assert f'href="{_pdf_url(analysis)}"' in fragment


def test_a_failed_rendering_says_so_in_danish_and_can_be_tried_again(
    assigned_evaluator, analysis, tasks_immediate, django_capture_on_commit_callbacks
):
    good = analysis.result
    Analysis.objects.filter(pk=analysis.pk).update(result={"broken": True})
    client = logged_in(assigned_evaluator)
    page = _order(client, _pdf_url(analysis), django_capture_on_commit_callbacks)
    rendered = RenderedReport.objects.get()
    assert rendered.status == RenderStatus.FAILED and rendered.pdf is None
    assert rendered.error == "KeyError: 'estimate'"
    assert "Rapporten kunne ikke dannes" in page and "KeyError: &#x27;estimate&#x27;" in page
    assert "Prøv igen" in page and "hx-get" not in page
    # asking again shows the failure rather than rendering it on every visit
    assert "Rapporten kunne ikke dannes" in client.get(_status_url(analysis)).content.decode()
    Analysis.objects.filter(pk=analysis.pk).update(result=good)
    with django_capture_on_commit_callbacks(execute=True):
        retry = client.post(_pdf_url(analysis))
    assert retry.status_code == 302 and retry["Location"] == _pdf_url(analysis)
    rendered.refresh_from_db()
    assert rendered.status == RenderStatus.DONE and rendered.error == ""
    assert client.get(_pdf_url(analysis)).content.startswith(b"%PDF")


def test_the_retry_needs_a_csrf_token(assigned_evaluator, analysis, tasks_queued):
    client = Client(enforce_csrf_checks=True)
    client.force_login(assigned_evaluator, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(_pdf_url(analysis)).status_code == 403
    assert not RenderedReport.objects.exists()


@pytest.mark.parametrize("who", ["aarhus_caseworker", "evaluator"])
def test_municipality_caseworker_and_unassigned_evaluator_cannot_reach_the_pdf_or_its_status(
    request, who, assigned_evaluator, analysis, tasks_immediate, django_capture_on_commit_callbacks
):
    _order(logged_in(assigned_evaluator), _pdf_url(analysis), django_capture_on_commit_callbacks)
    client = logged_in(request.getfixturevalue(who))
    for url in (_pdf_url(analysis), _status_url(analysis), _pdf_url(analysis, "midtvejs")):
        assert client.get(url).status_code == 404, url
    assert client.post(_pdf_url(analysis)).status_code == 404
    assert RenderedReport.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.request_report_pdf(
            actor=request.getfixturevalue(who), analysis=analysis, kind="midtvejs", language="da"
        )


def test_the_status_of_a_pdf_never_ordered_is_not_found(assigned_evaluator, analysis):
    assert logged_in(assigned_evaluator).get(_status_url(analysis)).status_code == 404
