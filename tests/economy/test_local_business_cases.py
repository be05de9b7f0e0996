"""A municipality's local business case (issue 18): its manager makes one for an intervention the
municipality takes part in, started from the national case; it sees its own cases and the national ones of
its interventions, never another municipality's (a 404), and cannot change the agency's (a 403)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.accounts.permissions import can_view_object
from indsats.audit.models import AuditEntry
from indsats.economy import selectors, services
from indsats.economy.models import BusinessCase, BusinessCaseResult, ResultStatus
from indsats.interventions.models import PartnerRole, Partnership
from indsats.ui.panels import panels_for
from tests.conftest import logged_in
from tests.economy.factories import InterventionFactory, worked_example_case
from tests.economy.test_business_case_views import edit_post
from tests.factories import person_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(economist):
    case = worked_example_case(name="National business case")
    services.request_computation(actor=economist, case=case)
    return case


@pytest.fixture
def aarhus_manager(aarhus, national):
    Partnership.objects.create(
        intervention=national.intervention,
        municipality=aarhus,
        role=PartnerRole.TRIAL,
        joined_on=datetime.date(2026, 1, 1),
    )
    return person_with_role(Role.MUNICIPALITY_MANAGER, aarhus, username="aarhus-leder")


@pytest.fixture
def odense_manager(odense):
    return person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="odense-leder")


@pytest.fixture
def local(aarhus_manager, aarhus, national):
    return services.create_local_business_case(
        actor=aarhus_manager,
        intervention=national.intervention,
        municipality_id=aarhus.pk,
        name="Aarhus' business case",
        participants=25,
    )


def test_the_manager_creates_a_local_case_from_the_national_one(aarhus_manager, aarhus, national):
    other = InterventionFactory(name="Ikke vores")
    client = logged_in(aarhus_manager)
    form = client.get(reverse("economy:case_create")).content.decode()
    assert "Ny lokal business case" in form
    assert national.intervention.name in form and "Ikke vores" not in form
    refused = client.post(
        reverse("economy:case_create"),
        {
            "intervention": other.pk,
            "name": "x",
            "participants": "5",
            "price_year": "2024",
            "horizon_years": "3",
        },
    )
    assert refused.status_code == 200 and not BusinessCase.objects.filter(municipality=aarhus).exists()
    response = client.post(
        reverse("economy:case_create"),
        {
            "intervention": national.intervention.pk,
            "name": "Aarhus' business case",
            "participants": "25",
            "price_year": "2024",
            "horizon_years": "3",
        },
    )
    case = BusinessCase.objects.get(municipality=aarhus)
    assert response.url == reverse("economy:case_edit", args=[case.pk])
    assert case.participants == 25 and case.discount == national.discount
    assert [c.name for c in case.costs.order_by("position")] == ["start-up", "sessions"]
    assert [o.name for o in case.outcomes.all()] == [national.outcomes.get().name]
    entry = AuditEntry.objects.get(
        object_id=str(case.pk), action="create", content_type__model="businesscase"
    )
    assert "Kopi af den nationale business case" in entry.message and entry.actor == aarhus_manager
    # the national case is untouched
    assert national.costs.count() == 2 and national.participants == 10


def test_not_for_an_intervention_it_does_not_take_part_in(aarhus_manager, aarhus):
    with pytest.raises(PermissionDenied):
        services.create_local_business_case(
            actor=aarhus_manager, intervention=InterventionFactory(), municipality_id=aarhus.pk, name="x",
            participants=5, price_year=2024,
        )  # fmt: skip


def test_not_for_another_municipality(aarhus_manager, odense, national):
    with pytest.raises(PermissionDenied):
        services.create_local_business_case(
            actor=aarhus_manager, intervention=national.intervention, municipality_id=odense.pk, name="x",
            participants=5, price_year=2024,
        )  # fmt: skip


def test_the_manager_edits_and_computes_its_own_case(aarhus_manager, local):
    client = logged_in(aarhus_manager)
    response = client.post(
        reverse("economy:case_edit", args=[local.pk]), edit_post(local, **{"compute": "1"})
    )
    result = BusinessCaseResult.objects.get(case=local)
    assert response.url == reverse("economy:result_detail", args=[result.pk])
    assert result.status == ResultStatus.DONE
    page = client.get(response.url).content.decode()
    assert "Aarhus Kommune (lokal)" in page


def test_the_manager_reads_but_cannot_change_the_national_case(aarhus_manager, national, local):
    client = logged_in(aarhus_manager)
    listing = client.get(reverse("economy:index")).content.decode()
    assert "National business case" in listing and "Aarhus&#x27; business case" in listing
    assert client.get(reverse("economy:case_detail", args=[national.pk])).status_code == 200
    assert client.get(reverse("economy:case_edit", args=[national.pk])).status_code == 403
    assert client.post(reverse("economy:case_compute", args=[national.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.save_business_case(actor=aarhus_manager, case=national, fields={}, costs=[], outcomes=[])


def test_another_municipality_gets_404(odense_manager, local, national):
    client = logged_in(odense_manager)
    for url in [
        reverse("economy:case_detail", args=[local.pk]),
        reverse("economy:case_edit", args=[local.pk]),
        reverse("economy:case_detail", args=[national.pk]),  # Odense takes no part in the intervention
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("economy:case_compute", args=[local.pk])).status_code == 404
    listing = client.get(reverse("economy:index")).content.decode()
    assert "Aarhus" not in listing and "National business case" not in listing
    with pytest.raises(ObjectDoesNotExist):
        services.request_computation(actor=odense_manager, case=local)
    assert not selectors.business_case_list(user=odense_manager).exists()


def test_the_economist_reads_a_local_case_but_leaves_it_to_the_municipality(economist, local):
    client = logged_in(economist)
    assert client.get(reverse("economy:case_detail", args=[local.pk])).status_code == 200
    assert client.get(reverse("economy:case_edit", args=[local.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.request_computation(actor=economist, case=local)


def test_a_caseworker_makes_no_business_case(aarhus_caseworker, local):
    client = logged_in(aarhus_caseworker)
    assert client.get(reverse("economy:case_create")).status_code == 403
    assert client.get(reverse("economy:case_detail", args=[local.pk])).status_code == 403


def test_a_local_result_is_not_the_interventions_economy_fact(aarhus_manager, local, national):
    national_result = BusinessCaseResult.objects.get(case=national)
    services.request_computation(actor=aarhus_manager, case=local)
    assert BusinessCaseResult.objects.filter(case=local, status=ResultStatus.DONE).exists()
    assert selectors.latest_economy_facts(national.intervention)["result_id"] == national_result.pk


def test_the_case_history_follows_the_same_rule(aarhus_manager, odense_manager, economist, local):
    assert can_view_object(aarhus_manager, local)
    assert can_view_object(economist, local)
    assert not can_view_object(odense_manager, local)


def test_the_front_page_counts_the_cases_the_manager_reads(
    aarhus_manager, odense_manager, odense, local, national
):
    def counted(user) -> int:
        panel = next(p for p in panels_for(user) if str(p.title) == "Økonomi")
        return panel.facts[0][1]

    assert counted(aarhus_manager) == 2 == selectors.business_case_list(user=aarhus_manager).count()
    assert counted(odense_manager) == 0  # Odense takes part in no intervention, and has no case of its own
    Partnership.objects.create(
        intervention=national.intervention,
        municipality=odense,
        role=PartnerRole.TRIAL,
        joined_on=datetime.date(2026, 1, 1),
    )
    odense_manager = type(odense_manager).objects.get(pk=odense_manager.pk)  # a new request's person
    assert counted(odense_manager) == 1  # the national case, not Aarhus' own


def test_the_managers_panel_reads_the_computations_running_of_the_cases_they_read(
    aarhus_manager, local, national
):
    """The computations running, read in the query of the manager's cases, are those of the cases they read
    (a kept copy reads them by computations_running, as before)."""
    from indsats.economy.panels import economy_panel
    from indsats.ui.panels import with_live_facts

    other = worked_example_case(name="Ikke Aarhus'")  # an intervention Aarhus takes no part in
    for case, status in [
        (local, ResultStatus.RUNNING),
        (local, ResultStatus.QUEUED),
        (local, ResultStatus.DONE),
        (national, ResultStatus.QUEUED),
        (other, ResultStatus.RUNNING),
        (other, ResultStatus.QUEUED),
    ]:
        BusinessCaseResult.objects.create(case=case, status=status, document={}, draws=1, seed=1)
    visible = selectors.business_case_list(user=aarhus_manager).values_list("pk", flat=True)
    expected = (
        BusinessCaseResult.objects.filter(case_id__in=list(visible))
        .exclude(status__in=[ResultStatus.DONE, ResultStatus.FAILED])
        .count()
    )
    panel = economy_panel(aarhus_manager)
    assert with_live_facts(panel).facts[1][1] == expected == 3  # the national case's one, Aarhus' two
    assert panel.facts[1][1].kept().value() == expected
