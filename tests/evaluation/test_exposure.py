"""Dose and fidelity: reading files, all-or-nothing imports with row/column errors, scope and the page."""

from __future__ import annotations

import io
import re

import numpy as np
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.audit.models import AuditAction, AuditEntry
from indsats.evaluation import services
from indsats.evaluation.exposure import ExposureValueError, parse_fidelity, parse_sessions
from indsats.evaluation.models import Exposure
from indsats.history import selectors as history
from indsats.outcomes.exporting import build_frame
from indsats.outcomes.models import Participant
from indsats.outcomes.pseudonyms import export_code, pseudonym_key
from indsats.outcomes.services.participants import register_participant
from tests.conftest import logged_in
from tests.factories import MunicipalityFactory, OrganisationFactory, person_with_role

pytestmark = pytest.mark.django_db

# Valid CPR numbers of made-up children (7th digit 4: born 2015/2016); never stored, only their pseudonyms.
CPR_A, CPR_B, CPR_C = "010115-4001", "020215-4002", "030316-4003"
CPR_OTHER_INTERVENTION = "040415-4004"
CPR_UNKNOWN = "050515-4005"


@pytest.fixture
def children(rounds, intervention, comparison, aarhus, aarhus_caseworker):
    """Three Aarhus children registered by CPR in the intervention, one only in the comparison."""
    found = {}
    for cpr in (CPR_A, CPR_B, CPR_C):
        found[cpr] = register_participant(
            actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=cpr
        )
    found[CPR_OTHER_INTERVENTION] = register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=comparison, cpr=CPR_OTHER_INTERVENTION
    )
    return found


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _values(intervention) -> dict[int, tuple[int | None, float | None]]:
    return {
        e.participant_id: (e.sessions, e.fidelity) for e in Exposure.objects.filter(intervention=intervention)
    }


def _export_codes(intervention, sdq) -> dict[str, str]:
    """Export code -> stored pseudonym, read from the evaluator's real export (an independent reference)."""
    frame, _dictionary = build_frame(intervention=intervention, instrument=sdq, municipalities=None)
    codes = {}
    for participant in Participant.objects.filter(enrolments__intervention=intervention):
        codes[export_code(participant.pseudonym, intervention.pk, pseudonym_key())] = participant.pseudonym
    assert set(frame["deltager"]) <= set(codes)
    return codes


# --- cells ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.8", 0.8),
        ("0,8", 0.8),
        ("80 %", 0.8),
        ("80%", 0.8),
        ("100 %", 1.0),
        ("0", 0.0),
        ("1", 1.0),
        ("", None),
    ],
)
def test_fidelity_accepts_shares_decimal_commas_and_percentages(text, expected):
    assert parse_fidelity(text) == expected


@pytest.mark.parametrize("text", ["80", "1,2", "-0,1", "120 %", "høj", "nan", "inf"])
def test_fidelity_refuses_values_outside_zero_to_one_and_text(text):
    with pytest.raises(ExposureValueError):
        parse_fidelity(text)


@pytest.mark.parametrize(("text", "expected"), [("12", 12), ("0", 0), ("12,0", 12), (" 7 ", 7), ("", None)])
def test_sessions_accept_whole_numbers(text, expected):
    assert parse_sessions(text) == expected


@pytest.mark.parametrize("text", ["1,5", "-1", "mange", "inf"])
def test_sessions_refuse_fractions_negatives_and_text(text):
    with pytest.raises(ExposureValueError):
        parse_sessions(text)


# --- good files ----------------------------------------------------------------------------------------


