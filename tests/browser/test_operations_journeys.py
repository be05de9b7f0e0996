"""Operations in the browser: the agency administrator's page of daily jobs and tasks, and an import whose
worker died, shown as interrupted with a retry button."""

from __future__ import annotations

import pytest

from indsats.accounts.models import Role
from indsats.operations import schedule
from indsats.outcomes.models import ImportJob, ImportStatus
from indsats.outcomes.services.imports import prepare_import
from tests.factories import person_with_role
from tests.outcomes.conftest import baseline, instruments, intervention, sdq  # noqa: F401, F811 - fixtures
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long browser password 4711"


def person(role, organisation, username):
    user = person_with_role(role, organisation, username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_the_agency_administrator_sees_the_daily_jobs_and_the_queue(page, agency):
    person(Role.AGENCY_ADMIN, agency, "drift-admin")
    schedule.run_now("purge-abandoned-imports")
    schedule.run_now("grants-daily")
    page.login("drift-admin", PASSWORD)
    page.goto("/drift/")
    content = page.page.content()
    assert "Planlagte job" in content and "0 forladte importer slettet" in content
    page.check("operations-overview")


def test_an_interrupted_import_is_shown_as_such_and_can_be_started_again(
    page,
    aarhus,
    baseline,  # noqa: F811 - the fixture
    sdq,  # noqa: F811 - the fixture
):
    caseworker = person(Role.CASEWORKER, aarhus, "drift-cw")
    job = prepare_import(
        actor=caseworker,
        municipality=aarhus,
        measurement_round=baseline,
        instrument=sdq,
        content=csv_bytes(HEADER, sdq_rows(12)),
        file_name="skoleaar.csv",
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.ABORTED, message="Importen blev afbrudt, og intet blev gemt."
    )
    page.login("drift-cw", PASSWORD)
    page.goto(f"/resultater/import/{job.pk}/")
    content = page.page.content()
    assert "Afbrudt" in content and "rækker gemt" not in content
    page.check("outcomes-import-interrupted")
    page.page.click("#import-progress button[type=submit]")
    page.page.wait_for_selector("text=I kø")
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED
    page.check("outcomes-import-retried")
