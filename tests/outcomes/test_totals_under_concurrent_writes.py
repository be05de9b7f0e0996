"""MunicipalityTotals under writes of one municipality on two connections at once (PostgreSQL only): an
import (the service the command line and the web's worker call) with a child registered, or with a child
deleted on request, in both orders. Both commit, neither waits for the other in a cycle, and the totals
equal a live count afterwards.

The order is forced: this test's own connection holds the municipality's totals row (as a long write
would), the first write runs until it waits for that row (every lock it takes before its recount held),
the second until it waits for the first; then the row is let go."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from indsats.engine.cpr import pseudonym
from indsats.outcomes.models import ImportJob, ImportStatus, Measurement, Participant
from indsats.outcomes.pseudonyms import pseudonym_key
from indsats.outcomes.services.gdpr import delete_participant
from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.participants import register_participant
from indsats.outcomes.totals import totals_of
from tests.outcomes.factories import InterventionFactory
from tests.outcomes.files import fake_cpr, sdq_rows
from tests.outcomes.validated import validated_import

pytestmark = pytest.mark.django_db(transaction=True)

KNOWN = range(0, 20)  # imported at baseline before the test's writes
IN_FILE = range(10, 46)  # the concurrent import at 6 months: 10 children known, 26 new


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction, so there is no concurrency to test.")


@pytest.fixture
def imported(odense, odense_caseworker, baseline, sdq):
    """Twenty children of Odense measured at baseline (their totals row exists)."""
    job = validated_import(odense_caseworker, odense, baseline, sdq, sdq_rows(len(KNOWN), start=KNOWN.start))
    commit_import(actor=odense_caseworker, job=job)
    assert totals_of([odense.pk]) == (20, 20)


@pytest.fixture
def month6_file(imported, odense, odense_caseworker, month6, sdq) -> ImportJob:
    """The import that runs concurrently, checked as the web checks it (its rows kept on the job)."""
    rows = sdq_rows(len(IN_FILE), start=IN_FILE.start, measured_on="2025-07-01")
    return validated_import(odense_caseworker, odense, month6, sdq, rows)


class _Write(threading.Thread):
    """A service called on a connection of its own; its backend's pid known before it writes."""

    def __init__(self, name: str, write: Callable[[], object]) -> None:
        super().__init__(name=name, daemon=True)
        self.write = write
        self.pid = 0
        self.connected = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.pid = _backend_pid()
            self.connected.set()
            self.write()
        except BaseException as error:  # noqa: BLE001 (asserted on by the test)
            self.error = error
        finally:
            self.connected.set()
            connections.close_all()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _wait_until_blocked_by(write: _Write, holder: int) -> None:
    """Until ``write`` waits for a lock ``holder`` holds (pg_blocking_pids reads the lock table live)."""
    assert write.connected.wait(timeout=10)
    deadline = time.monotonic() + 20
    while True:
        assert write.error is None, write.error
        assert write.is_alive(), f"{write.name} finished without waiting for the other"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_blocking_pids(%s)", [write.pid])
            if holder in cursor.fetchone()[0]:
                return
        assert time.monotonic() < deadline, f"{write.name} never waited for {holder}"
        time.sleep(0.02)


def _run_in_order(first: _Write, second: _Write, municipality) -> None:
    """``first`` holding everything it locks before its recount, ``second`` waiting for it, then both
    let go: both must commit (a cycle would end one of them with PostgreSQL's deadlock error)."""
    holder = _backend_pid()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM outcomes_municipalitytotals WHERE municipality_id = %s FOR UPDATE",
                [municipality.pk],
            )
            first.start()
            _wait_until_blocked_by(first, holder)
            second.start()
            _wait_until_blocked_by(second, first.pid)
    finally:  # the row let go (also when an assertion failed), then both run to their end
        for write in (first, second):
            if write.ident is not None:  # started
                write.join(timeout=60)
    for write in (first, second):
        assert not write.is_alive(), f"{write.name} still waits"
        assert write.error is None, f"{write.name}: {write.error!r}"


def _live(municipality) -> tuple[int, int]:
    return (
        Participant.objects.filter(municipality=municipality).count(),
        Measurement.objects.filter(municipality=municipality).count(),
    )


@pytest.mark.parametrize("first", ["import", "registration"])
@pytest.mark.parametrize(
    ("child", "elsewhere"),
    [(500, False), (500, True), (IN_FILE.stop - 1, False)],
    ids=["another-child", "another-child-in-another-intervention", "child-in-the-file"],
)
def test_an_import_and_a_child_registered_at_the_same_time_both_commit_and_are_counted(
    first, child, elsewhere, odense, odense_caseworker, agency, intervention, sdq, month6_file
):
    """The second write waits for the first: for the intervention's enrolment version (the same
    intervention), for the child's pseudonym in the unique index (both insert it), or else for the totals'
    row itself, and then recounts after the first commits."""
    enrolled_in = InterventionFactory(name="Tidlig indsats", owner=agency) if elsewhere else intervention
    new_children = 0 if child in IN_FILE else 1
    importing = _Write("import", lambda: commit_import(actor=odense_caseworker, job=month6_file))
    registering = _Write(
        "registration",
        lambda: register_participant(
            actor=odense_caseworker, municipality=odense, intervention=enrolled_in, cpr=fake_cpr(child)
        ),
    )
    if first == "import":
        _run_in_order(importing, registering, odense)
    else:
        _run_in_order(registering, importing, odense)

    assert ImportJob.objects.get(pk=month6_file.pk).status == ImportStatus.DONE
    assert Participant.objects.filter(municipality=odense).count() == KNOWN.stop + 26 + new_children
    assert totals_of([odense.pk]) == _live(odense) == (KNOWN.stop + 26 + new_children, 20 + len(IN_FILE))


@pytest.mark.parametrize("first", ["import", "deletion"])
def test_an_import_and_a_child_deleted_at_the_same_time_both_commit_and_are_counted(
    first, odense, odense_caseworker, month6_file
):
    """A child known to the import and deleted on request meanwhile. Deleted first: the import's lock on
    the known child waits, finds it gone and writes the child anew with the file's questionnaire. Imported
    first: the deletion's lock waits for the import and then deletes both questionnaires."""
    child = Participant.objects.get(pk=_participant_of(odense, 12))
    importing = _Write("import", lambda: commit_import(actor=odense_caseworker, job=month6_file))
    deleting = _Write(
        "deletion",
        lambda: delete_participant(actor=odense_caseworker, participant=child, reason="Anmodning"),
    )
    if first == "import":
        _run_in_order(importing, deleting, odense)
    else:
        _run_in_order(deleting, importing, odense)

    assert ImportJob.objects.get(pk=month6_file.pk).status == ImportStatus.DONE
    assert not Participant.objects.filter(pk=child.pk).exists()
    again = Participant.objects.filter(municipality=odense, pseudonym=child.pseudonym)
    if first == "import":
        expected = (KNOWN.stop + 26 - 1, 20 + len(IN_FILE) - 2)
        assert not again.exists()
    else:
        expected = (KNOWN.stop + 26, 20 + len(IN_FILE) - 1)
        assert Measurement.objects.filter(participant__in=again).count() == 1
    assert totals_of([odense.pk]) == _live(odense) == expected


def _participant_of(municipality, n: int) -> int:
    """The id of the child with the made-up CPR number ``n`` (found by its keyed pseudonym)."""
    code = pseudonym(fake_cpr(n), key=pseudonym_key(), municipality_code=municipality.municipality_code)
    return Participant.objects.get(municipality=municipality, pseudonym=code).pk
