"""Every URL is classified by who may reach it, and the classification is checked.

A new URL that is not listed here fails `test_every_url_is_classified`: decide who may use it and add it
to ACCESS. Then, for every URL without parameters, an anonymous visitor is sent to the log-in page (or
served, if public), and a caseworker gets 403 from agency-only pages. URLs with parameters (a record's
page) are tested for municipality isolation by their own app's tests, which ISOLATION_TESTED names.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import logged_in

PUBLIC = "public"  # anyone, no log-in
LOGIN = "login"  # any logged-in person; content is scoped to them
AGENCY = "agency"  # agency staff only: others get 403
OBJECT = "object"  # a record's page: access decided per record (see ISOLATION_TESTED)
POST_ONLY = "post"  # an action that takes POST only
ROLE = "role"  # needs log-in and a permission some roles lack: the app's own tests check who gets 403

ACCESS: dict[str, str] = {
    "dashboard:home": LOGIN,
    "accounts:login": PUBLIC,
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_done": PUBLIC,
    "accounts:password_reset_confirm": PUBLIC,
    "accounts:password_reset_complete": PUBLIC,
    "accounts:password_change": LOGIN,
    "accounts:password_change_done": LOGIN,
    "accounts:confirm_password": LOGIN,
    "accounts:two_factor": LOGIN,
    "accounts:logout": POST_ONLY,
    "accounts:organisation_list": AGENCY,
    "accounts:organisation_create": AGENCY,
    "accounts:organisation_detail": OBJECT,
    "accounts:organisation_edit": OBJECT,
    "accounts:person_list": AGENCY,
    "accounts:person_create": AGENCY,
    "accounts:person_detail": OBJECT,
    "accounts:person_edit": OBJECT,
    "accounts:role_revoke": POST_ONLY,
    "history:trail": AGENCY,
    "operations:overview": AGENCY,
    "history:object_history": OBJECT,
    "set_language": POST_ONLY,
    # interventions
    "interventions:index": LOGIN,
    "interventions:practice_comparison": LOGIN,
    **{f"interventions:{n}": ROLE for n in ("board", "table", "export", "reviews_waiting")},
    **{
        f"interventions:{n}": AGENCY
        for n in ("create", "configuration", "problem_area_create", "template_create")
    },
    **{
        f"interventions:{n}": OBJECT
        for n in (
            "detail",
            "edit",
            "phase",
            "add_related",
            "material",
            "partner_edit",
            "return_to_phase",
            "stop",
            "join",
            "practice_new",
            "declaration_new",
            "review_detail",
            "review_edit",
            "problem_area_edit",
            "template_edit",
        )
    },
    **{f"interventions:{n}": POST_ONLY for n in ("start_review", "review_submit")},
    # governance
    "governance:index": ROLE,
    "governance:conditions": ROLE,
    "governance:operation_reports": LOGIN,
    "governance:meeting_new": AGENCY,
    **{
        f"governance:{n}": OBJECT
        for n in ("meeting", "item_decide", "minutes_pdf", "operation_answer", "allocation_year")
    },
    **{
        f"governance:{n}": POST_ONLY
        for n in ("agenda_item_add", "meeting_open", "meeting_close", "recusal_add", "condition_change")
    },
    # outcomes
    "outcomes:index": LOGIN,
    "outcomes:instrument_list": LOGIN,
    "outcomes:instrument_add": AGENCY,
    "outcomes:participant_delete": POST_ONLY,
    "outcomes:participant_reference": POST_ONLY,
    "outcomes:import_commit": POST_ONLY,
    "outcomes:import_retry": POST_ONLY,
    **{
        f"outcomes:{name}": OBJECT
        for name in (
            "instrument_edit",
            "participant_detail",
            "measurement_new",
            "import_detail",
            "import_progress",
        )
    },
    **{
        f"outcomes:{name}": ROLE
        for name in (
            "completeness",
            "insight",
            "explanation_list",
            "participant_list",
            "import_start",
            "export",
        )
    },
    # economy
    "economy:index": AGENCY,
    "economy:case_create": AGENCY,
    "economy:compare": AGENCY,
    "economy:catalogue_list": LOGIN,
    "economy:price_index": LOGIN,
    "economy:catalogue_create": POST_ONLY,
    "economy:catalogue_publish": POST_ONLY,
    "economy:case_compute": POST_ONLY,
    "economy:unit_price_delete": POST_ONLY,
    **{
        f"economy:{name}": OBJECT
        for name in (
            "catalogue_detail",
            "unit_price_create",
            "unit_price_edit",
            "case_detail",
            "case_edit",
            "result_detail",
            "result_status",
            "result_excel",
            "result_pdf",
        )
    },
    # grants
    **{
        f"grants:{name}": PUBLIC
        for name in ("index", "calendar", "newsletter", "unsubscribe", "confirm_subscription")
    },
    "grants:pool_detail": OBJECT,
    "grants:application_list": LOGIN,
    "grants:grant_list": LOGIN,
    **{
        f"grants:{name}": AGENCY
        for name in (
            "programmes",
            "programme_year_create",
            "initiative_create",
            "pool_create",
            "pool_edit",
            "pool_ranking",
            "implementation",
            "allocation",
        )
    },
    **{
        f"grants:{name}": OBJECT
        for name in (
            "application_create",
            "application_detail",
            "application_edit",
            "application_letter",
            "application_letter_pdf",
            "attachment_download",
            "grant_detail",
        )
    },
    **{
        f"grants:{name}": POST_ONLY
        for name in (
            "pool_publish",
            "attachment_add",
            "co_editor_add",
            "application_submit",
            "application_assess",
            "application_award",
            "application_reject",
            "grant_start",
            "change_request",
            "report_submit",
            "change_decide",
            "assessor_assign",
            "budget_lines",
            "grant_finish",
            "grant_settle",
            "grant_close",
            "grant_withdraw",
            "instalment_prepare",
            "instalment_approve",
            "repayment_approve",
            "repayment_register_paid",
            "report_approve",
            "report_return",
        )
    },
    "grants:overview": ROLE,
    # evaluation
    "evaluation:index": ROLE,
    "evaluation:study_run": POST_ONLY,
    "evaluation:exposure_index": OBJECT,
    **{f"outcomes:{n}": OBJECT for n in ("intervention_setup", "round_create", "round_edit")},
    **{
        f"outcomes:{n}": POST_ONLY
        for n in ("round_delete", "retention_set", "evaluator_assign", "evaluator_remove")
    },
    **{f"evaluation:{n}": ROLE for n in ("cross_practice", "cross_practice_pdf")},
    **{f"evaluation:{n}": POST_ONLY for n in ("exposure_import", "exposure_set", "study_randomise")},
    **{f"evaluation:{n}": OBJECT for n in ("study_enrol", "intervention_rating", "intervention_literature")},
    **{
        f"evaluation:{n}": OBJECT
        for n in ("study_create", "study_detail", "analysis_report", "analysis_pdf", "analysis_pdf_status")
    },
    # catalogue: the public reads published versions only (tests/catalogue/test_public.py)
    "sitemap": PUBLIC,
    **{
        f"catalogue:{n}": PUBLIC
        for n in (
            "index",
            "compare",
            "feed",
            "pool_feed",
            "open_data_csv",
            "open_data_json",
            "accessibility",
            "privacy",
            "detail",
            "version",
            "document",
        )
    },
    "catalogue:editorial": AGENCY,
    **{f"catalogue:{n}": OBJECT for n in ("publish", "withdraw")},
}

# URLs with parameters and the test that proves a municipality cannot reach another's records through it.
ISOLATION_TESTED: dict[str, str] = {
    "accounts:organisation_detail": "tests/accounts/test_views.py::test_a_caseworker_gets_a_danish_403_page_for_administration",
    "accounts:organisation_edit": "tests/accounts/test_views.py (agency administrators only)",
    "accounts:person_detail": "tests/accounts/test_views.py (agency directory only)",
    "accounts:person_edit": "tests/accounts/test_views.py (agency administrators only)",
    "history:object_history": "tests/history/test_history.py::test_a_caseworker_cannot_read_the_history_of_an_organisation",
    **{
        f"economy:{name}": "tests/economy/test_business_case_views.py::test_municipality_staff_cannot_reach_any_business_case_page"
        for name in (
            "case_detail",
            "case_edit",
            "result_detail",
            "result_status",
            "result_excel",
            "result_pdf",
        )
    },
    **{
        f"economy:{name}": "tests/economy/test_price_catalogue.py::test_everyone_logged_in_reads_the_catalogue_but_only_the_agency_edits"
        for name in ("catalogue_detail", "unit_price_create", "unit_price_edit")
    },
    **{
        f"grants:{name}": "tests/grants/test_views.py::test_another_municipality_gets_404_on_every_application_and_grant_page"
        for name in (
            "application_create",
            "application_detail",
            "application_edit",
            "application_letter",
            "application_letter_pdf",
            "attachment_download",
            "grant_detail",
        )
    },
    "grants:pool_detail": "tests/grants/test_views.py::test_the_public_sees_published_pools_and_the_calendar_but_not_drafts",
    **{
        f"interventions:{n}": "tests/interventions/test_isolation.py::test_another_municipalitys_intervention_is_not_found"
        for n in ("detail", "material", "join", "practice_new")
    },
    **{
        f"interventions:{n}": "tests/interventions/test_isolation.py::test_a_municipality_cannot_change_an_intervention"
        for n in ("edit", "phase", "return_to_phase", "stop", "declaration_new", "add_related")
    },
    **{
        f"interventions:{n}": "tests/interventions/test_isolation.py::test_a_municipality_cannot_see_or_decide_gate_reviews"
        for n in ("review_detail", "review_edit")
    },
    **{
        f"interventions:{n}": "tests/interventions/test_isolation.py::test_a_municipality_cannot_open_the_agencys_pages"
        for n in ("problem_area_edit", "template_edit")
    },
    **{
        f"evaluation:{n}": "tests/evaluation/test_views.py::test_municipality_and_unassigned_evaluator_cannot_reach_a_study"
        for n in ("study_create", "study_detail", "analysis_report", "analysis_pdf")
    },
    "evaluation:study_enrol": "tests/evaluation/test_evidence_views.py::test_caseworker_enrols_an_own_child_and_sees_only_that_childs_group",
    **{
        f"evaluation:{n}": "tests/evaluation/test_evidence_views.py::test_rating_page_shows_the_reasons_and_the_agency_overrides"
        for n in ("intervention_rating", "intervention_literature")
    },
    "evaluation:analysis_pdf_status": "tests/evaluation/test_pdf_tasks.py::test_municipality_caseworker_and_unassigned_evaluator_cannot_reach_the_pdf_or_its_status",
    **{
        f"outcomes:{n}": "tests/outcomes/test_setup.py::test_another_municipality_and_an_unassigned_evaluator_get_404_on_every_set_up_page"
        for n in ("intervention_setup", "round_create", "round_edit")
    },
    "evaluation:exposure_index": "tests/evaluation/test_exposure.py::test_another_municipality_and_an_unassigned_evaluator_cannot_reach_the_exposure_pages",
    "outcomes:instrument_edit": "tests/outcomes/test_views.py::test_the_instrument_pages_are_for_the_agency_to_change",
    "outcomes:participant_detail": "tests/outcomes/test_views.py::test_another_municipality_and_the_agency_cannot_reach_a_child",
    "outcomes:measurement_new": "tests/outcomes/test_views.py::test_another_municipality_cannot_enter_a_questionnaire_for_a_child",
    "outcomes:import_detail": "tests/outcomes/test_views.py::test_another_municipality_cannot_reach_an_import",
    "outcomes:import_progress": "tests/outcomes/test_views.py::test_another_municipality_cannot_reach_an_import",
    **{
        f"governance:{n}": "tests/governance/test_views.py::test_people_outside_the_agency_and_steering_group_see_no_meetings"
        for n in ("meeting", "item_decide", "minutes_pdf")
    },
    "governance:operation_answer": "tests/governance/test_views.py::test_a_municipality_answers_its_follow_up_on_a_page",
    "governance:allocation_year": "tests/governance/test_views.py::test_the_allocation_page_saves_compares_and_chooses_scenarios",
    "interventions:partner_edit": "tests/interventions/test_decision_record.py::test_only_the_agency_sets_a_partnerships_dates",
    **{
        f"catalogue:{n}": "tests/catalogue/test_public.py::test_a_caseworker_cannot_publish_or_withdraw"
        for n in ("publish", "withdraw")
    },
}


def _named_urls(resolver: URLResolver | None = None, namespace: str = "") -> list[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_named_urls(entry, inner))
        elif entry.name:
            found.append((f"{namespace}{entry.name}", entry))
    return found


def _is_api(name: str) -> bool:
    return name.startswith("api:")


def test_every_url_is_classified():
    unclassified = sorted(name for name, _p in _named_urls() if not _is_api(name) and name not in ACCESS)
    assert unclassified == [], "Classify these URLs in tests/test_url_access.py: " + ", ".join(unclassified)


def test_every_record_url_names_its_isolation_test():
    missing = sorted(name for name, kind in ACCESS.items() if kind == OBJECT and name not in ISOLATION_TESTED)
    assert missing == []


def _parameterless(kind: str) -> list[str]:
    names = dict(_named_urls())
    return sorted(
        name
        for name, access in ACCESS.items()
        if access == kind and name in names and not names[name].pattern.regex.groupindex
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(AGENCY) + _parameterless(LOGIN) + _parameterless(ROLE))
def test_anonymous_visitors_are_sent_to_the_login_page(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(PUBLIC))
def test_public_pages_are_served_without_login(name):
    assert Client().get(reverse(name)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(AGENCY))
def test_agency_pages_are_forbidden_to_a_caseworker(name, aarhus_caseworker):
    response = logged_in(aarhus_caseworker).get(reverse(name))
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(LOGIN))
def test_login_pages_serve_every_role(name, aarhus_caseworker, agency_staff, evaluator, steering_member):
    for person in (aarhus_caseworker, agency_staff, evaluator, steering_member):
        assert logged_in(person).get(reverse(name)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", _parameterless(POST_ONLY))
def test_actions_refuse_get(name, agency_admin):
    assert logged_in(agency_admin).get(reverse(name)).status_code in {302, 405}


def test_every_named_isolation_test_exists():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for name, reference in ISOLATION_TESTED.items():
        path = reference.split("::")[0].split(" ")[0]
        source = (root / path).read_text(encoding="utf-8")
        if "::" in reference:
            assert f"def {reference.split('::')[1]}(" in source, f"{name}: {reference} does not exist"
