"""The insight page's summary table (issue 16): kept current by the writes that change measurements (an
import, a recorded questionnaire, a deletion, the retention purge: a task enqueued on commit), read by the
page only while current, and giving the same figures and disclosure decisions as the live query and as the
old implementation that loaded every measurement into Python (tests/outcomes/insight_reference.py). With a
current summary the page reads no measurement at all, and its number of queries does not grow with them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.outcomes import selectors
from indsats.outcomes.models import InsightSummary, InsightVersion, Measurement, Participant
from indsats.outcomes.services.gdpr import delete_participant, purge_expired_outcomes
from indsats.outcomes.services.insight_summary import refresh_insight_summary
from indsats.outcomes.services.participants import record_measurement
from tests.conftest import logged_in
from tests.factories import MunicipalityFactory, person_with_role
from tests.outcomes.insight_reference import reference_insight
from tests.outcomes.test_insight_sql import SCORES, _generated

pytestmark = pytest.mark.django_db

# the measurements' table (not outcomes_measurementround)
MEASUREMENTS = re.compile(r"\boutcomes_measurement\b")


def _current(intervention, instrument) -> bool:
    state = InsightVersion.objects.get(intervention=intervention, instrument=instrument)
    return state.version == state.summary_version


def _insight(user, intervention, instrument, score_key, municipality):
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.insight(
            user=user,
            intervention=intervention,
            instrument=instrument,
            score_key=score_key,
            municipality=municipality,
        )
    read_measurements = any(MEASUREMENTS.search(q["sql"]) for q in queries.captured_queries)
    return rows, read_measurements


def _views(odense, aarhus, odense_person, agency_admin):
    return ((odense_person, odense), (agency_admin, aarhus), (agency_admin, None))


@pytest.mark.parametrize(("min_children", "min_municipalities"), [(5, 5), (25, 2), (1, 1)])
def test_the_summary_gives_the_live_figures_and_disclosure_decisions_on_data_with_missing_scores(
    settings, odense, aarhus, intervention, three_rounds, sdq, agency_admin, min_children, min_municipalities
):
    settings.DISCLOSURE_MIN_CHILDREN = min_children
    settings.DISCLOSURE_MIN_MUNICIPALITIES = min_municipalities
    others = [aarhus, *(MunicipalityFactory(name=f"Kommune {i}") for i in range(3))]
    _generated(sdq, three_rounds, [odense, *others], children_each=14)
    odense_person = person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="leder-o")
    assert not _current(intervention, sdq)  # the imports moved the version on; no task has run
    live = {}
    for score_key in SCORES:
        for user, municipality in _views(odense, aarhus, odense_person, agency_admin):
            rows, read = _insight(user, intervention, sdq, score_key, municipality)
            assert read  # computed from the measurements
            live[(score_key, user.pk, municipality)] = rows
    written = refresh_insight_summary(intervention_id=intervention.pk, instrument_id=sdq.pk)
    assert written == InsightSummary.objects.count() > 0 and _current(intervention, sdq)
    suppressed = shown = 0
    for score_key in SCORES:
        for user, municipality in _views(odense, aarhus, odense_person, agency_admin):
            rows, read = _insight(user, intervention, sdq, score_key, municipality)
            assert not read  # from the summary alone
            assert rows == live[(score_key, user.pk, municipality)]  # the very same figures
            reference = reference_insight(
                intervention=intervention, instrument=sdq, score_key=score_key, municipality=municipality
            )
            assert [(r.n, r.others_suppressed, r.others_change_suppressed) for r in rows] == [
                (r.n, r.others_suppressed, r.others_change_suppressed) for r in reference
            ]
            for got, expected in zip(rows, reference, strict=True):
                for name in ("mean", "change", "ci_low", "ci_high", "others_mean", "others_change"):
                    value = getattr(expected, name)
                    assert getattr(got, name) == (value if value is None else pytest.approx(value, rel=1e-9))
            suppressed += sum(r.others_suppressed + r.others_change_suppressed for r in rows)
            shown += sum(r.others_mean is not None for r in rows)
    assert shown
    assert suppressed or min_municipalities == 1


def _assert_summary_equals_reference(intervention, instrument, user, municipality) -> None:
    assert _current(intervention, instrument)
    for score_key in SCORES:
        rows, read = _insight(user, intervention, instrument, score_key, municipality)
        assert not read
        reference = reference_insight(
            intervention=intervention, instrument=instrument, score_key=score_key, municipality=municipality
        )
        assert len(rows) == len(reference)
        for got, expected in zip(rows, reference, strict=True):
            assert (got.n, got.others_n, got.others_suppressed) == (
                expected.n,
                expected.others_n,
                expected.others_suppressed,
            )
            for name in ("mean", "change", "ci_low", "others_mean", "others_change", "better_band_share"):
                value = getattr(expected, name)
                assert getattr(got, name) == (value if value is None else pytest.approx(value, rel=1e-9))


def test_an_import_a_recorded_questionnaire_a_deletion_and_the_purge_refresh_the_summary(
    settings,
    odense,
    aarhus,
    intervention,
    three_rounds,
    sdq,
    agency_admin,
    odense_caseworker,
    tasks_immediate,
    django_capture_on_commit_callbacks,
):
    settings.DISCLOSURE_MIN_CHILDREN = settings.DISCLOSURE_MIN_MUNICIPALITIES = 1
    baseline, month6, _month12 = three_rounds
    municipalities = [odense, aarhus, MunicipalityFactory(name="Kommune 0")]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _generated(sdq, three_rounds, municipalities, children_each=12, seed=5)
    assert callbacks  # the imports enqueued the refresh, which ran
    _assert_summary_equals_reference(intervention, sdq, agency_admin, odense)
    before = InsightSummary.objects.filter(score_key="total_difficulties", kind=1).values_list("n", flat=True)
    before = sum(before)

    # a questionnaire recorded for a child with a baseline score but not measured at 6 months
    participant = next(
        measurement.participant
        for measurement in Measurement.objects.filter(municipality=odense, round=baseline)
        .exclude(participant__measurements__round=month6)
        .select_related("participant")
        if measurement.scores.get("total_difficulties") is not None
    )
    with django_capture_on_commit_callbacks(execute=True):
        record_measurement(
            actor=odense_caseworker,
            participant=participant,
            measurement_round=month6,
            instrument=sdq,
            measured_on=month6.opens_on,
            answers=[1.0] * 25,
        )
    _assert_summary_equals_reference(intervention, sdq, agency_admin, odense)
    after = InsightSummary.objects.filter(score_key="total_difficulties", kind=1).values_list("n", flat=True)
    assert sum(after) == before + 1  # one more pair

    # a child deleted on request (GDPR art. 17)
    with django_capture_on_commit_callbacks(execute=True):
        delete_participant(actor=odense_caseworker, participant=participant)
    _assert_summary_equals_reference(intervention, sdq, agency_admin, odense)
    assert sum(
        InsightSummary.objects.filter(score_key="total_difficulties", kind=1).values_list("n", flat=True)
    ) < sum(after)

    # the retention purge: every measurement is past a one-day retention in 2040 (5 years by default)
    with django_capture_on_commit_callbacks(execute=True):
        counts = purge_expired_outcomes(today=datetime.date(2040, 1, 1))
    assert counts["measurements"] and not Measurement.objects.exists()
    assert _current(intervention, sdq) and not InsightSummary.objects.exists()


def test_a_write_not_yet_summarised_is_shown_from_the_live_query(
    settings, odense, aarhus, intervention, three_rounds, sdq, agency_admin, odense_caseworker
):
    """The version moves on in the write's own transaction: until the task has run, the page computes the
    figures live (never the stale summary); the daily rebuild catches up."""
    settings.DISCLOSURE_MIN_CHILDREN = settings.DISCLOSURE_MIN_MUNICIPALITIES = 1
    _generated(sdq, three_rounds, [odense, aarhus], children_each=10, seed=9)
    call_command("refresh_insight_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _assert_summary_equals_reference(intervention, sdq, agency_admin, odense)
    participant = Participant.objects.filter(municipality=odense).first()
    delete_participant(actor=odense_caseworker, participant=participant)  # its task never runs
    assert not _current(intervention, sdq)
    rows, read = _insight(agency_admin, intervention, sdq, "emotional", odense)
    assert read
    reference = reference_insight(
        intervention=intervention, instrument=sdq, score_key="emotional", municipality=odense
    )
    assert [r.n for r in rows] == [r.n for r in reference]
    call_command("refresh_insight_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _assert_summary_equals_reference(intervention, sdq, agency_admin, odense)


def _page(client, intervention, sdq, municipality=None) -> tuple[int, bool]:
    url = reverse("outcomes:insight") + f"?intervention={intervention.pk}&instrument={sdq.pk}"
    if municipality is not None:
        url += f"&municipality={municipality.pk}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), any(MEASUREMENTS.search(q["sql"]) for q in queries.captured_queries)


def test_with_a_current_summary_the_page_reads_no_measurement_and_its_queries_do_not_grow(
    odense, aarhus, intervention, three_rounds, sdq, agency_admin
):
    municipalities = [odense, aarhus, *(MunicipalityFactory(name=f"Kommune {i}") for i in range(3))]
    odense_person = person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="leder-o")
    agency, municipal = logged_in(agency_admin), logged_in(odense_person)
    _generated(sdq, three_rounds, municipalities, children_each=8, seed=1)
    few = Measurement.objects.count()
    refresh_insight_summary(intervention_id=intervention.pk, instrument_id=sdq.pk)

    def pages() -> list[tuple[int, bool]]:
        return [_page(agency, intervention, sdq, odense), _page(municipal, intervention, sdq)]

    pages()  # caches filled once per process are warm from here on
    before = pages()
    assert [read for _count, read in before] == [False, False]
    _generated(sdq, three_rounds, municipalities, children_each=80, seed=2, first=500)
    assert Measurement.objects.count() >= 8 * few
    refresh_insight_summary(intervention_id=intervention.pk, instrument_id=sdq.pk)
    assert pages() == before


def test_a_refresh_task_never_waits_for_another_refresh_of_the_same_pair(
    settings, odense, aarhus, intervention, three_rounds, sdq, agency_admin, odense_caseworker
):
    """A task blocked on the pair's lock would miss its lease's heartbeats and be taken by a second worker:
    while another refresh holds the lock the task leaves at once (the holder checks again when done)."""
    if connection.vendor != "postgresql":
        pytest.skip("the pair's lock is PostgreSQL's advisory lock")
    from django.db import connections

    from indsats.outcomes.services.insight_summary import refresh_if_stale

    settings.DISCLOSURE_MIN_CHILDREN = settings.DISCLOSURE_MIN_MUNICIPALITIES = 1
    _generated(sdq, three_rounds, [odense, aarhus], children_each=6, seed=3)
    participant = Participant.objects.filter(municipality=odense).first()
    delete_participant(actor=odense_caseworker, participant=participant)  # the version moves on
    assert not _current(intervention, sdq)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:  # another worker's refresh of the same pair, still running
            cursor.execute("SELECT pg_advisory_lock(%s::integer, %s::integer)", [intervention.pk, sdq.pk])
        assert refresh_if_stale(intervention_id=intervention.pk, instrument_id=sdq.pk) == 0  # left at once
        assert not _current(intervention, sdq)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s::integer, %s::integer)", [intervention.pk, sdq.pk])
    finally:
        other.close()
    assert refresh_if_stale(intervention_id=intervention.pk, instrument_id=sdq.pk) > 0
    assert _current(intervention, sdq)
    _assert_summary_equals_reference(intervention, sdq, agency_admin, odense)
