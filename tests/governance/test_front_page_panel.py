"""The steering group's front-page panel: the next meeting, its first items and the overdue conditions."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from indsats.governance import services
from indsats.governance.models import ItemKind, Meeting
from indsats.governance.panels import steering_group_panel
from indsats.interventions import services as intervention_services
from indsats.interventions.models import Intervention
from indsats.interventions.workflow import WorkflowAction
from indsats.ui.formatting import date
from tests.interventions.factories import InterventionFactory, complete_checklist, ready_review

pytestmark = pytest.mark.django_db


def _approve_with_condition(agency_staff, steering_member, deadline: datetime.date) -> None:
    intervention = InterventionFactory()
    review = ready_review(intervention)
    complete_checklist(intervention)
    review = intervention_services.submit_gate_review(actor=agency_staff, review=review)
    intervention_services.decide_gate_review(
        actor=steering_member,
        review=review,
        decision=WorkflowAction.APPROVE_WITH_CONDITIONS,
        reason="Godkendt.",
        expected_version=review.version,
        condition_items=[intervention_services.NewCondition("Fidelitet målt", agency_staff, deadline)],
    )


def _meeting_with_items(agency_staff, held_on: datetime.date, titles: list[str]) -> Meeting:
    meeting = services.plan_meeting(actor=agency_staff, held_on=held_on)
    for title in titles:
        services.add_agenda_item(actor=agency_staff, meeting=meeting, kind=ItemKind.OTHER, title=title)
    return meeting


def test_the_panel_shows_the_next_meeting_its_first_six_items_and_the_overdue_conditions(
    agency_staff, steering_member
):
    today = timezone.localdate()
    _approve_with_condition(agency_staff, steering_member, today - datetime.timedelta(days=1))
    _approve_with_condition(agency_staff, steering_member, today)  # due today: not overdue yet
    later = _meeting_with_items(agency_staff, today + datetime.timedelta(days=30), ["Senere"])
    nearest = _meeting_with_items(agency_staff, today, [f"Punkt {n}" for n in range(1, 8)])

    panel = steering_group_panel(steering_member)

    assert panel is not None
    assert panel.facts == [
        ("Næste møde", date(today)),
        *[(f"{n}.", f"Punkt {n}") for n in range(1, 7)],
        ("Betingelser over fristen", 1),
    ]
    assert panel.links[0] == ("Dagsordenen", reverse("governance:meeting", args=[nearest.pk]))

    # the query compiled for the first meeting is run with the next one's values
    Meeting.objects.filter(pk=nearest.pk).delete()
    panel = steering_group_panel(steering_member)
    assert panel is not None
    assert panel.facts == [
        ("Næste møde", date(later.held_on)),
        ("1.", "Senere"),
        ("Betingelser over fristen", 1),
    ]
    assert panel.links[0] == ("Dagsordenen", reverse("governance:meeting", args=[later.pk]))


def test_without_a_planned_meeting_the_panel_still_counts_the_overdue_conditions(
    agency_staff, steering_member
):
    _approve_with_condition(agency_staff, steering_member, timezone.localdate() - datetime.timedelta(days=3))
    assert Intervention.objects.count() == 1

    panel = steering_group_panel(steering_member)

    assert panel is not None
    assert panel.facts == [("Næste møde", "intet planlagt"), ("Betingelser over fristen", 1)]
