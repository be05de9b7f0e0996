"""The portfolio pages do a fixed number of queries whatever the number of rows behind them.

Each test counts a page's queries (the cache emptied first, so the page is built afresh), adds four
times as many rows, and counts again: the two counts are equal, and equal to the pinned number (a
new query on a page should be a decision, not an accident).
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from indsats.accounts.models import Organisation, Role
from indsats.interventions.models import (
    Contact,
    Criterion,
    CriterionAssessment,
    DeclarationScore,
    Dimension,
    EventKind,
    EvidenceReference,
    GateDecision,
    GateReview,
    Intervention,
    InterventionEvent,
    KnowledgeDeclaration,
    Material,
    MaterialKind,
    PartnerRole,
    Partnership,
    PracticeAssessment,
    PracticeElement,
    PracticeElementScore,
    ReviewStatus,
)
from indsats.interventions.workflow import InterventionState
from tests.conftest import logged_in, queries_of
from tests.factories import MunicipalityFactory, person_with_role
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def test_the_board_built_afresh_does_the_same_queries_for_five_times_the_interventions(
    grow_portfolio, steering_member
):
    client = logged_in(steering_member)
    url = reverse("interventions:board")
    grow_portfolio(20)
    few = queries_of(client, url)
    grow_portfolio(80)
    assert Intervention.objects.count() == 100
    assert queries_of(client, url) == few == 8


def test_the_filtered_board_does_the_same_queries_for_five_times_the_interventions(
    grow_portfolio, steering_member, aarhus
):
    client = logged_in(steering_member)
    url = reverse("interventions:board") + f"?kommune={aarhus.pk}&q=a"
    grow_portfolio(20)
    few = queries_of(client, url)
    grow_portfolio(80)
    assert queries_of(client, url) == few == 8


@pytest.mark.parametrize("query", ["", "?fase=testing&sortering=tid&side=2", "?sortering=ejer"])
def test_the_table_built_afresh_does_the_same_queries_for_five_times_the_interventions(
    grow_portfolio, steering_member, query
):
    client = logged_in(steering_member)
    url = reverse("interventions:table") + query
    grow_portfolio(20)
    few = queries_of(client, url)
    grow_portfolio(80)
    assert queries_of(client, url) == few == 7


def test_the_excel_export_does_the_same_queries_for_five_times_the_interventions(
    grow_portfolio, steering_member
):
    client = logged_in(steering_member)
    url = reverse("interventions:export")
    grow_portfolio(20)
    few = queries_of(client, url)
    grow_portfolio(80)
    assert queries_of(client, url) == few


def test_a_municipalitys_interventions_page_does_the_same_queries_for_five_times_the_interventions(
    grow_portfolio, aarhus
):
    manager = person_with_role(Role.MUNICIPALITY_MANAGER, aarhus, username="leder-aarhus-q")
    client = logged_in(manager)
    url = reverse("interventions:index")
    grow_portfolio(20)
    few = queries_of(client, url)
    grow_portfolio(80)
    assert queries_of(client, url) == few == 8


def test_a_municipalitys_interventions_page_shows_a_page_of_each_list(grow_portfolio, aarhus):
    """At most 25 rows of each list; the rest a page further on."""
    manager = person_with_role(Role.MUNICIPALITY_MANAGER, aarhus, username="leder-aarhus-p")
    grow_portfolio(100)
    Intervention.objects.update(is_open_to_join=True)
    client = logged_in(manager)
    body = client.get(reverse("interventions:index")).content.decode()
    assert Intervention.objects.count() == 100
    assert body.count("Bed om at deltage</a>") == 25
    assert "?aaben=2&amp;side=1" in body
    assert client.get(reverse("interventions:index") + "?aaben=2").status_code == 200


# --- one intervention with many of everything ----------------------------------------------------------


def add_history(intervention: Intervention, count: int, municipalities: list[Organisation]) -> None:
    """`count` more of each thing the detail page shows: events, materials, references, contacts,
    partners, decided gate reviews with assessments and decisions, practice assessments with their
    scores and knowledge declarations with theirs."""
    now = timezone.now()
    start = InterventionEvent.objects.filter(intervention=intervention).count()
    InterventionEvent.objects.bulk_create(
        InterventionEvent(
            intervention=intervention,
            at=now - datetime.timedelta(days=start + index),
            kind=EventKind.DECIDED,
            text=f"Hændelse {start + index}",
        )
        for index in range(count)
    )
    Material.objects.bulk_create(
        Material(
            intervention=intervention,
            title=f"Manual {start + i}",
            kind=MaterialKind.values[0],
            file=f"m/{start + i}.pdf",
        )
        for i in range(count)
    )
    EvidenceReference.objects.bulk_create(
        EvidenceReference(intervention=intervention, citation=f"Forfatter {start + i}", year=2020)
        for i in range(count)
    )
    Contact.objects.bulk_create(
        Contact(intervention=intervention, name=f"Kontakt {start + i}") for i in range(count)
    )
    taken = set(
        Partnership.objects.filter(intervention=intervention).values_list("municipality_id", flat=True)
    )
    new_partners = [m for m in municipalities if m.pk not in taken][:count]
    Partnership.objects.bulk_create(
        Partnership(
            intervention=intervention,
            municipality=m,
            role=PartnerRole.values[0],
            joined_on=datetime.date(2024, 1, 1),
        )
        for m in new_partners
    )
    for index in range(count):
        review = GateReview.objects.create(
            intervention=intervention, phase=InterventionState.SCREENING, status=ReviewStatus.DECIDED
        )
        CriterionAssessment.objects.bulk_create(
            CriterionAssessment(review=review, criterion=criterion) for criterion in Criterion.values
        )
        GateDecision.objects.create(review=review, decision="approved", reason=f"Begrundelse {index}")
        assessment = PracticeAssessment.objects.create(
            intervention=intervention,
            municipality=municipalities[index % len(municipalities)],
            assessed_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=start + index),
        )
        PracticeElementScore.objects.bulk_create(
            PracticeElementScore(assessment=assessment, element=element, score=1)
            for element in PracticeElement.values
        )
        declaration = KnowledgeDeclaration.objects.create(
            intervention=intervention,
            declared_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=start + index),
        )
        DeclarationScore.objects.bulk_create(
            DeclarationScore(declaration=declaration, dimension=dimension, grade="B", reason="Fordi.")
            for dimension in Dimension.values
        )


@pytest.mark.parametrize("role", ["agency", "municipality"])
def test_the_detail_page_does_the_same_queries_with_five_times_the_history(role, agency_staff, aarhus):
    municipalities = [aarhus, *MunicipalityFactory.create_batch(14)]
    intervention = InterventionFactory(state=InterventionState.TESTING, is_open_to_join=True)
    reader = agency_staff if role == "agency" else person_with_role(Role.MUNICIPALITY_MANAGER, aarhus)
    client = logged_in(reader)
    url = reverse("interventions:detail", args=[intervention.pk])
    add_history(intervention, 3, municipalities)
    few = queries_of(client, url)
    add_history(intervention, 12, municipalities)
    assert Partnership.objects.filter(intervention=intervention).count() == 15
    assert (
        queries_of(client, url) == few == {"agency": 10, "municipality": 9}[role]
    )  # the whole request, session included