def test_a_caseworker_imports_a_csv_by_cpr_and_each_child_gets_an_audit_entry(
    children, intervention, aarhus_caseworker
):
    content = _csv(
        "cpr;sessions;fidelity", f"{CPR_A};12;0,8", f"{CPR_B.replace('-', '')};0;75 %", f"{CPR_C};;"
    )
    result = services.import_exposures(
        actor=aarhus_caseworker, intervention=intervention, content=content, file_name="dosis.csv"
    )
    assert result.is_valid and (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert _values(intervention) == {
        children[CPR_A].pk: (12, 0.8),
        children[CPR_B].pk: (0, 0.75),
        children[CPR_C].pk: (None, None),
    }
    entries = AuditEntry.objects.filter(action=AuditAction.CREATE, content_type__model="exposure")
    assert entries.count() == 3
    assert {e.message for e in entries} == {f"Import fra dosis.csv, række {n}" for n in (2, 3, 4)}
    assert all(e.actor == aarhus_caseworker for e in entries)


def test_no_cpr_number_is_kept_anywhere_after_an_import(children, intervention, aarhus_caseworker):
    content = _csv("cpr;sessions;fidelity", f"{CPR_A};12;0,8", "311399-9999;1;1", "0101154;1;1")
    result = services.import_exposures(
        actor=aarhus_caseworker, intervention=intervention, content=content, file_name="dosis.csv"
    )
    text = repr([e.message for e in result.errors]) + repr(
        list(AuditEntry.objects.values_list("message", "changes", "object_repr"))
    )
    for cpr in (CPR_A, "311399-9999", "0101154"):
        assert cpr.replace("-", "") not in text.replace("-", "")


def test_an_evaluator_imports_an_excel_file_by_the_export_codes(
    children, intervention, sdq, assigned_evaluator
):
    codes = _export_codes(intervention, sdq)
    by_pseudonym = {v: k for k, v in codes.items()}
    a, b = children[CPR_A], children[CPR_B]
    content = _xlsx(
        [
            ["deltager", "sessions", "fidelity"],
            [by_pseudonym[a.pseudonym], 9, 0.6],
            [],  # an empty row is skipped; row numbers stay those of the sheet
            [by_pseudonym[b.pseudonym].upper(), 14.0, "90 %"],
        ]
    )
    result = services.import_exposures(
        actor=assigned_evaluator, intervention=intervention, content=content, file_name="dosis.xlsx"
    )
    assert result.is_valid and result.created == 2
    assert _values(intervention) == {a.pk: (9, 0.6), b.pk: (14, 0.9)}


def test_a_second_file_updates_only_the_columns_it_has_and_audits_only_what_changed(
    children, intervention, aarhus_caseworker
):
    a, b = children[CPR_A], children[CPR_B]
    services.import_exposures(
        actor=aarhus_caseworker,
        intervention=intervention,
        content=_csv("cpr;sessions;fidelity", f"{CPR_A};12;0,8", f"{CPR_B};5;0,5"),
        file_name="først.csv",
    )
    result = services.import_exposures(
        actor=aarhus_caseworker,
        intervention=intervention,
        content=_csv("cpr,sessions", f"{CPR_A},15", f"{CPR_B},5"),
        file_name="sessioner.csv",
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert _values(intervention) == {a.pk: (15, 0.8), b.pk: (5, 0.5)}
    update = AuditEntry.objects.get(action=AuditAction.UPDATE, content_type__model="exposure")
    assert update.object_id == str(Exposure.objects.get(participant=a).pk)
    assert update.changes == {"sessions": [12, 15]}
    assert update.message == "Import fra sessioner.csv, række 2"


# --- broken files --------------------------------------------------------------------------------------


def _errors(result) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.message for e in result.errors}


def test_every_row_error_is_listed_with_row_and_column_and_nothing_is_written(
    children, intervention, aarhus_caseworker
):
    services.record_exposure(
        actor=aarhus_caseworker,
        intervention=intervention,
        participant=children[CPR_A],
        sessions=3,
        fidelity=0.3,
    )
    before_values, before_audit = _values(intervention), AuditEntry.objects.count()
    content = _csv(
        "cpr;sessions;fidelity",
        f"{CPR_A};12;0,8",  # 2: good
        f"{CPR_UNKNOWN};4;0,5",  # 3: unknown child
        f"{CPR_OTHER_INTERVENTION};4;0,5",  # 4: not in this intervention
        "12345;4;0,5",  # 5: malformed CPR
        "320115-4001;4;0,5",  # 6: not a date
        f"{CPR_B};1,5;0,5",  # 7: sessions not whole
        f"{CPR_C};-2;1,2",  # 8: negative sessions, fidelity above 1
        f"{CPR_A};3;120 %",  # 9: duplicate of row 2, fidelity above 100 %
        ";3;0,5",  # 10: CPR missing
    )
    result = services.import_exposures(
        actor=aarhus_caseworker, intervention=intervention, content=content, file_name="fejl.csv"
    )
    errors = _errors(result)
    assert not result.is_valid
    assert set(errors) == {
        (3, "cpr"),
        (4, "cpr"),
        (5, "cpr"),
        (6, "cpr"),
        (7, "sessions"),
        (8, "sessions"),
        (8, "fidelity"),
        (9, "cpr"),
        (9, "fidelity"),
        (10, "cpr"),
    }
    assert "intet barn med dette CPR-nummer" in errors[(3, "cpr")]
    assert "deltager ikke i indsatsen" in errors[(4, "cpr")]
    assert "10 cifre" in errors[(5, "cpr")]
    assert "gyldig dato" in errors[(6, "cpr")]
    assert "helt tal" in errors[(7, "sessions")] and "helt tal" in errors[(8, "sessions")]
    assert "uden for 0-1" in errors[(8, "fidelity")] and "uden for 0-1" in errors[(9, "fidelity")]
    assert "række 2" in errors[(9, "cpr")]
    assert "mangler" in errors[(10, "cpr")]
    assert result.error_count == len(result.errors) == 10
    # all or nothing: the good row 2 was not written either
    assert _values(intervention) == before_values and AuditEntry.objects.count() == before_audit


def test_a_municipality_cannot_import_for_another_municipalitys_child_by_code(
    children, intervention, odense_caseworker, aarhus_caseworker
):
    odense_child = Participant.objects.filter(
        municipality__municipality_code="461", enrolments__intervention=intervention
    ).first()
    aarhus_child = children[CPR_A]
    content = _csv(
        "pseudonym;sessions",
        f"{aarhus_child.short_code};4",  # 2: Aarhus' child: refused to Odense
        "abc;4",  # 3: too short
        "ffffffffffff;4",  # 4: unknown
        f"{odense_child.short_code};5",  # 5: own child: fine
    )
    result = services.import_exposures(
        actor=odense_caseworker, intervention=intervention, content=content, file_name="koder.csv"
    )
    errors = _errors(result)
    assert set(errors) == {(2, "pseudonym"), (3, "pseudonym"), (4, "pseudonym")}
    assert "hører ikke til jeres kommune" in errors[(2, "pseudonym")]
    assert "for kort" in errors[(3, "pseudonym")]
    assert "findes ikke blandt jeres børn" in errors[(4, "pseudonym")]
    assert not Exposure.objects.exists()
    # and Aarhus may use the codes of its own table
    ok = services.import_exposures(
        actor=aarhus_caseworker,
        intervention=intervention,
        content=_csv("pseudonym;sessions", f"{aarhus_child.short_code};4"),
        file_name="koder.csv",
    )
    assert ok.is_valid and _values(intervention) == {aarhus_child.pk: (4, None)}


@pytest.mark.parametrize(
    ("content", "file_name", "expected"),
    [
        (_csv("cpr;antal;fidelity", "010115-4001;1;1"), "a.csv", [(1, "antal")]),
        (_csv("barn;sessions", "010115-4001;1"), "a.csv", [(1, "barn"), (1, "cpr")]),
        (_csv("cpr", "010115-4001"), "a.csv", [(1, "sessions")]),
        (_csv("cpr;pseudonym;sessions", "010115-4001;abc;1"), "a.csv", [(1, "pseudonym")]),
        (_csv("cpr;sessions;sessions", "010115-4001;1;1"), "a.csv", [(1, "sessions")]),
        (
            _csv("010115-4001;1;1"),
            "a.csv",
            [(1, "kolonne 1"), (1, "1"), (1, "1"), (1, "cpr"), (1, "sessions")],
        ),
        (_csv("cpr;sessions"), "a.csv", [(2, "")]),
        (b"%PDF-1.4", "a.pdf", [(0, "")]),
        (b"not a zip", "a.xlsx", [(0, "")]),
        (b"", "a.csv", [(0, "")]),
    ],
)
def test_files_that_cannot_be_read_or_have_a_wrong_header_are_refused_with_a_danish_reason(
    children, intervention, aarhus_caseworker, content, file_name, expected
):
    result = services.import_exposures(
        actor=aarhus_caseworker, intervention=intervention, content=content, file_name=file_name
    )
    assert [(e.row, e.column) for e in result.errors] == expected
    assert all(e.message for e in result.errors)
    assert "010115" not in repr(result.errors)
    assert not Exposure.objects.exists()


def test_an_evaluator_may_not_use_cpr_numbers_and_unknown_codes_are_named(
    children, intervention, assigned_evaluator
):
    refused = services.import_exposures(
        actor=assigned_evaluator,
        intervention=intervention,
        content=_csv("cpr;sessions", f"{CPR_A};3"),
        file_name="cpr.csv",
    )
    assert [(e.row, e.column) for e in refused.errors] == [(1, "cpr")]
    unknown = services.import_exposures(
        actor=assigned_evaluator,
        intervention=intervention,
        content=_csv("pseudonym;sessions", "0123456789abcdef;3"),
        file_name="koder.csv",
    )
    assert [(e.row, e.column) for e in unknown.errors] == [(2, "pseudonym")]
    assert not Exposure.objects.exists()


# --- who may -------------------------------------------------------------------------------------------


def test_only_own_children_and_assigned_evaluators_and_the_agency_may_record(
    children, intervention, aarhus_caseworker, odense_caseworker, evaluator, agency_staff, assigned_evaluator
):
    child = children[CPR_A]
    for stranger in (odense_caseworker, evaluator, person_with_role(Role.STEERING_GROUP)):
        with pytest.raises(PermissionDenied):
            services.record_exposure(
                actor=stranger, intervention=intervention, participant=child, sessions=1, fidelity=None
            )
    for allowed, sessions in ((aarhus_caseworker, 1), (assigned_evaluator, 2), (agency_staff, 3)):
        services.record_exposure(
            actor=allowed, intervention=intervention, participant=child, sessions=sessions, fidelity=0.5
        )
        assert _values(intervention)[child.pk] == (sessions, 0.5)
    assert AuditEntry.objects.filter(content_type__model="exposure").count() == 3


def test_another_municipality_and_an_unassigned_evaluator_cannot_reach_the_exposure_pages(
    children, intervention, odense_caseworker, evaluator, steering_member
):
    no_children = person_with_role(Role.CASEWORKER, MunicipalityFactory(), username="cw-elsewhere")
    other_evaluator = person_with_role(
        Role.EVALUATOR, OrganisationFactory(kind="evaluator"), username="eva-other"
    )
    child = children[CPR_A]
    urls = {
        name: reverse(f"evaluation:{name}", args=[intervention.pk])
        for name in ("exposure_index", "exposure_import", "exposure_set")
    }
    for person in (no_children, evaluator, other_evaluator, steering_member):
        client = logged_in(person)
        assert client.get(urls["exposure_index"]).status_code == 404
        assert client.post(urls["exposure_set"], {"code": "x", "sessions": "3"}).status_code == 404
        upload = io.BytesIO(_csv("pseudonym;sessions", f"{child.short_code};3"))
        upload.name = "x.csv"
        assert client.post(urls["exposure_import"], {"file": upload}).status_code == 404
    # Odense has its own children in the intervention: it reaches the page but sees and sets only its own
    odense = logged_in(odense_caseworker)
    page = odense.get(urls["exposure_index"]).content.decode()
    assert child.short_code not in page and "Aarhus Kommune</td>" not in page
    response = odense.post(urls["exposure_set"], {"participant": child.pk, "sessions": "3"})
    assert response.status_code == 200 and "gyldig valgmulighed" in response.content.decode()
    assert (
        reverse("evaluation:exposure_index", args=[99999])
        and odense.get(reverse("evaluation:exposure_index", args=[99999])).status_code == 404
    )
    assert not Exposure.objects.exists()
    # anonymous visitors are sent to log in; the actions refuse GET
    assert Client().get(urls["exposure_index"]).status_code == 302
    assert odense.get(urls["exposure_import"]).status_code == 405
    assert odense.get(urls["exposure_set"]).status_code == 405


def test_the_page_shows_counts_per_municipality_and_each_person_the_children_they_may_see(
    children, intervention, aarhus_caseworker, assigned_evaluator, agency_staff, sdq
):
    a = children[CPR_A]
    services.record_exposure(
        actor=aarhus_caseworker, intervention=intervention, participant=a, sessions=12, fidelity=0.8
    )
    url = reverse("evaluation:exposure_index", args=[intervention.pk])
    own = logged_in(aarhus_caseworker).get(url).content.decode()
    assert a.short_code in own and CPR_A not in own
    assert "Aarhus Kommune" in own and "Odense Kommune" not in own
    # Aarhus: 12 fixture children + 3 registered; one with sessions and fidelity
    row = re.search(r"<th scope=\"row\">Aarhus Kommune</th>(.*?)</tr>", own).group(1)
    assert re.findall(r">([^<]+)</td>", row) == ["15", "1", "14", "12,0", "1", "14", "0,80"]
    total = re.search(r"Alle kommuner i indsatsen</th>(.*?)</tr>", own).group(1)
    assert re.findall(r">([^<]+)</td>", total)[:3] == ["27", "1", "26"]

    codes = {v: k for k, v in _export_codes(intervention, sdq).items()}
    evaluator_page = logged_in(assigned_evaluator).get(url).content.decode()
    assert codes[a.pseudonym] in evaluator_page and a.short_code not in evaluator_page
    assert "Odense Kommune" in evaluator_page

    agency_page = logged_in(agency_staff).get(url).content.decode()
    assert "Odense Kommune" in agency_page
    assert codes[a.pseudonym] not in agency_page and a.short_code not in agency_page


def test_the_page_does_not_query_per_child(
    children, intervention, assigned_evaluator, django_assert_max_num_queries
):
    client = logged_in(assigned_evaluator)
    url = reverse("evaluation:exposure_index", args=[intervention.pk])
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


# --- forms in the page ---------------------------------------------------------------------------------


def test_a_caseworker_sets_one_childs_values_with_a_percentage(children, intervention, aarhus_caseworker):
    child = children[CPR_B]
    response = logged_in(aarhus_caseworker).post(
        reverse("evaluation:exposure_set", args=[intervention.pk]),
        {"participant": child.pk, "sessions": "7", "fidelity": "85 %"},
    )
    assert response.status_code == 302
    assert _values(intervention) == {child.pk: (7, 0.85)}
    entry = AuditEntry.objects.get(content_type__model="exposure")
    assert entry.action == AuditAction.CREATE and entry.actor == aarhus_caseworker


def test_an_evaluator_sets_one_childs_values_by_export_code_and_bad_values_are_explained(
    children, intervention, sdq, assigned_evaluator
):
    code = {v: k for k, v in _export_codes(intervention, sdq).items()}[children[CPR_C].pseudonym]
    client = logged_in(assigned_evaluator)
    url = reverse("evaluation:exposure_set", args=[intervention.pk])
    bad = client.post(url, {"code": code, "sessions": "-1", "fidelity": "80"}).content.decode()
    assert "uden for 0-1" in bad and not Exposure.objects.exists()
    unknown = client.post(url, {"code": "0000000000000000", "sessions": "1"}).content.decode()
    assert "Koden findes ikke" in unknown and not Exposure.objects.exists()
    assert client.post(url, {"code": code, "sessions": "4", "fidelity": "0,9"}).status_code == 302
    assert _values(intervention) == {children[CPR_C].pk: (4, 0.9)}


def test_an_upload_through_the_page_shows_every_error_or_saves_and_says_how_many(
    children, intervention, aarhus_caseworker
):
    client = logged_in(aarhus_caseworker)
    url = reverse("evaluation:exposure_import", args=[intervention.pk])
    broken = io.BytesIO(_csv("cpr;sessions;fidelity", f"{CPR_A};x;0,5", f"{CPR_UNKNOWN};1;0,5"))
    broken.name = "fejl.csv"
    page = client.post(url, {"file": broken}).content.decode()
    assert "fejl.csv har 2 fejl. Intet er gemt." in page
    assert "<td>2</td><td>sessions</td>" in page and "<td>3</td><td>cpr</td>" in page
    good = io.BytesIO(_csv("cpr;sessions;fidelity", f"{CPR_A};3;0,5"))
    good.name = "god.csv"
    response = client.post(url, {"file": good}, follow=True)
    assert "1 nye, 0 ændrede og 0 uændrede børn" in response.content.decode()


def test_the_forms_need_a_csrf_token(children, intervention, aarhus_caseworker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(aarhus_caseworker, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("evaluation:exposure_set", args=[intervention.pk]),
        {"participant": children[CPR_A].pk, "sessions": "3"},
    )
    assert response.status_code == 403 and not Exposure.objects.exists()


# --- demo ----------------------------------------------------------------------------------------------


def test_the_demo_gives_the_studied_children_a_dose_that_goes_with_their_improvement():
    from indsats.dashboard.demo import load_demo
    from indsats.evaluation.models import Study
    from indsats.outcomes.models import Measurement

    load_demo(scale=1, seed=3, log=lambda _message: None)
    study = Study.objects.order_by("pk").first()  # the evaluator's own study, made first
    assert study is not None
    exposures = Exposure.objects.filter(intervention=study.intervention)
    enrolled = Participant.objects.filter(enrolments__intervention=study.intervention)
    assert exposures.count() == enrolled.count() > 20
    change = {}
    for measurement in Measurement.objects.filter(
        round__in=[study.baseline_round, study.follow_up_round], instrument=study.instrument
    ):
        sign = 1 if measurement.round_id == study.baseline_round_id else -1
        change.setdefault(measurement.participant_id, []).append(
            sign * measurement.scores["total_difficulties"]
        )
    pairs = [
        (e.sessions, sum(change[e.participant_id]))
        for e in exposures
        if len(change.get(e.participant_id, [])) == 2
    ]
    sessions, improvement = np.array(pairs, dtype=float).T
    assert np.corrcoef(sessions, improvement)[0, 1] > 0.5
    assert AuditEntry.objects.filter(content_type__model="exposure").count() == exposures.count()


def test_the_agency_reads_that_a_childs_dose_was_recorded_but_not_the_values(
    children, intervention, aarhus_caseworker, agency_admin
):
    services.import_exposures(
        actor=aarhus_caseworker,
        intervention=intervention,
        content=_csv("cpr;sessions;fidelity", f"{CPR_A};17;0,35"),
        file_name="dosis.csv",
    )
    exposure = Exposure.objects.get(participant=children[CPR_A])
    shown = history.history_for(user=agency_admin, instance=exposure)
    assert [entry.changes["sessions"] for entry in shown] == ["[skjult]"]
    assert "0.35" not in repr([entry.changes for entry in shown]) and "17" not in repr(
        [entry.changes["fidelity"] for entry in shown]
    )
    trail = history.recent_entries(user=agency_admin)
    assert all(e.changes.get("fidelity") != 0.35 for e in trail)


def _many_children(municipality, intervention, count: int) -> list[Participant]:
    """``count`` children of ``municipality`` enrolled in ``intervention`` (pseudonyms in hex as real ones)."""
    import hashlib

    from django.utils import timezone

    from indsats.outcomes.models import Enrolment

    made = Participant.objects.bulk_create(
        Participant(
            municipality=municipality,
            pseudonym=hashlib.sha256(f"{municipality.pk}-{i}".encode()).hexdigest(),
            birth_year=2015,
            sex="male",
        )
        for i in range(1, count + 1)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            participant=p, intervention=intervention, municipality=municipality, created_at=timezone.now()
        )
        for p in made
    )
    return made


def test_with_more_children_than_a_list_can_hold_the_caseworker_types_the_short_pseudonym(
    children, intervention, aarhus, odense, aarhus_caseworker
):
    from indsats.evaluation.forms import PICK_LIST_MAX

    many = _many_children(aarhus, intervention, PICK_LIST_MAX)
    [odense_child] = _many_children(odense, intervention, 1)
    odense_child.pseudonym = "f" * 64
    odense_child.save()
    for twin, last in zip(many[:2], "12", strict=True):  # two children whose pseudonyms begin alike
        twin.pseudonym = "abcdef0" + last * 57
        twin.save()
    client = logged_in(aarhus_caseworker)
    url = reverse("evaluation:exposure_set", args=[intervention.pk])
    page = client.get(reverse("evaluation:exposure_index", args=[intervention.pk])).content.decode()
    assert '<select name="participant"' not in page and 'name="participant"' in page
    assert page.count("<option") < 50  # no list of the 203 children

    child = many[41]
    response = client.post(url, {"participant": child.short_code.upper(), "sessions": "4", "fidelity": "0,5"})
    assert response.status_code == 302
    assert _values(intervention) == {child.pk: (4, 0.5)}

    def error_for(code: str) -> str:
        response = client.post(url, {"participant": code, "sessions": "4"})
        assert response.status_code == 200
        return re.sub(r"\s+", " ", response.content.decode())

    assert "Intet af jeres børn i indsatsen har et pseudonym, der begynder med ffffffffff" in error_for(
        odense_child.short_code
    )  # another municipality's child is not found
    assert "Flere børn har et pseudonym, der begynder med abcdef" in error_for("ABCDEF")
    assert "Skriv mindst 6 tegn" in error_for("00")
    assert _values(intervention) == {child.pk: (4, 0.5)}


def test_a_short_list_of_children_stays_a_drop_down(children, intervention, aarhus_caseworker):
    page = logged_in(aarhus_caseworker).get(reverse("evaluation:exposure_index", args=[intervention.pk]))
    text = page.content.decode()
    assert '<select name="participant"' in text and children[CPR_A].short_code in text
