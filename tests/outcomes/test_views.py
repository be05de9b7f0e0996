"""The pages of result documentation: journeys through the views and municipality isolation on every one."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from indsats.audit.models import AuditAction, AuditEntry
from indsats.outcomes.models import (
    Enrolment,
    ImportJob,
    ImportStatus,
    InstrumentList,
    Measurement,
    Participant,
    RoundKind,
)
from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.imports import prepare_import
from indsats.outcomes.services.participants import register_participant
from tests.conftest import logged_in
from tests.outcomes.factories import RoundFactory
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows

CPR = "010115-4003"


@pytest.fixture
def aarhus_child(aarhus_caseworker, aarhus, intervention, baseline):
    return register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=CPR
    )


@pytest.fixture
def aarhus_job(aarhus_caseworker, aarhus, baseline, sdq):
    return prepare_import(
        actor=aarhus_caseworker,
        municipality=aarhus,
        measurement_round=baseline,
        instrument=sdq,
        content=csv_bytes(HEADER, sdq_rows(3)),
        file_name="data.csv",
    )


def test_the_index_serves_every_role_with_links_by_permission(
    aarhus_caseworker, agency_staff, assigned_evaluator, steering_member
):
    for person in (aarhus_caseworker, agency_staff, assigned_evaluator):
        page = logged_in(person).get(reverse("outcomes:index")).content.decode()
        assert reverse("outcomes:completeness") in page
    page = logged_in(steering_member).get(reverse("outcomes:index")).content.decode()
    assert "ikke adgang" in page and reverse("outcomes:completeness") not in page


GATED = ["completeness", "insight", "explanation_list", "participant_list", "import_start", "export"]


@pytest.mark.parametrize("name", ["index", "instrument_list", "instrument_add", *GATED])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(f"outcomes:{name}"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["instrument_add", *GATED])
def test_a_person_without_outcome_permissions_gets_403(name, steering_member, instruments):
    assert logged_in(steering_member).get(reverse(f"outcomes:{name}")).status_code == 403


def test_registering_a_child_through_the_page_shows_no_cpr_number(
    aarhus_caseworker, aarhus, intervention, baseline
):
    client = logged_in(aarhus_caseworker)
    response = client.post(
        reverse("outcomes:participant_list"),
        {"cpr": CPR, "intervention": intervention.pk, "municipality": aarhus.pk},
        follow=True,
    )
    assert response.status_code == 200
    participant = Participant.objects.get()
    assert response.redirect_chain[-1][0] == reverse("outcomes:participant_detail", args=[participant.pk])
    assert b"010115" not in response.content
    bad = client.post(
        reverse("outcomes:participant_list"),
        {"cpr": "12-34", "intervention": intervention.pk, "municipality": aarhus.pk},
    )
    assert "CPR-nummeret" in bad.content.decode()


def test_a_questionnaire_form_is_generated_from_the_definition(
    aarhus_caseworker, aarhus_child, baseline, sdq
):
    client = logged_in(aarhus_caseworker)
    url = reverse("outcomes:measurement_new", args=[aarhus_child.pk, sdq.pk])
    page = client.get(url).content.decode()
    assert page.count('type="radio"') == 75 and "Hensynsfuld" in page
    data = {"round": baseline.pk, "measured_on": "2025-02-01", **{f"sdq{i}": "1" for i in range(1, 26)}}
    response = client.post(url, data)
    assert response.status_code == 302
    assert Measurement.objects.get().scores["total_difficulties"] == 20


def test_an_instrument_off_the_short_list_asks_for_a_reason(aarhus_caseworker, aarhus_child, baseline, who5):
    assert who5.list_status == InstrumentList.LONG
    client = logged_in(aarhus_caseworker)
    url = reverse("outcomes:measurement_new", args=[aarhus_child.pk, who5.pk])
    data = {"round": baseline.pk, "measured_on": "2025-02-01", **{f"who5_{i}": "3" for i in range(1, 6)}}
    response = client.post(url, data)
    assert response.status_code == 200 and "Begrundelse" in response.content.decode()
    data["reason"] = "De unge er over 15 år"
    keys = [item["key"] for item in who5.definition["items"]]
    data.update({k: "3" for k in keys})
    assert client.post(url, data).status_code == 302
    assert (
        "De unge er over 15 år"
        in logged_in(aarhus_caseworker).get(reverse("outcomes:explanation_list")).content.decode()
    )


def test_an_upload_is_checked_previewed_and_committed(
    aarhus_caseworker, aarhus, baseline, sdq, tasks_immediate, django_capture_on_commit_callbacks
):
    client = logged_in(aarhus_caseworker)
    upload = SimpleUploadedFile("data.csv", csv_bytes(HEADER, sdq_rows(12)), content_type="text/csv")
    response = client.post(
        reverse("outcomes:import_start"),
        {
            "round": baseline.pk,
            "instrument": sdq.pk,
            "municipality": aarhus.pk,
            "source_system": "dubu",
            "file": upload,
        },
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportStatus.VALIDATED
    assert "Gem 12 målinger" in client.get(reverse("outcomes:import_detail", args=[job.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("outcomes:import_commit", args=[job.pk]))
    assert Measurement.objects.count() == 12
    progress = client.get(reverse("outcomes:import_progress", args=[job.pk])).content.decode()
    assert "12 af 12" in progress and "hx-get" not in progress  # finished: polling stops


def test_a_saved_column_mapping_is_used_next_time(aarhus_caseworker, aarhus, baseline, sdq):
    client = logged_in(aarhus_caseworker)
    header = ["CPR-nr.", "Dato", *HEADER[2:]]
    mapping = "CPR-nr. = cpr\nDato = dato\nSagsnr ="
    rows = [[*row, "S-1"] for row in sdq_rows(2)]
    for attempt, text in enumerate([mapping, ""]):
        upload = SimpleUploadedFile("dubu.csv", csv_bytes([*header, "Sagsnr"], rows), content_type="text/csv")
        client.post(
            reverse("outcomes:import_start"),
            {
                "round": baseline.pk,
                "instrument": sdq.pk,
                "municipality": aarhus.pk,
                "source_system": "dubu",
                "file": upload,
                "mapping": text,
                "save_mapping": "on",
            },
        )
        assert ImportJob.objects.order_by("-pk").first().status == ImportStatus.VALIDATED, attempt


def test_a_broken_upload_lists_its_errors(aarhus_caseworker, aarhus, baseline, sdq):
    client = logged_in(aarhus_caseworker)
    rows = sdq_rows(3)
    rows[1][3] = "9"
    upload = SimpleUploadedFile("bad.csv", csv_bytes(HEADER, rows), content_type="text/csv")
    client.post(
        reverse("outcomes:import_start"),
        {
            "round": baseline.pk,
            "instrument": sdq.pk,
            "municipality": aarhus.pk,
            "source_system": "other",
            "file": upload,
        },
    )
    job = ImportJob.objects.get()
    page = client.get(reverse("outcomes:import_detail", args=[job.pk])).content.decode()
    assert "uden for skalaen" in page and "sdq2" in page
    assert client.post(reverse("outcomes:import_commit", args=[job.pk])).status_code == 302
    assert Measurement.objects.count() == 0


# --- isolation: every view with a record, for another municipality and for the agency -----------------------


@pytest.mark.parametrize("name", ["participant_detail", "participant_delete"])
def test_another_municipality_and_the_agency_cannot_reach_a_child(
    name, aarhus_child, odense_caseworker, agency_staff
):
    url = reverse(f"outcomes:{name}", args=[aarhus_child.pk])
    assert logged_in(odense_caseworker).post(url, {"reason": "x"}).status_code == 404
    assert logged_in(odense_caseworker).get(url).status_code in {404, 405}
    agency = logged_in(agency_staff)
    response = agency.post(url, {"reason": "x"}) if name == "participant_delete" else agency.get(url)
    assert response.status_code == 403  # aggregates only, never a child
    assert Participant.objects.filter(pk=aarhus_child.pk).exists()


def test_another_municipality_cannot_enter_a_questionnaire_for_a_child(aarhus_child, odense_caseworker, sdq):
    url = reverse("outcomes:measurement_new", args=[aarhus_child.pk, sdq.pk])
    assert logged_in(odense_caseworker).get(url).status_code == 404


@pytest.mark.parametrize("name", ["import_detail", "import_commit", "import_progress", "import_retry"])
def test_another_municipality_cannot_reach_an_import(name, aarhus_job, odense_caseworker, agency_staff):
    url = reverse(f"outcomes:{name}", args=[aarhus_job.pk])
    other, agency = logged_in(odense_caseworker), logged_in(agency_staff)
    if name in {"import_commit", "import_retry"}:
        assert other.post(url).status_code == 404 and agency.post(url).status_code == 403
    else:
        assert other.get(url).status_code == 404 and agency.get(url).status_code == 403
    assert ImportJob.objects.get(pk=aarhus_job.pk).status == ImportStatus.VALIDATED


def test_lists_show_only_the_own_municipalitys_children(aarhus_child, odense_caseworker, aarhus_caseworker):
    assert (
        aarhus_child.short_code
        in logged_in(aarhus_caseworker).get(reverse("outcomes:participant_list")).content.decode()
    )
    assert (
        aarhus_child.short_code
        not in logged_in(odense_caseworker).get(reverse("outcomes:participant_list")).content.decode()
    )


def test_completeness_names_missing_children_only_to_their_own_municipality(
    aarhus_child, aarhus_caseworker, odense_caseworker, agency_staff, intervention, sdq
):
    url = reverse("outcomes:completeness") + f"?intervention={intervention.pk}&instrument={sdq.pk}"
    own = logged_in(aarhus_caseworker).get(url).content.decode()
    assert aarhus_child.short_code in own and "0 / 1" in own
    agency = logged_in(agency_staff).get(url).content.decode()
    assert "Aarhus Kommune" in agency and "0 / 1" in agency and aarhus_child.short_code not in agency
    other = logged_in(odense_caseworker).get(url).content.decode()
    assert "Aarhus Kommune" not in other


def test_the_instrument_pages_are_for_the_agency_to_change(agency_staff, aarhus_caseworker, who5):
    url = reverse("outcomes:instrument_edit", args=[who5.pk])
    assert logged_in(aarhus_caseworker).get(url).status_code == 403
    assert logged_in(aarhus_caseworker).get(reverse("outcomes:instrument_add")).status_code == 403
    response = logged_in(agency_staff).post(url, {"list_status": "short", "is_active": "on"})
    assert response.status_code == 302
    who5.refresh_from_db()
    assert who5.list_status == InstrumentList.SHORT
    assert "WHO-5" in logged_in(aarhus_caseworker).get(reverse("outcomes:instrument_list")).content.decode()


def test_an_export_downloads_a_zip_and_is_audited(
    aarhus_manager, aarhus_caseworker, aarhus, baseline, sdq, aarhus_job
):
    commit_import(actor=aarhus_caseworker, job=aarhus_job)
    response = logged_in(aarhus_manager).post(
        reverse("outcomes:export"),
        {"intervention": baseline.intervention.pk, "instrument": sdq.pk, "fmt": "xlsx"},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(response.content)).namelist()) == 2
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1
    assert logged_in(aarhus_caseworker).get(reverse("outcomes:export")).status_code == 403


def test_insight_shows_a_chart_with_a_text_alternative_and_a_table(
    aarhus_caseworker, odense_caseworker, agency_staff, aarhus, odense, baseline, month6, sdq, intervention
):
    for actor, municipality, start in ((aarhus_caseworker, aarhus, 0), (odense_caseworker, odense, 100)):
        for measurement_round, date in ((baseline, "2025-02-10"), (month6, "2025-07-01")):
            job = prepare_import(
                actor=actor,
                municipality=municipality,
                measurement_round=measurement_round,
                instrument=sdq,
                content=csv_bytes(HEADER, sdq_rows(8, start=start, measured_on=date)),
                file_name="d.csv",
            )
            commit_import(actor=actor, job=job)
    url = (
        reverse("outcomes:insight")
        + f"?intervention={intervention.pk}&instrument={sdq.pk}&score=total_difficulties"
    )
    page = logged_in(aarhus_caseworker).get(url).content.decode()
    assert 'role="img"' in page and "aria-labelledby=" in page and "Andre kommuner" in page
    assert "<table" in page
    # the agency may look at any municipality; a caseworker may not look at another's
    assert logged_in(agency_staff).get(url + f"&municipality={odense.pk}").status_code == 200
    assert logged_in(aarhus_caseworker).get(url + f"&municipality={odense.pk}").status_code == 403


def test_the_questionnaire_form_preselects_the_round_open_today_and_gives_no_typed_date_format(
    aarhus_caseworker, aarhus_child, intervention, baseline, sdq
):
    today = timezone.localdate()
    open_now = RoundFactory(
        intervention=intervention,
        kind=RoundKind.MONTH_12,
        order=3,
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=10),
    )
    url = reverse("outcomes:measurement_new", args=[aarhus_child.pk, sdq.pk])
    page = logged_in(aarhus_caseworker).get(url).content.decode()
    assert f'<option value="{open_now.pk}" selected>' in page
    assert f'value="{today.isoformat()}"' in page
    assert "ÅÅÅÅ-MM-DD" not in page and "Skal ligge i målerundens periode" in page


def test_the_export_form_preselects_the_interventions_instrument(
    aarhus_manager, aarhus_caseworker, baseline, sdq, aarhus_job
):
    commit_import(actor=aarhus_caseworker, job=aarhus_job)  # the intervention's children answer the SDQ
    page = logged_in(aarhus_manager).get(reverse("outcomes:export")).content.decode()
    assert f'<option value="{baseline.intervention.pk}" selected>' in page
    assert f'<option value="{sdq.pk}" selected>' in page


def test_a_caseworker_finds_a_child_by_cpr_number_and_sees_the_rounds_measured(
    aarhus_caseworker, aarhus, intervention, baseline, sdq
):
    child = register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr="010115-4003"
    )
    register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr="020216-4002"
    )
    client = logged_in(aarhus_caseworker)
    url = reverse("outcomes:participant_list")
    found = client.post(url, {"search_cpr": "0101154003"}).content.decode()
    assert reverse("outcomes:participant_detail", args=[child.pk]) in found
    assert found.count("/resultater/deltagere/") - found.count('/resultater/deltagere/"') <= 2
    assert "1 barn har det CPR-nummer" in found and "010115" not in found
    assert "Ikke målt endnu" in found
    wrong = client.post(url, {"search_cpr": "12-34"}).content.decode()
    assert 'id="id_search_cpr-error"' in wrong and "12-34" not in wrong.split("id_search_cpr-error")[1][:300]


def test_a_caseworker_finds_a_child_by_local_reference_in_her_own_municipality_only(
    aarhus_caseworker, odense_caseworker, aarhus, odense, intervention, baseline
):
    child = register_participant(
        actor=aarhus_caseworker,
        municipality=aarhus,
        intervention=intervention,
        cpr="010115-4003",
        local_reference="SAG-2025-117",
    )
    other = register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr="020216-4002"
    )
    odense_child = register_participant(
        actor=odense_caseworker,
        municipality=odense,
        intervention=intervention,
        cpr="030317-4001",
        local_reference="SAG-2025-117",
    )
    client = logged_in(aarhus_caseworker)
    url = reverse("outcomes:participant_list")
    for query in ("SAG-2025-117", "sag-2025"):  # exact, and a prefix in any case
        found = client.get(url, {"reference": query}).content.decode()
        assert reverse("outcomes:participant_detail", args=[child.pk]) in found
        assert reverse("outcomes:participant_detail", args=[other.pk]) not in found
        assert reverse("outcomes:participant_detail", args=[odense_child.pk]) not in found
        assert "1 barn har en lokal reference" in found and "<td>SAG-2025-117</td>" in found
    nothing = client.get(url, {"reference": "2025-117"}).content.decode()  # not a prefix
    assert "Intet barn med den lokale reference" in nothing
    # Odense's caseworker finds Odense's child with the same reference, and not Aarhus's
    theirs = logged_in(odense_caseworker).get(url, {"reference": "SAG-2025-117"}).content.decode()
    assert reverse("outcomes:participant_detail", args=[odense_child.pk]) in theirs
    assert reverse("outcomes:participant_detail", args=[child.pk]) not in theirs


def test_a_cpr_shaped_local_reference_is_refused_and_not_stored(
    aarhus_caseworker, aarhus, intervention, baseline
):
    client = logged_in(aarhus_caseworker)
    url = reverse("outcomes:participant_list")
    page = client.post(
        url,
        {
            "cpr": "010115-4003",
            "intervention": intervention.pk,
            "municipality": aarhus.pk,
            "local_reference": "J.nr. 020216-4002",
        },
    ).content.decode()
    assert 'id="id_local_reference-error"' in page and "Lokal reference må ikke" in page
    assert "020216" not in page
    assert "010115" not in page  # the child's own CPR number is not written back into the form either
    assert not Participant.objects.exists()

    response = client.post(
        url,
        {
            "cpr": "010115-4003",
            "intervention": intervention.pk,
            "municipality": aarhus.pk,
            "local_reference": "J 7",
        },
    )
    child = Participant.objects.get()
    assert response.status_code == 302 and child.local_reference == "J 7"

    edit = reverse("outcomes:participant_reference", args=[child.pk])
    refused = client.post(edit, {"local_reference": "0202164002"}).content.decode()
    assert "Lokal reference må ikke" in refused and "0202164002" not in refused
    child.refresh_from_db()
    assert child.local_reference == "J 7"
    assert client.post(edit, {"local_reference": "SAG-9"}).status_code == 302
    child.refresh_from_db()
    assert child.local_reference == "SAG-9"
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(child.pk)).latest("pk")
    assert entry.changes["local_reference"] == ["J 7", "SAG-9"]
    # a CPR number typed into the reference search box is not searched and not written back
    searched = client.get(url, {"reference": "020216-4002"}, follow=True)
    assert searched.redirect_chain == [(url, 302)]
    page = searched.content.decode()
    assert "Søg på CPR-nummer i feltet til CPR-nummer" in page and "020216" not in page


def test_another_municipality_cannot_change_a_childs_local_reference(
    aarhus_caseworker, odense_caseworker, aarhus_child
):
    edit = reverse("outcomes:participant_reference", args=[aarhus_child.pk])
    assert logged_in(odense_caseworker).post(edit, {"local_reference": "X"}).status_code == 404
    aarhus_child.refresh_from_db()
    assert aarhus_child.local_reference == ""


def _children(aarhus, intervention, count: int, *, start: int, measured_in=None, instrument=None) -> None:
    """``count`` enrolled children of Aarhus; every second one measured in ``measured_in``."""
    participants = Participant.objects.bulk_create(
        Participant(
            municipality=aarhus, pseudonym=f"{start + i:010x}" + "0" * 54, birth_year=2015, sex="girl"
        )
        for i in range(count)
    )
    Enrolment.objects.bulk_create(
        Enrolment(participant=p, intervention=intervention, municipality=aarhus) for p in participants
    )
    if measured_in is not None:
        Measurement.objects.bulk_create(
            Measurement(
                participant=p,
                round=measured_in,
                instrument=instrument,
                municipality=aarhus,
                measured_on=datetime.date(2025, 2, 1),
            )
            for p in participants[::2]
        )


def test_completeness_uses_the_same_queries_and_bounded_html_for_20_and_200_children(
    aarhus_caseworker, aarhus, intervention, baseline, month6, sdq
):
    url = reverse("outcomes:completeness") + f"?intervention={intervention.pk}&instrument={sdq.pk}"
    client = logged_in(aarhus_caseworker)
    counts: list[int] = []
    sizes: list[int] = []
    for start, count in ((0, 20), (20, 180)):  # 20, then 200 in all
        _children(aarhus, intervention, count, start=start, measured_in=baseline, instrument=sdq)
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
        sizes.append(len(response.content))
    assert counts[0] == counts[1], counts
    page = response.content.decode()
    # 200 enrolled: 100 measured at baseline, none at six months
    assert "100 / 200 (50 %)" in page and "0 / 200 (0 %)" in page
    assert page.count("<code>") == 100  # at most 50 codes in each of the two rounds
    assert "og 50 mere" in page and "og 150 mere" in page
    # the first 50 missing children by code: every odd one at baseline (the even ones are measured)
    assert f"<code>{99:010x}</code>" in page and f"<code>{101:010x}</code>" not in page
    assert sizes[1] < 60_000, sizes


def test_the_participant_list_uses_the_same_number_of_queries_for_5_and_30_children(
    aarhus_caseworker, aarhus, intervention, baseline, sdq
):
    client = logged_in(aarhus_caseworker)
    url = reverse("outcomes:participant_list")
    counts: list[int] = []
    for start, count in ((0, 5), (5, 25)):  # 5, then 30 in all, every second one measured
        _children(aarhus, intervention, count, start=start, measured_in=baseline, instrument=sdq)
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert f"{29:010x}" in response.content.decode()  # the short code of the last child
