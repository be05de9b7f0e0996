"""The data version that cached pages are keyed by changes when a write commits, also when a transaction
holding an older audit entry commits after a newer one (issue 16: the front page's panels and the
portfolio board were keyed by the newest audit entry's id alone)."""

import threading

import pytest
from django.db import connection, transaction

from indsats.accounts import services
from indsats.audit.models import AuditEntry
from indsats.audit.version import data_version


@pytest.mark.django_db
def test_the_version_changes_with_every_write_and_only_then(agency_admin, aarhus):
    before = data_version()
    assert data_version() == before
    services.update_organisation(actor=agency_admin, organisation=aarhus, email="a@aarhus.dk")
    after = data_version()
    assert after != before and after.split(":")[0] == str(AuditEntry.objects.latest("id").pk)
    assert data_version() == after


@pytest.mark.django_db(transaction=True)
def test_an_older_entry_committed_after_a_newer_one_changes_the_version(agency_admin, aarhus, odense):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's writers take turns: its entries commit in the order of their ids")
    written, release, done = threading.Event(), threading.Event(), threading.Event()
    failures = []

    def slow_write() -> None:  # its own connection: Django's connections are per thread
        try:
            with transaction.atomic():
                services.update_organisation(actor=agency_admin, organisation=odense, email="o@odense.dk")
                written.set()
                release.wait(30)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=slow_write)
    thread.start()
    assert written.wait(30)
    services.update_organisation(actor=agency_admin, organisation=aarhus, email="a@aarhus.dk")  # newer id
    between = data_version()  # Aarhus' change committed, Odense's still in flight
    release.set()
    assert done.wait(30)
    thread.join()
    assert failures == []
    after = data_version()
    newest_between, newest_after = between.split(":")[0], after.split(":")[0]
    # the newest id is the same before and after Odense's commit (its entry is the older one) ...
    assert newest_between == newest_after
    ids = sorted(AuditEntry.objects.values_list("id", flat=True))
    assert len(ids) == 2 and newest_after == str(ids[-1])
    # ... but the version is not: a page kept between the two commits is not served after
    assert between != after
