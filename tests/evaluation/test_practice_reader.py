"""A municipality reads the evaluation of its own practice (issue 18): the studies of an intervention it
takes part in (a partner, or with enrolled children), their reports with the pooled results and its own
row of the table by municipality after disclosure control; another municipality's practice is a 404."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.evaluation import access, report, selectors, services
from indsats.evaluation.models import Analysis
from indsats.interventions.models import PartnerRole, Partnership
from indsats.outcomes.models import RoundKind
from indsats.ui.panels import panels_for
from tests.conftest import logged_in
from tests.evaluation.factories import make_study
from tests.factories import MunicipalityFactory, person_with_role
from tests.interventions.factories import InterventionFactory
from tests.outcomes.factories import RoundFactory


@pytest.fixture
def analysis(assigned_evaluator, intervention, rounds, sdq) -> Analysis:
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    return services.run_analysis(actor=assigned_evaluator, study=study)


@pytest.fixture
def aarhus_manager(aarhus):
    return person_with_role(Role.MUNICIPALITY_MANAGER, aarhus, username="aarhus-leder")


@pytest.fixture
def vejle_manager(db):
    return person_with_role(Role.MUNICIPALITY_MANAGER, MunicipalityFactory(name="Vejle Kommune"))


def test_enrolled_children_make_the_practice(analysis, aarhus_manager, aarhus_caseworker, vejle_manager):
    study = analysis.study
    assert access.can_read_practice_study(aarhus_manager, study)
    assert access.can_read_practice_study(aarhus_caseworker, study)
    assert not access.can_read_practice_study(vejle_manager, study)
    # reading the practice does not open the portfolio's pages
    assert not access.can_see_study(aarhus_manager, study)
    assert not access.can_use_evaluation(aarhus_manager)


def test_a_partner_without_children_reads_too(analysis, vejle_manager, intervention):
    Partnership.objects.create(
        intervention=intervention,
        municipality=vejle_manager.memberships.get().organisation,
        role=PartnerRole.TRIAL,
        joined_on=datetime.date(2026, 1, 1),
    )
    assert access.can_read_practice_study(vejle_manager, analysis.study)


def test_own_municipality_reads_the_report_with_its_own_row_only(analysis, aarhus_manager):
    client = logged_in(aarhus_manager)
    page = client.get(reverse("evaluation:analysis_report", args=[analysis.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Slutevaluering: Skolefravær" in html
    assert "Aarhus Kommune" in html and "Odense Kommune" not in html
    assert "Tabellen viser kun jeres egen kommunes række" in html
    # no PDF (it is the agency's whole report) and no link to the evidence rating
    assert reverse("evaluation:analysis_pdf", args=[analysis.pk]) not in html
    assert client.get(reverse("evaluation:analysis_pdf", args=[analysis.pk])).status_code == 404
    detail = client.get(reverse("evaluation:study_detail", args=[analysis.study_id]))
    assert detail.status_code == 200
    assert reverse("evaluation:intervention_rating", args=[analysis.study.intervention_id]) not in (
        detail.content.decode()
    )


def test_the_own_row_matches_the_pooled_reports_row(analysis):
    whole = {row["level"]: row for row in report.subgroup_tables(analysis)[-1]["rows"]}
    own = report.subgroup_tables(analysis, {"Aarhus Kommune"})
    by_municipality = next(table for table in own if table["variable"] == "municipality")
    assert by_municipality["own_only"] is True
    assert [row["level"] for row in by_municipality["rows"]] == ["Aarhus Kommune"]
    assert by_municipality["rows"][0] == whole["Aarhus Kommune"]
    # the other tables (age band, sex) stay whole
    assert all(not table["own_only"] for table in own if table["variable"] != "municipality")


def test_another_municipality_gets_404(analysis, vejle_manager):
    client = logged_in(vejle_manager)
    assert client.get(reverse("evaluation:analysis_report", args=[analysis.pk])).status_code == 404
    assert client.get(reverse("evaluation:study_detail", args=[analysis.study_id])).status_code == 404
    assert not selectors.practice_studies(user=vejle_manager).exists()


def test_front_page_panel_links_the_newest_report(analysis, aarhus_manager, vejle_manager):
    panels = [p for p in panels_for(aarhus_manager) if str(p.title) == "Evaluering af jeres praksis"]
    assert [url for _label, url in panels[0].links] == [
        reverse("evaluation:analysis_report", args=[analysis.pk])
    ]
    assert not [p for p in panels_for(vejle_manager) if str(p.title) == "Evaluering af jeres praksis"]


def test_front_page_panel_lists_the_first_five_studies_by_intervention_and_counts_them_all(
    analysis, aarhus_manager, vejle_manager, sdq
):
    vejle = vejle_manager.memberships.get().organisation
    joined = datetime.date(2026, 1, 1)
    Partnership.objects.create(
        intervention=analysis.study.intervention, municipality=vejle, role=PartnerRole.TRIAL, joined_on=joined
    )
    studies = {analysis.study.name: analysis.study}
    for name in ["Tidlig indsats", "Bedre trivsel", "Anker", "Familiestart", "Dialog", "Cirkel"]:
        intervention = InterventionFactory(name=name)
        Partnership.objects.create(
            intervention=intervention, municipality=vejle, role=PartnerRole.TRIAL, joined_on=joined
        )
        rounds = (
            RoundFactory(intervention=intervention, kind=RoundKind.BASELINE, order=0),
            RoundFactory(intervention=intervention, kind=RoundKind.FOLLOW_UP, order=1),
        )
        for letter in "BA":
            studies[f"{name} {letter}"] = make_study(
                intervention=intervention, rounds=rounds, instrument=sdq, name=f"{name} {letter}"
            )
    newer = Analysis.objects.get(pk=analysis.pk)
    newer.pk = None
    newer.save()  # the fixture study's newest analysis
    elsewhere = Analysis.objects.get(pk=analysis.pk)
    elsewhere.pk, elsewhere.study = None, studies["Bedre trivsel B"]
    elsewhere.save()

    def panel(user):
        return next(p for p in panels_for(user) if str(p.title) == "Evaluering af jeres praksis")

    shown = panel(vejle_manager)
    assert shown.links == [
        ("Anker A", reverse("evaluation:study_detail", args=[studies["Anker A"].pk])),
        ("Anker B", reverse("evaluation:study_detail", args=[studies["Anker B"].pk])),
        ("Bedre trivsel A", reverse("evaluation:study_detail", args=[studies["Bedre trivsel A"].pk])),
        ("Bedre trivsel B", reverse("evaluation:analysis_report", args=[elsewhere.pk])),
        ("Cirkel A", reverse("evaluation:study_detail", args=[studies["Cirkel A"].pk])),
    ]
    assert shown.facts[0][1] == 13
    # Aarhus takes part in one intervention (another shape of the query): its study's newest analysis
    assert [url for _label, url in panel(aarhus_manager).links] == [
        reverse("evaluation:analysis_report", args=[newer.pk])
    ]
