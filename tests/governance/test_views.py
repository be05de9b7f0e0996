"""The steering group's pages: a meeting walked from plan to minutes through HTTP, the conditions page,
the municipality's answer page, the front-page panel and the API."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.governance import services
from indsats.governance.models import ItemDecision, Meeting
from indsats.interventions import services as intervention_services
from indsats.interventions.models import OperationReport, Partnership
from tests.conftest import logged_in, queries_of
from tests.factories import person_with_role
from tests.interventions.factories import InterventionFactory, complete_checklist, ready_review


@pytest.mark.django_db
def test_a_meeting_from_agenda_to_minutes_over_http(
    agency_staff, members, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    intervention = InterventionFactory()
    review = ready_review(intervention)
    complete_checklist(intervention)
    intervention_services.submit_gate_review(actor=agency_staff, review=review)

    agency = logged_in(agency_staff)
    response = agency.post(reverse("governance:meeting_new"), {"held_on": "2026-12-10", "location": "Odense"})
    meeting = Meeting.objects.get()
    assert response.url == reverse("governance:meeting", args=[meeting.pk])
    agency.post(
        reverse("governance:agenda_item_add", args=[meeting.pk]),
        {"item-kind": "gate_review", "item-gate_review": review.pk},
    )
    item = meeting.items.get()

    chair = logged_in(members[0])
    chair.post(
        reverse("governance:meeting_open", args=[meeting.pk]),
        {"attendance-members_present": [m.pk for m in members[:3]], "attendance-chair": members[0].pk},
    )
    # a proposal without a vote from every member present is refused on the form, naming who is missing
    url = reverse("governance:item_decide", args=[item.pk])
    page = chair.post(url, {"outcome": "approve", "text": "Klar.", f"vote_{members[0].pk}": "for"})
    assert page.status_code == 200 and "Bent Berg" in page.content.decode()
    votes = {f"vote_{m.pk}": "for" for m in members[:3]}
    assert chair.post(url, {"outcome": "approve", "text": "Klar.", **votes}).status_code == 302
    assert ItemDecision.objects.get().votes.count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        chair.post(reverse("governance:meeting_close", args=[meeting.pk]))
    detail = chair.get(reverse("governance:meeting", args=[meeting.pk])).content.decode()
    assert "Hent referatet (PDF)" in detail
    pdf = chair.get(reverse("governance:minutes_pdf", args=[meeting.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    api = chair.get(f"/api/governance/meetings/{meeting.pk}").json()
    assert sorted(api["members_present"]) == sorted(m.get_full_name() for m in members[:3])
    assert api["items"][0]["decision"]["votes"] == [
        {"member": m.get_full_name(), "position": "for"} for m in sorted(members[:3], key=lambda m: m.pk)
    ]


@pytest.mark.django_db
def test_the_front_page_shows_the_next_meeting_and_overdue_conditions(agency_staff, members):
    meeting = services.plan_meeting(
        actor=agency_staff, held_on=datetime.date.today() + datetime.timedelta(days=3)
    )
    services.add_agenda_item(actor=agency_staff, meeting=meeting, kind="other", title="Årsrapport 2026")
    page = logged_in(members[0]).get("/").content.decode()
    assert "Styregruppen" in page and "Årsrapport 2026" in page


@pytest.mark.django_db
def test_the_front_page_shows_the_first_six_items_with_as_many_queries_as_without_a_meeting(
    agency_staff, members
):
    client = logged_in(members[0])
    without = queries_of(client, "/")
    meeting = services.plan_meeting(
        actor=agency_staff, held_on=datetime.date.today() + datetime.timedelta(days=3)
    )
    for n in range(1, 9):
        services.add_agenda_item(actor=agency_staff, meeting=meeting, kind="other", title=f"Punkt nummer {n}")
    assert queries_of(client, "/") == without
    page = client.get("/").content.decode()
    assert "Punkt nummer 6" in page and "Punkt nummer 7" not in page


@pytest.mark.django_db
def test_people_outside_the_agency_and_steering_group_see_no_meetings(
    aarhus_caseworker, agency_staff, members
):
    meeting = services.plan_meeting(actor=agency_staff, held_on=datetime.date(2026, 12, 10))
    item = services.add_agenda_item(actor=agency_staff, meeting=meeting, kind="other", title="Status")
    client = logged_in(aarhus_caseworker)
    assert client.get(reverse("governance:meeting", args=[meeting.pk])).status_code == 403
    assert client.get(reverse("governance:item_decide", args=[item.pk])).status_code == 403
    assert client.get(reverse("governance:minutes_pdf", args=[meeting.pk])).status_code == 403
    assert client.get(reverse("governance:index")).status_code == 302  # to the municipality's follow-ups
    assert client.get(f"/api/governance/meetings/{meeting.pk}").status_code in (403, 404)


@pytest.mark.django_db
def test_a_municipality_answers_its_follow_up_on_a_page(aarhus, odense):
    manager = person_with_role(Role.MUNICIPALITY_MANAGER, aarhus)
    other = person_with_role(Role.MUNICIPALITY_MANAGER, odense)
    Partnership.objects.create(
        intervention=InterventionFactory(),
        municipality=aarhus,
        role="pilot",
        joined_on=datetime.date(2021, 1, 1),
        funding_ended_on=datetime.date(2024, 1, 1),
    )
    services.follow_up_operations(today=datetime.date(2025, 1, 2))
    report = OperationReport.objects.get()
    url = reverse("governance:operation_answer", args=[report.pk])
    assert logged_in(other).get(url).status_code == 404
    client = logged_in(manager)
    assert url in client.get(reverse("governance:operation_reports")).content.decode()
    refused = client.post(
        url,
        {
            "status": "as_designed",
            "financing": "own_budget",
            "children_served": "8",
            "annual_cost": "1000.555",
        },
    )
    assert refused.status_code == 200  # three decimals are refused, never rounded
    response = client.post(
        url,
        {"status": "as_designed", "financing": "own_budget", "children_served": "8", "annual_cost": "96000"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "as_designed" and report.children_served == 8


@pytest.mark.django_db
def test_the_steering_group_reads_a_meetings_history_and_a_caseworker_does_not(
    agency_staff, members, aarhus_caseworker
):
    from indsats.history.templatetags.history_tags import history_url

    meeting = services.plan_meeting(actor=agency_staff, held_on=datetime.date(2026, 12, 10))
    url = history_url(meeting)
    assert logged_in(members[0]).get(url).status_code == 200
    assert logged_in(aarhus_caseworker).get(url).status_code in (403, 404)


@pytest.mark.django_db
def test_the_allocation_page_saves_compares_and_chooses_scenarios(steering_member, aarhus_caseworker):
    from indsats.governance.models import AllocationScenario
    from tests.grants.factories import ProgrammeYearFactory

    year = ProgrammeYearFactory()
    url = reverse("governance:allocation_year", args=[year.pk])
    assert logged_in(aarhus_caseworker).get(url).status_code == 403
    client = logged_in(steering_member)
    lines = "a;Skolefravær;12000000;30\nb;ADHD;8000000;20\nc;Psykisk sårbarhed;10000000;22"
    refused = client.post(
        url, {"action": "scenario", "name": "x", "budget": "25000000", "candidates": "a;A;12.000.000;3"}
    )
    assert refused.status_code == 200 and "tusindtalsseparator" in refused.content.decode()
    refused = client.post(
        url, {"action": "scenario", "name": "x", "budget": "25000000", "candidates": "a;A;100;-3"}
    )
    assert "negativ" in refused.content.decode()
    assert (
        client.post(
            url, {"action": "scenario", "name": "Alle", "budget": "25000000", "candidates": lines}
        ).status_code
        == 302
    )
    client.post(
        url,
        {
            "action": "scenario",
            "name": "Uden c",
            "budget": "25000000",
            "candidates": lines,
            "must_exclude": "c",
        },
    )
    first, second = AllocationScenario.objects.order_by("pk")
    page = client.get(url, {"a": first.pk, "b": second.pk}).content.decode()
    assert "Kun i “Alle”" in page and "Psykisk sårbarhed" in page
    client.post(url, {"action": "choose", "scenario": second.pk})
    second.refresh_from_db()
    assert second.is_chosen
