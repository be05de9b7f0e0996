"""The front page's children and measurements of a municipality (issue 16, national scale): read from
MunicipalityTotals, one row, which every kind of write (an import, a child registered or registered again,
a questionnaire recorded, a child deleted on request, the retention purge) recounts in its transaction, so
it equals a live count of the participants and measurements after each."""

from __future__ import annotations

import datetime
import importlib
import random
import re
import threading
import time

import pytest
from django.apps import apps
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indsats.outcomes.models import Measurement, MunicipalityTotals, Participant
from indsats.outcomes.services.gdpr import delete_participant, purge_expired_outcomes
from indsats.outcomes.services.participants import record_measurement, register_participant
from indsats.outcomes.totals import totals_of
from tests.conftest import logged_in
from tests.factories import MunicipalityFactory
from tests.outcomes.factories import InterventionFactory
from tests.outcomes.files import fake_cpr
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


@pytest.mark.django_db(transaction=True)
def test_two_children_registered_at_the_same_moment_are_both_counted(
    odense, agency, intervention, odense_caseworker
):
    """The second writer's recount waits for the first's lock on the totals' row and counts after it
    commits, though it inserted its child before (PostgreSQL only). In two interventions, so that nothing
    else of the two writes waits for the other."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction, so there is no concurrency to test.")
    other = InterventionFactory(name="Tidlig indsats", owner=agency)
    first_recounted, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    waited: list[float] = []

    def first() -> None:
        try:
            with transaction.atomic():
                register_participant(
                    actor=odense_caseworker, municipality=odense, intervention=intervention, cpr=fake_cpr(1)
                )
                first_recounted.set()
                second_started.wait(timeout=10)
                time.sleep(0.5)  # the second has inserted its child and waits for the totals' row
        except BaseException as error:  # noqa: BLE001 (reported by the test below)
            errors.append(error)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_recounted.wait(timeout=10)
            second_started.set()
            with CaptureQueriesContext(connection) as queries:
                register_participant(
                    actor=odense_caseworker, municipality=odense, intervention=other, cpr=fake_cpr(2)
                )
            waited.extend(
                float(q["time"])
                for q in queries.captured_queries
                if "INSERT INTO outcomes_municipalitytotals" in q["sql"]
            )
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert waited and waited[0] > 0.3  # the second's recount waited for the first to commit
    assert totals_of([odense.pk]) == _live(odense) == (2, 0)
