"""The front page's children and measurements of a municipality (issue 16, national scale): read from
MunicipalityTotals, one row, which every kind of write (an import, a child registered or registered again,
a questionnaire recorded, a child deleted on request, the retention purge) recounts in its transaction, so
it equals a live count of the participants and measurements after each."""

from __future__ import annotations

import datetime
import importlib
import random
import re

import pytest
from django.apps import apps
from django.urls import reverse

from indsats.outcomes.models import Measurement, MunicipalityTotals, Participant
from indsats.outcomes.services.gdpr import delete_participant, purge_expired_outcomes
from indsats.outcomes.services.participants import record_measurement, register_participant
from indsats.outcomes.totals import totals_of
from tests.conftest import logged_in
from tests.factories import MunicipalityFactory
from tests.outcomes.test_insight_sql import _generated, _import, _rows

pytestmark = pytest.mark.django_db


def _live(municipality) -> tuple[int, int]:
    return (
        Participant.objects.filter(municipality=municipality).count(),
        Measurement.objects.filter(municipality=municipality).count(),
    )


def _assert_equal_to_a_live_count(*municipalities) -> None:
    for municipality in municipalities:
        assert totals_of([municipality.pk]) == _live(municipality), municipality.name
    both = [m.pk for m in municipalities]
    assert totals_of(both) == (
        Participant.objects.filter(municipality__in=both).count(),
        Measurement.objects.filter(municipality__in=both).count(),
    )


def _front_page_figures(client) -> dict[str, str]:
    page = client.get(reverse("dashboard:home")).content.decode()
    panel = page.split(">Resultatdokumentation</h2>", 1)[1].split("</section>", 1)[0]
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", panel))


def test_every_kind_of_write_keeps_the_totals_equal_to_a_live_count(
    odense, aarhus, intervention, three_rounds, sdq, odense_caseworker
):
    baseline, month6, month12 = three_rounds
    other = MunicipalityFactory(name="Kommune 0")
    assert totals_of([odense.pk]) == (0, 0)  # nothing written yet: no row, nothing to count

    _generated(sdq, [baseline, month6], [odense, aarhus, other], children_each=7)  # imports
    assert totals_of([odense.pk])[1] > totals_of([odense.pk])[0] > 0
    _assert_equal_to_a_live_count(odense, aarhus, other)
    client = logged_in(odense_caseworker)
    children, measurements = totals_of([odense.pk])
    assert _front_page_figures(client) == {"Børn registreret": str(children), "Målinger": str(measurements)}

    # an import of children known and new (Aarhus' are 1000 to 1003) at 12 months
    _import(aarhus, month12, sdq, _rows(random.Random(8), range(1002, 1010), 2, 0.0))
    _assert_equal_to_a_live_count(odense, aarhus, other)

    child = register_participant(
        actor=odense_caseworker, municipality=odense, intervention=intervention, cpr="010115-4003"
    )
    _assert_equal_to_a_live_count(odense, aarhus, other)
    register_participant(  # the same child again, with a reference: no new child
        actor=odense_caseworker,
        municipality=odense,
        intervention=intervention,
        cpr="010115-4003",
        local_reference="J-1",
    )
    _assert_equal_to_a_live_count(odense, aarhus, other)

    record_measurement(
        actor=odense_caseworker,
        participant=child,
        measurement_round=month6,
        instrument=sdq,
        measured_on=month6.opens_on,
        answers=[1.0] * 25,
    )
    _assert_equal_to_a_live_count(odense, aarhus, other)
    children, measurements = totals_of([odense.pk])
    assert _front_page_figures(client) == {"Børn registreret": str(children), "Målinger": str(measurements)}

    delete_participant(actor=odense_caseworker, participant=child)
    _assert_equal_to_a_live_count(odense, aarhus, other)

    counts = purge_expired_outcomes(today=datetime.date(2040, 1, 1))
    assert counts["measurements"] and counts["participants"]
    _assert_equal_to_a_live_count(odense, aarhus, other)
    assert totals_of([odense.pk, aarhus.pk, other.pk]) == (0, 0)
    assert MunicipalityTotals.objects.count() == 3  # the rows stay, at zero


def test_the_migration_counts_the_children_and_measurements_there_are(
    odense, aarhus, intervention, baseline, month6, sdq
):
    migration = importlib.import_module("indsats.outcomes.migrations.0008_municipality_totals")
    _generated(sdq, [baseline, month6], [odense, aarhus], children_each=6)
    expected = {(m.pk, *totals_of([m.pk])) for m in (odense, aarhus)}
    MunicipalityTotals.objects.all().delete()
    migration.count_every_municipality(apps, None)
    assert (
        set(MunicipalityTotals.objects.values_list("municipality_id", "participants", "measurements"))
        == {(m.pk, *live) for m, live in ((odense, _live(odense)), (aarhus, _live(aarhus)))}
        == expected
    )
