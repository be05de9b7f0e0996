"""The outcomes API: municipality isolation on every endpoint, and no CPR number in any answer."""

from __future__ import annotations

import pytest

from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.imports import prepare_import
from tests.conftest import logged_in
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows


@pytest.fixture
def aarhus_import(aarhus_caseworker, aarhus, baseline, sdq):
    job = prepare_import(
        actor=aarhus_caseworker,
        municipality=aarhus,
        measurement_round=baseline,
        instrument=sdq,
        content=csv_bytes(HEADER, sdq_rows(3)),
        file_name="d.csv",
    )
    return commit_import(actor=aarhus_caseworker, job=job)


def test_instruments_are_listed(aarhus_caseworker, instruments):
    keys = [i["key"] for i in logged_in(aarhus_caseworker).get("/api/outcomes/instruments").json()]
    assert "sdq-parent-4-17" in keys and "who-5" in keys


def test_participants_are_the_own_municipalitys_only(
    aarhus_import, aarhus_caseworker, odense_caseworker, agency_staff
):
    assert len(logged_in(aarhus_caseworker).get("/api/outcomes/participants").json()) == 3
    assert logged_in(odense_caseworker).get("/api/outcomes/participants").json() == []
    assert logged_in(agency_staff).get("/api/outcomes/participants").status_code == 403


def test_measurements_of_another_municipalitys_child_are_not_found(
    aarhus_import, aarhus_caseworker, odense_caseworker
):
    pk = logged_in(aarhus_caseworker).get("/api/outcomes/participants").json()[0]["id"]
    own = logged_in(aarhus_caseworker).get(f"/api/outcomes/participants/{pk}/measurements")
    assert own.status_code == 200 and own.json()[0]["scores"]["total_difficulties"] is not None
    assert (
        logged_in(odense_caseworker).get(f"/api/outcomes/participants/{pk}/measurements").status_code == 404
    )


def test_import_progress_is_the_own_municipalitys_only(
    aarhus_import, aarhus_caseworker, odense_caseworker, agency_staff
):
    url = f"/api/outcomes/imports/{aarhus_import.pk}"
    assert logged_in(aarhus_caseworker).get(url).json()["percent"] == 100
    assert logged_in(odense_caseworker).get(url).status_code == 404
    assert logged_in(agency_staff).get(url).status_code == 403


def test_completeness_counts_for_the_agency_and_own_municipality(
    aarhus_import, agency_staff, odense_caseworker, intervention, sdq, steering_member
):
    url = f"/api/outcomes/completeness?intervention={intervention.pk}&instrument={sdq.pk}"
    rows = logged_in(agency_staff).get(url).json()
    assert rows == [{"municipality": "Aarhus Kommune", "round": "baseline", "enrolled": 3, "measured": 3}]
    assert logged_in(odense_caseworker).get(url).json() == []
    assert logged_in(steering_member).get(url).status_code == 403
