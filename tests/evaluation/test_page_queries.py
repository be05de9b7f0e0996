"""The evaluation pages read stored analysis results and SQL aggregates: their number of queries does not
grow with the children behind a study (issue 16). Each page is counted for studies of N children and for
studies of 10N, built the same way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.evaluation import services
from indsats.evaluation.models import Design
from indsats.evaluation.views import CHOSEN_PARAMETER, STUDY_PARAMETER
from indsats.outcomes.models import EvaluatorAssignment, Measurement
from tests.conftest import logged_in
from tests.evaluation.conftest import _rounds
from tests.evaluation.factories import add_scores, make_study, record_randomisation
from tests.factories import OrganisationFactory, person_with_role
from tests.outcomes.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def _pairs(count: int, shift: int) -> list[tuple[int, int]]:
    return [(18 + (i % 7), 18 + (i % 7) - shift - (i % 4)) for i in range(count)]


def _studies(children: int, sdq, municipalities, evaluator, tag: str):
    """A pre-post study and a randomised one (with its allocation list) of ``children`` children in each
    group, both analysed: what the pages show."""
    treated = InterventionFactory(name=f"Indsats {tag}")
    usual = InterventionFactory(name=f"Sædvanlig praksis {tag}")
    own, other = _rounds(treated), _rounds(usual)
    add_scores(
        rounds=own, instrument=sdq, municipalities=municipalities, pairs=_pairs(children, 3), prefix=tag
    )
    add_scores(
        rounds=other,
        instrument=sdq,
        municipalities=municipalities,
        pairs=_pairs(children, 1),
        prefix=f"c{tag}",
    )
    EvaluatorAssignment.objects.create(
        evaluator=evaluator.memberships.first().organisation, intervention=treated
    )
    pre_post = make_study(intervention=treated, rounds=own, instrument=sdq, name=f"Før-efter {tag}")
    randomised = make_study(
        intervention=treated,
        rounds=own,
        instrument=sdq,
        name=f"Lodtrukket {tag}",
        design=Design.RANDOMISED,
        comparison_intervention=usual,
        adjust_for_age=False,
        adjust_for_sex=False,
    )
    record_randomisation(randomised)
    analyses = [services.run_analysis(actor=evaluator, study=study) for study in (pre_post, randomised)]
    return [pre_post, randomised], analyses


def _count(client, url: str) -> int:
    client.get(url)  # per-process caches and the session are warm from here on
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _page_counts(clients, studies, analyses) -> dict[str, int]:
    chosen = "&".join(f"{STUDY_PARAMETER}={study.pk}" for study in studies)
    pages = {
        "the study list": reverse("evaluation:index"),
        "cross-practice report": f"{reverse('evaluation:cross_practice')}?{CHOSEN_PARAMETER}=1&{chosen}",
    }
    # the intervention's page shows its effect study's result (evaluation.evidence) and the panels
    pages["intervention detail"] = reverse("interventions:detail", args=[studies[0].intervention_id])
    for study, analysis in zip(studies, analyses, strict=True):
        pages[f"study {study.design}"] = reverse("evaluation:study_detail", args=[study.pk])
        pages[f"report {study.design}"] = reverse("evaluation:analysis_report", args=[analysis.pk])
    return {
        f"{who}: {name}": _count(client, url)
        for who, client in clients.items()
        for name, url in pages.items()
        if _reads(who, name)
    }


def _reads(who: str, page: str) -> bool:
    """A municipality's staff read their practice's studies and reports, not the list or the report across
    practices; the intervention's page is counted for the agency."""
    if page == "intervention detail":
        return who == "agency"
    return who != "municipality" or page.startswith(("study ", "report "))


def test_the_evaluation_pages_make_as_many_queries_for_ten_times_the_children(
    sdq, aarhus, odense, agency_staff
):
    evaluator = person_with_role(
        Role.EVALUATOR, OrganisationFactory(kind="evaluator", name="Evalueringshuset"), username="eva"
    )
    manager = person_with_role(Role.MUNICIPALITY_MANAGER, aarhus, username="leder-aarhus-eval")
    clients = {
        "agency": logged_in(agency_staff),
        "evaluator": logged_in(evaluator),
        "municipality": logged_in(manager),
    }
    few = _page_counts(clients, *_studies(10, sdq, [aarhus, odense], evaluator, "a"))
    measured = Measurement.objects.count()
    many = _page_counts(clients, *_studies(100, sdq, [aarhus, odense], evaluator, "b"))
    assert Measurement.objects.count() >= 10 * measured
    assert many == few


def test_an_assigned_evaluator_s_report_reads_the_assignments_once(sdq, aarhus, odense):
    """Reading the report and deciding whether the evaluator may grade it ask the same question."""
    evaluator = person_with_role(
        Role.EVALUATOR, OrganisationFactory(kind="evaluator", name="Evalueringshuset"), username="eva"
    )
    client = logged_in(evaluator)
    _, analyses = _studies(10, sdq, [aarhus, odense], evaluator, "a")
    url = reverse("evaluation:analysis_report", args=[analyses[0].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert b'name="grade"' in response.content  # the evaluator manages the study: the grading form
    assignments = [q for q in queries if "outcomes_evaluatorassignment" in q["sql"]]
    assert len(assignments) == 1
