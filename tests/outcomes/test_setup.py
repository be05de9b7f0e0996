"""Setting up result documentation per intervention: rounds, retention and evaluators.

Only the agency changes the set-up. Its partner municipalities' staff and its assigned evaluators read it;
everyone else gets a 404 (the page names the evaluators and counts measurements, which is not public).
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from indsats.accounts.models import OrganisationKind, Role
from indsats.audit.models import AuditAction, AuditEntry
from indsats.interventions.models import Partnership
from indsats.outcomes.models import (
    EvaluatorAssignment,
    ImportJob,
    ImportStatus,
    MeasurementRound,
    RetentionPolicy,
    RoundKind,
)
from indsats.outcomes.services.participants import record_measurement, register_participant
from indsats.outcomes.services.setup import (
    assign_evaluator,
    create_round,
    delete_round,
    remove_evaluator,
    set_retention,
    update_round,
)
from tests.conftest import logged_in
from tests.factories import OrganisationFactory, person_with_role
from tests.outcomes.factories import RoundFactory

D = datetime.date


def audit_of(instance, action):
    return AuditEntry.objects.filter(
        object_id=str(instance.pk), action=action, content_type__model=instance._meta.model_name
    )


@pytest.fixture
def partner(intervention, aarhus):
    return Partnership.objects.create(
        intervention=intervention, municipality=aarhus, role="pilot", joined_on=D(2024, 1, 1)
    )


@pytest.fixture
def evaluation_house(db):
    return OrganisationFactory(kind=OrganisationKind.EVALUATOR, name="Analysehuset")


@pytest.fixture
def measured_child(aarhus_caseworker, aarhus, intervention, baseline, sdq):
    """One child measured in the baseline round on 10 February 2025."""
    participant = register_participant(
        actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr="010115-4003"
    )
    return record_measurement(
        actor=aarhus_caseworker,
        participant=participant,
        measurement_round=baseline,
        instrument=sdq,
        measured_on=D(2025, 2, 10),
        answers=[1.0] * 25,
    )


def add_round(actor, intervention, kind, opens_on, closes_on, order):
    return create_round(
        actor=actor, intervention=intervention, kind=kind, opens_on=opens_on, closes_on=closes_on, order=order
    )


# --- rounds ----------------------------------------------------------------------------------------------


def test_the_agency_adds_a_round_and_the_audit_trail_has_it(agency_staff, intervention, baseline):
    added = add_round(agency_staff, intervention, RoundKind.MONTH_6, D(2025, 7, 1), D(2025, 9, 30), 1)
    assert list(MeasurementRound.objects.filter(intervention=intervention).order_by("order")) == [
        baseline,
        added,
    ]
    entry = audit_of(added, AuditAction.CREATE).get()
    assert entry.actor == agency_staff and entry.changes["opens_on"] == "2025-07-01"


@pytest.mark.parametrize(
    ("kind", "opens_on", "closes_on", "order", "field", "words"),
    [
        # closes before it opens
        (RoundKind.MONTH_6, D(2025, 9, 30), D(2025, 7, 1), 1, "closes_on", "lukke"),
        # baseline exists (1 Jan - 31 Mar 2025)
        (RoundKind.BASELINE, D(2026, 1, 1), D(2026, 2, 1), 1, "kind", "allerede"),
        # number 0 is the baseline's
        (RoundKind.MONTH_6, D(2025, 7, 1), D(2025, 9, 30), 0, "order", "bruges allerede"),
        # overlaps the baseline by one month
        (RoundKind.MONTH_3, D(2025, 3, 1), D(2025, 4, 30), 1, "opens_on", "overlapper"),
        # the last day of the baseline is the first of the new round: an answer that day fits both
        (RoundKind.MONTH_3, D(2025, 3, 31), D(2025, 4, 30), 1, "opens_on", "overlapper"),
        # numbered before the baseline but dated after it
        (RoundKind.MONTH_6, D(2025, 7, 1), D(2025, 9, 30), -1, "order", "0 eller"),
        # a 6-month round dated before the baseline, numbered after it
        (RoundKind.MONTH_6, D(2024, 7, 1), D(2024, 9, 30), 1, "order", "passer ikke med datoerne"),
    ],
)
def test_a_round_that_does_not_fit_the_others_is_refused_naming_the_field(
    agency_staff, intervention, baseline, kind, opens_on, closes_on, order, field, words
):
    with pytest.raises(ValidationError) as caught:
        add_round(agency_staff, intervention, kind, opens_on, closes_on, order)
    assert list(caught.value.message_dict) == [field]
    assert words in caught.value.message_dict[field][0]
    assert MeasurementRound.objects.filter(intervention=intervention).count() == 1


def test_a_follow_up_cannot_come_before_the_baseline(agency_staff, intervention):
    add_round(agency_staff, intervention, RoundKind.FOLLOW_UP, D(2025, 1, 1), D(2025, 2, 1), 5)
    with pytest.raises(ValidationError) as caught:
        add_round(agency_staff, intervention, RoundKind.BASELINE, D(2025, 3, 1), D(2025, 4, 1), 6)
    # numbered and dated after the follow-up: the dates agree with the numbers, the kinds do not
    assert "Målepunktet passer ikke" in caught.value.message_dict["kind"][0]


def test_editing_a_round_changes_it_and_audits_before_and_after(agency_staff, intervention, baseline):
    update_round(
        actor=agency_staff,
        measurement_round=baseline,
        kind=RoundKind.BASELINE,
        opens_on=D(2025, 1, 15),
        closes_on=D(2025, 4, 15),
        order=0,
    )
    baseline.refresh_from_db()
    assert (baseline.opens_on, baseline.closes_on) == (D(2025, 1, 15), D(2025, 4, 15))
    entry = audit_of(baseline, AuditAction.UPDATE).get()
    assert entry.changes["closes_on"] == ["2025-03-31", "2025-04-15"]


def test_a_round_is_checked_against_the_others_but_not_itself_when_edited(
    agency_staff, intervention, baseline, month6
):
    # moving the baseline onto its own dates is fine; onto the 6-month round's dates is not
    update_round(
        actor=agency_staff,
        measurement_round=baseline,
        kind=RoundKind.BASELINE,
        opens_on=D(2025, 1, 1),
        closes_on=D(2025, 5, 31),
        order=0,
    )
    with pytest.raises(ValidationError) as caught:
        update_round(
            actor=agency_staff,
            measurement_round=baseline,
            kind=RoundKind.BASELINE,
            opens_on=D(2025, 1, 1),
            closes_on=D(2025, 6, 1),
            order=0,
        )
    assert "overlapper" in caught.value.message_dict["opens_on"][0]


def test_a_round_with_measurements_keeps_its_kind_and_its_dates_must_hold_them(
    agency_staff, intervention, baseline, measured_child
):
    with pytest.raises(ValidationError) as caught:
        update_round(
            actor=agency_staff,
            measurement_round=baseline,
            kind=RoundKind.MONTH_3,
            opens_on=baseline.opens_on,
            closes_on=baseline.closes_on,
            order=0,
        )
    assert "målepunkt kan ikke ændres" in caught.value.message_dict["kind"][0]
    with pytest.raises(ValidationError) as caught:
        update_round(
            actor=agency_staff,
            measurement_round=baseline,
            kind=RoundKind.BASELINE,
            opens_on=D(2025, 2, 11),  # the child was measured on 10 February
            closes_on=D(2025, 3, 31),
            order=0,
        )
    assert caught.value.message_dict["opens_on"][0].startswith("1 måling i runden ligger uden for")
    # dates that still hold 10 February are fine
    update_round(
        actor=agency_staff,
        measurement_round=baseline,
        kind=RoundKind.BASELINE,
        opens_on=D(2025, 2, 10),
        closes_on=D(2025, 3, 31),
        order=0,
    )


def test_a_round_without_measurements_is_deleted_and_audited(agency_staff, intervention, month6):
    pk = month6.pk
    delete_round(actor=agency_staff, measurement_round=month6)
    assert not MeasurementRound.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, object_id=str(pk), content_type__model="measurementround"
    ).exists()


def test_deleting_a_round_with_measurements_is_refused_in_danish(agency_staff, baseline, measured_child):
    with pytest.raises(ValidationError) as caught:
        delete_round(actor=agency_staff, measurement_round=baseline)
    assert caught.value.messages == [
        "Runden Før (baseline) kan ikke slettes, fordi der er 1 måling i den. Målinger slettes kun med "
        "opbevaringstiden eller på anmodning."
    ]
    assert MeasurementRound.objects.filter(pk=baseline.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DELETE, content_type__model="measurementround")


def test_deleting_a_round_an_import_refers_to_is_refused_and_nothing_is_audited(
    agency_staff, aarhus, baseline, sdq, aarhus_caseworker
):
    ImportJob.objects.create(
        municipality=aarhus, round=baseline, instrument=sdq, file_name="x.csv", status=ImportStatus.INVALID
    )
    with pytest.raises(ValidationError) as caught:
        delete_round(actor=agency_staff, measurement_round=baseline)
    assert "bruges af: import" in caught.value.messages[0]
    assert MeasurementRound.objects.filter(pk=baseline.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DELETE, content_type__model="measurementround")


# --- retention -------------------------------------------------------------------------------------------


def test_setting_then_changing_the_retention_period_is_audited(agency_staff, intervention):
    policy = set_retention(actor=agency_staff, intervention=intervention, retention_days=1825)
    set_retention(actor=agency_staff, intervention=intervention, retention_days=730)
    policy.refresh_from_db()
    assert policy.retention_days == 730
    assert audit_of(policy, AuditAction.CREATE).get().changes["retention_days"] == 1825
    assert audit_of(policy, AuditAction.UPDATE).get().changes["retention_days"] == [1825, 730]


@pytest.mark.parametrize("days", [0, 50 * 366 + 1])
def test_a_retention_period_outside_the_limits_is_refused_naming_the_field(agency_staff, intervention, days):
    with pytest.raises(ValidationError) as caught:
        set_retention(actor=agency_staff, intervention=intervention, retention_days=days)
    assert caught.value.message_dict["retention_days"] == [
        "Opbevaringstiden skal være mellem 1 og 18300 dage."
    ]
    assert not RetentionPolicy.objects.exists()


# --- evaluators ------------------------------------------------------------------------------------------


def test_the_agency_assigns_and_removes_an_evaluator_and_both_are_audited(
    agency_staff, intervention, evaluation_house
):
    assignment = assign_evaluator(actor=agency_staff, intervention=intervention, evaluator=evaluation_house)
    assert audit_of(assignment, AuditAction.CREATE).exists()
    pk = assignment.pk
    remove_evaluator(actor=agency_staff, assignment=assignment)
    assert not EvaluatorAssignment.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, object_id=str(pk), content_type__model="evaluatorassignment"
    ).exists()


def test_only_an_active_evaluator_organisation_can_be_assigned_and_only_once(
    agency_staff, intervention, aarhus, evaluation_house
):
    with pytest.raises(ValidationError) as caught:
        assign_evaluator(actor=agency_staff, intervention=intervention, evaluator=aarhus)
    assert "typen evaluator" in caught.value.message_dict["evaluator"][0]
    assign_evaluator(actor=agency_staff, intervention=intervention, evaluator=evaluation_house)
    with pytest.raises(ValidationError) as caught:
        assign_evaluator(actor=agency_staff, intervention=intervention, evaluator=evaluation_house)
    assert caught.value.message_dict["evaluator"] == ["Analysehuset er allerede tilknyttet indsatsen."]
    closed = OrganisationFactory(kind=OrganisationKind.EVALUATOR, name="Lukket", is_active=False)
    with pytest.raises(ValidationError) as caught:
        assign_evaluator(actor=agency_staff, intervention=intervention, evaluator=closed)
    assert "ikke aktiv" in caught.value.message_dict["evaluator"][0]
    assert EvaluatorAssignment.objects.filter(intervention=intervention).count() == 1


# --- permissions: services -------------------------------------------------------------------------------


@pytest.fixture(params=["caseworker", "manager", "evaluator", "steering"])
def not_agency(request, aarhus, partner, assigned_evaluator, steering_member):
    return {
        "caseworker": lambda: person_with_role(Role.CASEWORKER, aarhus, username="cw-partner"),
        "manager": lambda: person_with_role(Role.MUNICIPALITY_MANAGER, aarhus, username="mgr-partner"),
        "evaluator": lambda: assigned_evaluator,
        "steering": lambda: steering_member,
    }[request.param]()


def test_no_one_but_the_agency_may_change_the_set_up(
    not_agency, intervention, baseline, evaluation_house, assigned_evaluator
):
    assignment = EvaluatorAssignment.objects.get(intervention=intervention)
    writes = [
        lambda: add_round(not_agency, intervention, RoundKind.MONTH_6, D(2025, 7, 1), D(2025, 9, 30), 1),
        lambda: update_round(
            actor=not_agency,
            measurement_round=baseline,
            kind=RoundKind.BASELINE,
            opens_on=D(2025, 1, 1),
            closes_on=D(2025, 2, 1),
            order=0,
        ),
        lambda: delete_round(actor=not_agency, measurement_round=baseline),
        lambda: set_retention(actor=not_agency, intervention=intervention, retention_days=10),
        lambda: assign_evaluator(actor=not_agency, intervention=intervention, evaluator=evaluation_house),
        lambda: remove_evaluator(actor=not_agency, assignment=assignment),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()
    assert MeasurementRound.objects.filter(intervention=intervention).count() == 1
    assert EvaluatorAssignment.objects.filter(intervention=intervention).count() == 1
    assert not RetentionPolicy.objects.exists()


# --- pages -----------------------------------------------------------------------------------------------


def setup_url(intervention):
    return reverse("outcomes:intervention_setup", args=[intervention.pk])


def per_object_urls(intervention, measurement_round, assignment):
    pk = intervention.pk
    return {
        "intervention_setup": ("get", reverse("outcomes:intervention_setup", args=[pk])),
        "round_create": ("get", reverse("outcomes:round_create", args=[pk])),
        "round_edit": ("get", reverse("outcomes:round_edit", args=[pk, measurement_round.pk])),
        "round_delete": ("post", reverse("outcomes:round_delete", args=[pk, measurement_round.pk])),
        "retention_set": ("post", reverse("outcomes:retention_set", args=[pk])),
        "evaluator_assign": ("post", reverse("outcomes:evaluator_assign", args=[pk])),
        "evaluator_remove": ("post", reverse("outcomes:evaluator_remove", args=[pk, assignment.pk])),
    }


def test_the_agency_reads_the_set_up_with_its_forms(agency_staff, intervention, baseline, assigned_evaluator):
    page = logged_in(agency_staff).get(setup_url(intervention)).content.decode()
    assert "Opsætning af resultatdokumentation" in page and "Evalueringshuset" in page
    assert reverse("outcomes:round_create", args=[intervention.pk]) in page
    assert 'name="retention_days"' in page and 'value="1825"' in page  # the default, 5 years
    assert "<code>indsats purge-expired-outcomes</code>" in page


def test_partner_staff_and_assigned_evaluators_read_the_set_up_but_cannot_change_it(
    partner, aarhus_caseworker, assigned_evaluator, intervention, baseline, evaluation_house
):
    assignment = EvaluatorAssignment.objects.get(intervention=intervention)
    for person in (aarhus_caseworker, assigned_evaluator):
        client = logged_in(person)
        page = client.get(setup_url(intervention)).content.decode()
        assert "Før (baseline)" in page and "Evalueringshuset" in page
        assert "Kun styrelsen kan ændre opsætningen" in page
        assert 'name="retention_days"' not in page and reverse("outcomes:round_create", args=[1]) not in page
        for name, (method, url) in per_object_urls(intervention, baseline, assignment).items():
            if name == "intervention_setup":
                continue
            response = getattr(client, method)(url, {"retention_days": 1, "evaluator": evaluation_house.pk})
            assert response.status_code == 403, (person, name)
    assert not RetentionPolicy.objects.exists() and MeasurementRound.objects.filter(pk=baseline.pk).exists()


def test_another_municipality_and_an_unassigned_evaluator_get_404_on_every_set_up_page(
    partner, odense_caseworker, evaluator, steering_member, intervention, baseline, assigned_evaluator
):
    """The set-up names the evaluators and counts measurements: not for a municipality outside the
    intervention, an evaluator not assigned to it, or anyone else."""
    assignment = EvaluatorAssignment.objects.get(intervention=intervention)
    for person in (odense_caseworker, evaluator, steering_member):
        client = logged_in(person)
        for name, (method, url) in per_object_urls(intervention, baseline, assignment).items():
            assert getattr(client, method)(url).status_code == 404, (person, name)


def test_anonymous_visitors_are_sent_to_log_in_from_the_set_up(client, intervention):
    response = client.get(setup_url(intervention))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_the_set_up_page_takes_a_fixed_number_of_queries(
    agency_staff, intervention, django_assert_max_num_queries
):
    for order, (kind, month) in enumerate(
        [(RoundKind.BASELINE, 1), (RoundKind.MONTH_3, 4), (RoundKind.MONTH_6, 7)]
    ):
        RoundFactory(
            intervention=intervention,
            kind=kind,
            order=order,
            opens_on=D(2025, month, 1),
            closes_on=D(2025, month, 28),
        )
    for _number in range(3):
        EvaluatorAssignment.objects.create(
            evaluator=OrganisationFactory(kind=OrganisationKind.EVALUATOR), intervention=intervention
        )
    client = logged_in(agency_staff)
    client.get(setup_url(intervention))  # warm the session and memberships
    with django_assert_max_num_queries(12):
        assert client.get(setup_url(intervention)).status_code == 200


def test_adding_a_round_through_the_page(agency_staff, intervention, baseline):
    client = logged_in(agency_staff)
    form = client.get(reverse("outcomes:round_create", args=[intervention.pk])).content.decode()
    assert 'value="m3"' in form and "selected" in form.split('value="m3"')[1][:20]  # next kind suggested
    bad = client.post(
        reverse("outcomes:round_create", args=[intervention.pk]),
        {"kind": "m3", "order": 1, "opens_on": "2025-03-15", "closes_on": "2025-05-31"},
    )
    assert bad.status_code == 200 and "overlapper runden Før (baseline)" in bad.content.decode()
    good = client.post(
        reverse("outcomes:round_create", args=[intervention.pk]),
        {"kind": "m3", "order": 1, "opens_on": "2025-04-01", "closes_on": "2025-05-31"},
    )
    assert good.status_code == 302 and good.url == setup_url(intervention)
    assert MeasurementRound.objects.filter(intervention=intervention, kind="m3").exists()


def test_deleting_a_measured_round_through_the_page_shows_why_not(
    agency_staff, intervention, baseline, measured_child
):
    response = logged_in(agency_staff).post(
        reverse("outcomes:round_delete", args=[intervention.pk, baseline.pk]), follow=True
    )
    assert "kan ikke slettes, fordi der er 1 måling i den" in response.content.decode()
    assert MeasurementRound.objects.filter(pk=baseline.pk).exists()


def test_a_wrong_retention_period_is_shown_on_the_page_in_danish(agency_staff, intervention):
    response = logged_in(agency_staff).post(
        reverse("outcomes:retention_set", args=[intervention.pk]), {"retention_days": "0"}
    )
    assert response.status_code == 200
    assert "form-error-message" in response.content.decode()
    assert not RetentionPolicy.objects.exists()


def test_only_evaluator_organisations_are_offered_and_accepted_on_the_page(
    agency_staff, intervention, aarhus, evaluation_house
):
    client = logged_in(agency_staff)
    page = client.get(setup_url(intervention)).content.decode()
    assert "Analysehuset" in page and f'<option value="{aarhus.pk}"' not in page
    refused = client.post(
        reverse("outcomes:evaluator_assign", args=[intervention.pk]), {"evaluator": aarhus.pk}
    )
    assert refused.status_code == 200 and not EvaluatorAssignment.objects.exists()
    client.post(
        reverse("outcomes:evaluator_assign", args=[intervention.pk]), {"evaluator": evaluation_house.pk}
    )
    assert EvaluatorAssignment.objects.get().evaluator == evaluation_house


def test_the_set_up_is_linked_from_the_outcomes_index_for_those_who_may_read_it(
    agency_staff, partner, aarhus_caseworker, odense_caseworker, intervention
):
    link = setup_url(intervention)
    assert link in logged_in(agency_staff).get(reverse("outcomes:index")).content.decode()
    assert link in logged_in(aarhus_caseworker).get(reverse("outcomes:index")).content.decode()
    assert link not in logged_in(odense_caseworker).get(reverse("outcomes:index")).content.decode()
    detail = logged_in(agency_staff).get(reverse("interventions:detail", args=[intervention.pk]))
    assert link in detail.content.decode()
