"""A child's answers, scores and age in the audit history are for the child's own municipality only
(issue 11, point 2): the agency reads that a measurement was recorded, by whom and when, not the values."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from indsats.outcomes.models import Measurement, Participant
from indsats.outcomes.services.participants import record_measurement, register_participant
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

CPR = "010115-4003"
ANSWERS = [2] * 25  # every SDQ item answered "certainly true"


@pytest.fixture
def measurement(aarhus_caseworker, aarhus, intervention, baseline, sdq):
    child = register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=CPR
    )
    return record_measurement(
        actor=aarhus_caseworker,
        participant=child,
        measurement_round=baseline,
        instrument=sdq,
        measured_on=datetime.date(2025, 2, 10),
        answers=ANSWERS,
    )


def _history(client, instance):
    content_type = ContentType.objects.get_for_model(type(instance))
    return client.get(reverse("history:object_history", args=[content_type.pk, instance.pk]))


def test_the_agency_reads_that_a_measurement_was_recorded_but_not_its_values(agency_admin, measurement):
    # all answers 2: the five reversed items score 0, the other fifteen difficulty items 2 -> total 30
    assert measurement.scores["total_difficulties"] == 30 and measurement.age == 10
    page = _history(logged_in(agency_admin), measurement).content.decode()
    assert "Oprettet" in page and "[skjult]" in page
    # the field names stay (what was recorded), the values go
    for field in ("answers", "scores", "bands", "age"):
        assert f"<strong>{field}</strong>: [skjult]" in page
    assert "total_difficulties" not in page and "2, 2, 2" not in page


def test_the_childs_own_municipality_reads_the_values(aarhus_caseworker, measurement):
    page = _history(logged_in(aarhus_caseworker), measurement).content.decode()
    assert "[skjult]" not in page and "total_difficulties" in page and "30" in page


def test_the_agencys_whole_trail_hides_the_childs_values_too(agency_admin, measurement):
    page = logged_in(agency_admin).get(reverse("history:trail")).content.decode()
    assert "[skjult]" in page
    participant = Participant.objects.get()
    entry_page = _history(logged_in(agency_admin), participant).content.decode()
    assert "[skjult]" in entry_page and str(participant.birth_year) not in entry_page


def test_another_municipality_still_cannot_open_the_history(odense_caseworker, measurement):
    assert _history(logged_in(odense_caseworker), measurement).status_code == 403
    assert Measurement.objects.count() == 1
