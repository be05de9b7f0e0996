"""The completeness page's counts kept current (issue 16): CompletenessSummary is rebuilt with the insight
summary by the task every write enqueues (an import, a registered child, a recorded questionnaire, a
deletion, the retention purge), read only while both its measurements' and its enrolments' versions are
current, and gives the same counts as an independent count over the participants (their own municipality,
not the enrolment's copy of it). Until the task has run the page counts live: never stale figures."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indsats.accounts.models import Role
from indsats.outcomes import selectors
from indsats.outcomes.models import (
    CompletenessSummary,
    Enrolment,
    EnrolmentVersion,
    InsightVersion,
    Measurement,
    Participant,
)
from indsats.outcomes.services.gdpr import delete_participant, purge_expired_outcomes
from indsats.outcomes.services.participants import record_measurement, register_participant
from tests.factories import MembershipFactory, MunicipalityFactory, person_with_role
from tests.outcomes.test_insight_sql import _generated

pytestmark = pytest.mark.django_db

# the enrolments' and measurements' tables (not outcomes_measurementround)
CHILD_ROWS = re.compile(r"\boutcomes_(measurement|enrolment)\b")


def _completeness(user, intervention, instrument):
    """The page's cells as {(municipality, round): (measured, enrolled)}, and whether they were counted
    from the enrolments or measurements (live) rather than from the summary."""
    with CaptureQueriesContext(connection) as queries:
        round_list, rows = selectors.completeness(user=user, intervention=intervention, instrument=instrument)
    cells = {
        (row.municipality.pk, measurement_round.pk): (cell.measured, cell.enrolled)
        for row in rows
        for measurement_round, cell in zip(round_list, row.cells, strict=True)
    }
    return cells, any(CHILD_ROWS.search(q["sql"]) for q in queries.captured_queries)


def _reference(intervention, instrument, municipality_ids=None):
    """Counted in Python from the participants: a child counts for its own municipality when enrolled, and
    as measured in a round when it has a measurement with the instrument in it."""
    cells = {}
    rounds = list(selectors.rounds(intervention=intervention))
    for participant in Participant.objects.filter(enrolments__intervention=intervention):
        if municipality_ids is not None and participant.municipality_id not in municipality_ids:
            continue
        measured_in = set(
            participant.measurements.filter(instrument=instrument).values_list("round_id", flat=True)
        )
        for measurement_round in rounds:
            key = (participant.municipality_id, measurement_round.pk)
            measured, enrolled = cells.get(key, (0, 0))
            cells[key] = (measured + (measurement_round.pk in measured_in), enrolled + 1)
    return cells


def _current(intervention, instrument) -> bool:
    state = InsightVersion.objects.get(intervention=intervention, instrument=instrument)
    enrolments = EnrolmentVersion.objects.filter(intervention=intervention).first()
    return state.version == state.summary_version and state.summary_enrolment_version == (
        enrolments.version if enrolments else 0
    )


def _assert_from_summary(intervention, instrument, agency_admin, odense_person, odense) -> None:
    assert _current(intervention, instrument)
    cells, live = _completeness(agency_admin, intervention, instrument)
    assert not live  # from the summary alone
    assert cells == _reference(intervention, instrument)
    # a municipality's own staff: only its own row (its missing children are listed from the live rows)
    own, _live = _completeness(odense_person, intervention, instrument)
    assert own == _reference(intervention, instrument, {odense.pk})


def test_every_kind_of_write_keeps_the_counts_current_and_equal_to_a_count_over_the_participants(
    settings,
    odense,
    aarhus,
    intervention,
    baseline,
    month6,
    sdq,
    agency_admin,
    odense_caseworker,
    tasks_immediate,
    django_capture_on_commit_callbacks,
):
    rounds = [baseline, month6]
    odense_person = person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="leder-o")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _generated(sdq, rounds, [odense, aarhus, MunicipalityFactory(name="Kommune 0")], children_each=9)
    assert callbacks  # the imports enqueued the refresh, which ran
    _assert_from_summary(intervention, sdq, agency_admin, odense_person, odense)
    assert CompletenessSummary.objects.filter(round__isnull=True).count() == 3

    # a child registered (enrolled, not measured): one more enrolled in Odense, no more measured
    before, _live = _completeness(agency_admin, intervention, sdq)
    with django_capture_on_commit_callbacks(execute=True):
        child = register_participant(
            actor=odense_caseworker, municipality=odense, intervention=intervention, cpr="010115-4003"
        )
    _assert_from_summary(intervention, sdq, agency_admin, odense_person, odense)
    after, _live = _completeness(agency_admin, intervention, sdq)
    assert after[odense.pk, month6.pk] == (
        before[odense.pk, month6.pk][0],
        before[odense.pk, month6.pk][1] + 1,
    )

    # a questionnaire recorded for the child at 6 months
    with django_capture_on_commit_callbacks(execute=True):
        record_measurement(
            actor=odense_caseworker,
            participant=child,
            measurement_round=month6,
            instrument=sdq,
            measured_on=month6.opens_on,
            answers=[1.0] * 25,
        )
    _assert_from_summary(intervention, sdq, agency_admin, odense_person, odense)
    assert (
        _completeness(agency_admin, intervention, sdq)[0][odense.pk, month6.pk][0]
        == after[odense.pk, month6.pk][0] + 1
    )

    # a child deleted on request (GDPR art. 17): its enrolment and measurements go
    with django_capture_on_commit_callbacks(execute=True):
        delete_participant(actor=odense_caseworker, participant=child)
    _assert_from_summary(intervention, sdq, agency_admin, odense_person, odense)
    assert _completeness(agency_admin, intervention, sdq)[0] == before

    # the retention purge: every measurement is past it in 2040, then the children left without any
    with django_capture_on_commit_callbacks(execute=True):
        counts = purge_expired_outcomes(today=datetime.date(2040, 1, 1))
    assert counts["measurements"] and counts["participants"] and not Enrolment.objects.exists()
    assert _current(intervention, sdq) and not CompletenessSummary.objects.exists()
    assert _completeness(agency_admin, intervention, sdq)[0] == {} == _reference(intervention, sdq)


def test_a_write_not_yet_summarised_is_counted_live(
    odense, aarhus, intervention, baseline, month6, sdq, agency_admin, odense_caseworker
):
    """Both versions move on in the write's own transaction: a child enrolled, or a measurement deleted,
    shows at once (counted live) until the task has run; the daily rebuild catches up."""
    _generated(sdq, [baseline, month6], [odense, aarhus], children_each=6, seed=3)
    call_command("refresh_insight_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    odense_person = person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="leder-o")
    _assert_from_summary(intervention, sdq, agency_admin, odense_person, odense)

    register_participant(  # its task never runs
        actor=odense_caseworker, municipality=odense, intervention=intervention, cpr="010115-4003"
    )
    assert not _current(intervention, sdq)
    cells, live = _completeness(agency_admin, intervention, sdq)
    assert live and cells == _reference(intervention, sdq)
    call_command("refresh_insight_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _assert_from_summary(intervention, sdq, agency_admin, odense_person, odense)

    measured = Measurement.objects.filter(municipality=aarhus).first().participant
    delete_participant(
        actor=person_with_role(Role.CASEWORKER, aarhus, username="cw-a2"), participant=measured
    )
    cells, live = _completeness(agency_admin, intervention, sdq)
    assert live and cells == _reference(intervention, sdq)
    call_command("refresh_insight_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _assert_from_summary(intervention, sdq, agency_admin, odense_person, odense)


def test_an_instrument_without_a_summary_is_counted_live(
    odense, aarhus, intervention, baseline, month6, sdq, who5, agency_admin
):
    _generated(sdq, [baseline, month6], [odense, aarhus], children_each=5, seed=4)
    call_command("refresh_insight_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    cells, live = _completeness(agency_admin, intervention, who5)  # nobody is measured with it
    assert live and cells == _reference(intervention, who5)
    assert {measured for measured, _enrolled in cells.values()} == {0}


def test_the_summary_read_for_a_person_of_several_municipalities_is_their_rows_alone(
    odense, aarhus, intervention, baseline, month6, sdq, agency_admin
):
    """The summary's query is compiled once per number of municipalities (db.compiled_queries): a person of
    two of three municipalities reads their two rows from it, as counted over the participants, and the
    agency all three."""
    third = MunicipalityFactory(name="Vejle Kommune")
    _generated(sdq, [baseline, month6], [odense, aarhus, third], children_each=4, seed=5)
    call_command("refresh_insight_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    two = person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="leder-2")
    MembershipFactory(user=two, organisation=aarhus, role=Role.MUNICIPALITY_MANAGER)
    for user, shown in ((two, {odense.pk, aarhus.pk}), (agency_admin, None)):
        with CaptureQueriesContext(connection) as queries:
            cells, _live = _completeness(user, intervention, sdq)
        # counted from the summary (the own municipalities' missing children are listed from the live rows)
        assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)
        assert cells == _reference(intervention, sdq, shown)
    _round_list, rows = selectors.completeness(user=two, intervention=intervention, instrument=sdq)
    assert [row.municipality.name for row in rows] == sorted([odense.name, aarhus.name])
