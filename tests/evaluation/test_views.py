"""Pages of effect studies: the evaluator's journey, the report and PDF, and who may see what."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.evaluation import report, services
from indsats.evaluation.models import Analysis, RenderedReport, RenderStatus, ReportKind, Study
from indsats.outcomes.models import Instrument
from indsats.outcomes.registry import engine_instrument
from tests.conftest import logged_in
from tests.evaluation.factories import make_study
from tests.factories import MunicipalityFactory, person_with_role
from tests.outcomes.factories import InterventionFactory


@pytest.fixture
def analysis(assigned_evaluator, intervention, rounds, sdq) -> Analysis:
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    return services.run_analysis(actor=assigned_evaluator, study=study)


def test_evaluator_creates_and_runs_a_study(assigned_evaluator, intervention, rounds, sdq):
    client = logged_in(assigned_evaluator)
    index = client.get(reverse("evaluation:index"))
    assert index.status_code == 200
    create_url = reverse("evaluation:study_create", args=[intervention.pk])
    assert create_url in index.content.decode()
    response = client.post(
        create_url,
        {
            "name": "Effekt på trivsel",
            "design": "pre_post",
            "outcome": f"{sdq.pk}:total_difficulties",
            "baseline_round": rounds[0].pk,
            "follow_up_round": rounds[1].pk,
            "adjust_for_age": "on",
        },
    )
    study = Study.objects.get()
    assert response.url == reverse("evaluation:study_detail", args=[study.pk])
    assert (study.adjust_for_age, study.adjust_for_sex) == (True, False)
    response = client.post(reverse("evaluation:study_run", args=[study.pk]))
    analysis = Analysis.objects.get()
    assert response.url == reverse("evaluation:analysis_report", args=[analysis.pk])
    page = client.get(response.url).content.decode()
    assert "Slutevaluering: Skolefravær" in page
    assert analysis.inputs_hash in page and analysis.engine_version in page
    assert 'role="img"' in page and "aria-labelledby=" in page
    midterm = client.get(response.url + "?type=midtvejs").content.decode()
    assert "Midtvejsevaluering: Skolefravær" in midterm
    detail = client.get(reverse("evaluation:study_detail", args=[study.pk])).content.decode()
    assert "Samlet vanskelighedsscore" in detail


def test_create_form_shows_field_errors_in_danish(assigned_evaluator, intervention, rounds, sdq):
    response = logged_in(assigned_evaluator).post(
        reverse("evaluation:study_create", args=[intervention.pk]),
        {
            "name": "RCT",
            "design": "randomised",
            "outcome": f"{sdq.pk}:total_difficulties",
            "baseline_round": rounds[0].pk,
            "follow_up_round": rounds[0].pk,
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Eftermålingen skal være en anden målerunde" in content
    assert "kræver en sammenligningsgruppe" in content
    assert not Study.objects.exists()


def test_report_pdf_contains_the_intervention_name(
    assigned_evaluator, analysis, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client = logged_in(assigned_evaluator)
    with django_capture_on_commit_callbacks(execute=True):  # the background task renders it on commit
        assert "Rapporten dannes" in client.get(reverse("evaluation:analysis_pdf", args=[analysis.pk])).text
    response = client.get(reverse("evaluation:analysis_pdf", args=[analysis.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    document = report.report_document(analysis)
    text = "\n".join(
        box.text for page in document.pages for box in page._page_box.descendants() if hasattr(box, "text")
    )
    assert "Slutevaluering: Skolefravær" in text
    assert "Gennemsnitlig ændring" in text
    assert analysis.inputs_hash[:16] in text.replace("\n", "")


def test_evaluator_overrides_the_grade_with_a_reason(assigned_evaluator, analysis):
    url = reverse("evaluation:analysis_report", args=[analysis.pk])
    client = logged_in(assigned_evaluator)
    response = client.post(url, {"grade": "B", "reason": ""})
    assert response.status_code == 200 and "Dette felt er påkrævet" in response.content.decode()
    response = client.post(url, {"grade": "B", "reason": "Stærk implementering."})
    assert response.status_code == 302
    analysis.refresh_from_db()
    assert analysis.grade == "B"


def test_steering_group_reads_report_but_cannot_change_grade(steering_member, analysis):
    client = logged_in(steering_member)
    url = reverse("evaluation:analysis_report", args=[analysis.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Gem vurderingen" not in page.content.decode()
    assert client.post(url, {"grade": "A", "reason": "x"}).status_code == 403
    assert client.post(reverse("evaluation:study_run", args=[analysis.study_id])).status_code == 403


@pytest.fixture
def outside_caseworker(db):
    """A caseworker of a municipality that takes no part in the intervention (Aarhus and Odense do: they
    read their practice's study, tests/evaluation/test_practice_reader.py)."""
    return person_with_role(Role.CASEWORKER, MunicipalityFactory(name="Vejle Kommune"))


@pytest.mark.parametrize("who", ["outside_caseworker", "evaluator"])
def test_municipality_and_unassigned_evaluator_cannot_reach_a_study(request, who, analysis, intervention):
    client = logged_in(request.getfixturevalue(who))
    study_id = analysis.study_id
    for name, args in (
        ("study_detail", [study_id]),
        ("analysis_report", [analysis.pk]),
        ("analysis_pdf", [analysis.pk]),
        ("study_create", [intervention.pk]),
    ):
        assert client.get(reverse(f"evaluation:{name}", args=args)).status_code == 404, name
    assert client.post(reverse("evaluation:study_run", args=[study_id])).status_code == 404
    assert Analysis.objects.count() == 1


def test_caseworker_gets_403_on_index_and_unassigned_evaluator_sees_no_study(
    aarhus_caseworker, evaluator, analysis
):
    assert logged_in(aarhus_caseworker).get(reverse("evaluation:index")).status_code == 403
    page = logged_in(evaluator).get(reverse("evaluation:index")).content.decode()
    assert analysis.study.name not in page


def test_the_study_list_links_each_study_with_its_intervention_design_and_analyses(
    assigned_evaluator, analysis
):
    study = analysis.study
    page = logged_in(assigned_evaluator).get(reverse("evaluation:index")).content.decode()
    row = (
        f'<tr><td><a href="{reverse("evaluation:study_detail", args=[study.pk])}">{study.name}</a></td>'
        f"<td>{study.intervention.name}</td><td>Før-efter uden kontrolgruppe</td>"
        '<td class="text-align-right">1</td></tr>'
    )
    assert row in page
    assert reverse("evaluation:exposure_index", args=[study.intervention_id]) in page


def test_run_requires_csrf(assigned_evaluator, analysis):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(assigned_evaluator, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(reverse("evaluation:study_run", args=[analysis.study_id])).status_code == 403


def test_a_new_study_defaults_to_the_instrument_the_intervention_uses_and_refuses_one_without_data(
    assigned_evaluator, intervention, rounds, sdq
):
    """The first outcome in the alphabet (CORS) has no data here: the study failed only when run."""
    client = logged_in(assigned_evaluator)
    url = reverse("evaluation:study_create", args=[intervention.pk])
    page = client.get(url).content.decode()
    first_scale = engine_instrument(sdq).score_keys[0]
    assert f'<option value="{sdq.pk}:{first_scale}" selected>' in page
    assert f'<option value="{rounds[0].pk}" selected>' in page
    assert f'<option value="{rounds[1].pk}" selected>' in page

    unused = Instrument.objects.exclude(pk=sdq.pk).order_by("name").first()
    response = client.post(
        url,
        {
            "name": "Forkert redskab",
            "design": "pre_post",
            "outcome": f"{unused.pk}:{engine_instrument(unused).score_keys[0]}",
            "baseline_round": rounds[0].pk,
            "follow_up_round": rounds[1].pk,
        },
    )
    assert response.status_code == 200 and not Study.objects.exists()
    assert "Kun 0 børn er målt med" in response.content.decode()


def test_the_evaluators_front_page_shows_their_studies_and_what_waits(
    assigned_evaluator, analysis, intervention, rounds, sdq
):
    waiting = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    page = logged_in(assigned_evaluator).get(reverse("dashboard:home")).content.decode()
    panel = page.split("Mine effektstudier", 1)[1]
    assert waiting.name in panel and reverse("evaluation:study_detail", args=[waiting.pk]) in panel
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", panel))
    assert (facts["Effektstudier"], facts["Venter på en analyse"], facts["Rapporter, der dannes"]) == (
        "2",
        "1",
        "0",
    )


def test_the_agencys_front_page_shows_every_study_and_what_waits(
    agency_staff, analysis, intervention, rounds, sdq
):
    client = logged_in(agency_staff)
    elsewhere = make_study(
        intervention=InterventionFactory(), rounds=rounds, instrument=sdq, name="Andetsteds"
    )
    for expected in ("2", "3"):  # the second time through the query compiled the first time
        cache.clear()  # the panels kept for the person (a study made here writes no audit entry)
        page = client.get(reverse("dashboard:home")).content.decode()
        panel = page.split("Mine effektstudier", 1)[1]
        assert elsewhere.name in panel and reverse("evaluation:study_detail", args=[elsewhere.pk]) in panel
        facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", panel))
        assert (facts["Effektstudier"], facts["Venter på en analyse"]) == (expected, str(int(expected) - 1))
        elsewhere = make_study(intervention=intervention, rounds=rounds, instrument=sdq, name="Nyeste")


def test_the_front_page_counts_the_persons_own_reports_being_rendered(agency_staff, analysis):
    other = person_with_role(Role.AGENCY_STAFF, username="anden")
    for requested_by, status, kind, language in [
        (agency_staff, RenderStatus.QUEUED, ReportKind.FINAL, "da"),
        (agency_staff, RenderStatus.RUNNING, ReportKind.FINAL, "en"),
        (agency_staff, RenderStatus.DONE, ReportKind.MIDTERM, "da"),
        (other, RenderStatus.QUEUED, ReportKind.MIDTERM, "en"),
    ]:
        RenderedReport.objects.create(
            analysis=analysis, kind=kind, language=language, status=status, requested_by=requested_by
        )

    def rendering(client) -> str:
        page = client.get(reverse("dashboard:home")).content.decode()
        facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page.split("Mine effektstudier", 1)[1]))
        return facts["Rapporter, der dannes"]

    # read with the newest studies, in their query (the second person's through the compiled query)
    for person, expected in [(agency_staff, "2"), (other, "1")]:
        assert rendering(logged_in(person)) == expected
    # the rendering task moves a report on without a write: the kept panel reads the count anew
    client = logged_in(agency_staff)
    assert rendering(client) == "2"
    RenderedReport.objects.filter(requested_by=agency_staff, status=RenderStatus.QUEUED).update(
        status=RenderStatus.DONE
    )
    assert rendering(client) == "1"


@pytest.mark.parametrize("reader", ["agency_staff", "assigned_evaluator"])
def test_the_study_list_uses_the_same_number_of_queries_for_2_and_10_studies(
    reader, request, intervention, rounds, sdq
):
    client = logged_in(request.getfixturevalue(reader))
    counts: list[int] = []
    for count in (2, 8):  # 2, then 10 in all, each of its own intervention but the first
        for index in range(count):
            make_study(
                intervention=intervention if index == 0 else InterventionFactory(),
                rounds=rounds,
                instrument=sdq,
                name=f"Studie {len(counts)}-{index}",
            )
        client.get(reverse("evaluation:index"))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("evaluation:index"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert response.content.decode().count("Studie 1-") == (8 if reader == "agency_staff" else 1)
