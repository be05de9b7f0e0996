"""The steering group's record in the phase model: the decision basis frozen with a hash, and conditions
that block the next gate until they are met or waived."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied

from indsats.audit.models import AuditEntry
from indsats.errors import DomainError
from indsats.interventions import services
from indsats.interventions.evidence import (
    EvidenceFact,
    register_evidence_provider,
    unregister_evidence_provider,
)
from indsats.interventions.fact_snapshots import (
    changes_since,
    current_facts_document,
    facts_sha256,
    is_intact,
    latest_snapshot,
)
from indsats.interventions.models import (
    ConditionStatus,
    DecisionCondition,
    FactsSnapshot,
    ReviewStatus,
    SnapshotMoment,
)
from indsats.interventions.workflow import (
    ConditionAction,
    ConditionNotAllowed,
    ConditionsNotMet,
    WorkflowAction,
)
from tests.interventions.factories import InterventionFactory, complete_checklist, partner, ready_review


def _submit(actor, intervention):
    review = ready_review(intervention)
    complete_checklist(intervention)
    return services.submit_gate_review(actor=actor, review=review)


@pytest.mark.django_db
class TestFrozenFacts:
    def test_sending_and_deciding_each_freeze_the_facts_of_all_five_criteria(
        self, agency_staff, steering_member, aarhus
    ):
        intervention = InterventionFactory()
        partner(intervention, aarhus)
        review = _submit(agency_staff, intervention)
        services.decide_gate_review(
            actor=steering_member,
            review=review,
            decision="approve",
            reason="Godt.",
            expected_version=review.version,
        )
        moments = list(review.fact_snapshots.values_list("moment", flat=True))
        assert moments == [SnapshotMoment.SUBMITTED, SnapshotMoment.DECIDED]
        frozen = latest_snapshot(review)
        # PostgreSQL's jsonb keeps keys in its own order: the hash is over the sorted canonical form
        assert sorted(frozen.facts) == sorted(
            ["effect", "economy", "implementation", "demand", "realistic_operation"]
        )
        assert is_intact(frozen)
        assert {
            "label": "Partnerkommuner",
            "value": "1",
            "source": frozen.facts["demand"][0]["source"],
            "url": "",
        } == frozen.facts["demand"][0]

    def test_a_decided_reviews_facts_do_not_change_when_the_data_change(
        self, agency_staff, steering_member, aarhus, odense
    ):
        intervention = InterventionFactory()
        partner(intervention, aarhus)
        review = _submit(agency_staff, intervention)
        services.decide_gate_review(
            actor=steering_member,
            review=review,
            decision="approve",
            reason="Godt.",
            expected_version=review.version,
        )
        frozen = latest_snapshot(review)
        sha_before = frozen.sha256
        partner(intervention, odense)  # the underlying data change after the decision

        frozen.refresh_from_db()
        assert frozen.sha256 == sha_before
        assert frozen.facts["demand"][0]["value"] == "1"
        today = current_facts_document(intervention)
        assert today["demand"][0]["value"] == "2"
        changed = changes_since(frozen.facts, today)
        assert [(c.label, c.frozen, c.today) for c in changed["demand"]][0] == ("Partnerkommuner", "1", "2")
        assert "effect" not in changed

    def test_the_hash_is_sha256_of_the_canonical_json_and_detects_tampering(self, agency_staff):
        intervention = InterventionFactory()
        review = _submit(agency_staff, intervention)
        frozen = latest_snapshot(review)
        # an independent computation of the same canonical form
        expected = hashlib.sha256(
            json.dumps(frozen.facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
        assert frozen.sha256 == expected and is_intact(frozen)
        # someone edits the stored facts behind the application's back
        facts = frozen.facts
        facts["economy"] = [{"label": "Bevilget til faserne", "value": "1 kr.", "source": "x", "url": ""}]
        FactsSnapshot.objects.filter(pk=frozen.pk).update(facts=facts)
        frozen.refresh_from_db()
        assert not is_intact(frozen)

    def test_a_snapshot_is_never_saved_twice(self, agency_staff):
        review = _submit(agency_staff, InterventionFactory())
        frozen = latest_snapshot(review)
        frozen.sha256 = "0" * 64
        with pytest.raises(ValueError):
            frozen.save()

    def test_facts_are_frozen_in_danish_whatever_the_readers_language(self, agency_staff, settings):
        from django.utils import translation

        intervention = InterventionFactory()
        with translation.override("en"):
            review = _submit(agency_staff, intervention)
        assert latest_snapshot(review).facts["demand"][0]["label"] == "Partnerkommuner"

    def test_a_providers_new_fact_appears_as_a_change(self, agency_staff):
        intervention = InterventionFactory()
        review = _submit(agency_staff, intervention)
        frozen = latest_snapshot(review)

        def effect(intervention):
            return [EvidenceFact("Effektstudie", "g = 0,30", "Evaluering")]

        register_evidence_provider("effect", effect)
        try:
            changed = changes_since(frozen.facts, current_facts_document(intervention))
        finally:
            unregister_evidence_provider("effect", effect)
        assert [(c.label, c.frozen, c.today) for c in changed["effect"]] == [
            ("Effektstudie", None, "g = 0,30")
        ]

    def test_the_audit_trail_names_the_hash(self, agency_staff):
        review = _submit(agency_staff, InterventionFactory())
        sha = latest_snapshot(review).sha256
        assert AuditEntry.objects.filter(message__contains=sha).exists()
        assert facts_sha256({"b": 1, "a": "æ"}) == hashlib.sha256('{"a":"æ","b":1}'.encode()).hexdigest()


def _approve_with_condition(agency_staff, steering_member, intervention, deadline):
    review = _submit(agency_staff, intervention)
    decision = services.decide_gate_review(
        actor=steering_member,
        review=review,
        decision=WorkflowAction.APPROVE_WITH_CONDITIONS,
        reason="Godkendt.",
        expected_version=review.version,
        condition_items=[
            services.NewCondition("Fidelitetsmåling i alle kommuner", agency_staff, deadline),
        ],
    )
    return decision


@pytest.mark.django_db
class TestConditions:
    def test_an_open_condition_blocks_the_next_gate_and_names_it(self, agency_staff, steering_member):
        intervention = InterventionFactory()
        _approve_with_condition(agency_staff, steering_member, intervention, datetime.date(2030, 1, 1))
        intervention.refresh_from_db()
        assert intervention.state == "maturation"
        next_review = ready_review(intervention)
        complete_checklist(intervention)
        with pytest.raises(ConditionsNotMet) as raised:
            services.submit_gate_review(actor=agency_staff, review=next_review)
        assert "Fidelitetsmåling i alle kommuner" in raised.value.text
        next_review.refresh_from_db()
        assert next_review.status == ReviewStatus.DRAFT

        condition = DecisionCondition.objects.get()
        services.change_condition(actor=agency_staff, condition=condition, action=ConditionAction.MARK_MET)
        services.submit_gate_review(actor=agency_staff, review=next_review)
        next_review.refresh_from_db()
        assert next_review.status == ReviewStatus.SUBMITTED

    def test_waiving_needs_the_steering_group_and_a_reason(self, agency_staff, steering_member):
        intervention = InterventionFactory()
        _approve_with_condition(agency_staff, steering_member, intervention, datetime.date(2030, 1, 1))
        condition = DecisionCondition.objects.get()
        with pytest.raises(PermissionDenied):
            services.change_condition(
                actor=agency_staff, condition=condition, action=ConditionAction.WAIVE, resolution="Nej"
            )
        with pytest.raises(DomainError):
            services.change_condition(
                actor=steering_member, condition=condition, action=ConditionAction.WAIVE
            )
        services.change_condition(
            actor=steering_member,
            condition=condition,
            action=ConditionAction.WAIVE,
            resolution="Ikke relevant.",
        )
        condition.refresh_from_db()
        assert condition.status == ConditionStatus.WAIVED and condition.resolution == "Ikke relevant."
        with pytest.raises(ConditionNotAllowed):
            services.change_condition(
                actor=agency_staff, condition=condition, action=ConditionAction.MARK_MET
            )

    def test_past_the_deadline_a_condition_becomes_overdue_once_and_still_blocks(
        self, agency_staff, steering_member
    ):
        intervention = InterventionFactory()
        _approve_with_condition(agency_staff, steering_member, intervention, datetime.date(2026, 3, 1))
        assert services.mark_overdue_conditions(today=datetime.date(2026, 3, 1)) == []
        assert len(services.mark_overdue_conditions(today=datetime.date(2026, 3, 2))) == 1
        assert services.mark_overdue_conditions(today=datetime.date(2026, 3, 3)) == []  # idempotent
        assert DecisionCondition.objects.get().status == ConditionStatus.OVERDUE
        intervention.refresh_from_db()
        next_review = ready_review(intervention)
        complete_checklist(intervention)
        with pytest.raises(ConditionsNotMet):
            services.submit_gate_review(actor=agency_staff, review=next_review)

    def test_conditions_belong_only_to_an_approval_with_conditions(self, agency_staff, steering_member):
        review = _submit(agency_staff, InterventionFactory())
        with pytest.raises(DomainError):
            services.decide_gate_review(
                actor=steering_member,
                review=review,
                decision="approve",
                reason="Godt.",
                expected_version=review.version,
                condition_items=[services.NewCondition("x", agency_staff, datetime.date(2030, 1, 1))],
            )


@pytest.mark.django_db
def test_the_api_returns_the_frozen_basis_with_its_hash_and_the_review_page_shows_it(
    agency_staff, steering_member, aarhus, odense
):
    from tests.conftest import logged_in

    intervention = InterventionFactory()
    partner(intervention, aarhus)
    review = _submit(agency_staff, intervention)
    services.decide_gate_review(
        actor=steering_member,
        review=review,
        decision="approve",
        reason="Godt.",
        expected_version=review.version,
    )
    partner(intervention, odense)
    client = logged_in(steering_member)
    body = client.get(f"/api/interventions/gate-reviews/{review.pk}").json()
    frozen = latest_snapshot(review)
    assert body["facts_sha256"] == frozen.sha256 == body["snapshot"]["facts_sha256"]
    assert body["snapshot"]["intact"] is True
    assert body["snapshot"]["facts"]["demand"][0]["value"] == "1"
    page = client.get(f"/indsatser/gate-reviews/{review.pk}/").content.decode()
    assert frozen.sha256 in page and "Ændret siden" in page


@pytest.mark.django_db
def test_only_the_agency_sets_a_partnerships_dates(agency_staff, aarhus, aarhus_manager):
    from django.urls import reverse

    from tests.conftest import logged_in

    intervention = InterventionFactory()
    partnership = partner(intervention, aarhus)
    url = reverse("interventions:partner_edit", args=[intervention.pk, partnership.pk])
    assert logged_in(aarhus_manager).get(url).status_code in (403, 404)
    assert logged_in(aarhus_manager).post(url, {"joined_on": "2020-01-01"}).status_code in (403, 404)
    client = logged_in(agency_staff)
    refused = client.post(url, {"joined_on": "2022-01-01", "ended_on": "2021-12-31"})
    assert refused.status_code == 200 and "før startdatoen" in refused.content.decode()
    response = client.post(
        url, {"joined_on": "2021-08-01", "ended_on": "2024-01-31", "funding_ended_on": "2024-01-31"}
    )
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.funding_ended_on == datetime.date(2024, 1, 31)
    assert AuditEntry.objects.filter(object_id=str(partnership.pk), action="update").exists()
