"""Gate reviews: readiness before the steering group, assessments, live evidence and concurrent decisions."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from indsats.interventions import services
from indsats.interventions.evidence import (
    EvidenceFact,
    live_facts,
    register_evidence_provider,
    unregister_evidence_provider,
)
from indsats.interventions.models import (
    ChecklistItem,
    CriterionAssessment,
    GateDecision,
    GateReview,
    Intervention,
    InterventionEvent,
    JoinRequest,
    Rating,
    ReviewStatus,
)
from indsats.interventions.workflow import GateNotReady, ReviewAlreadyDecided, ReviewNotEditable
from tests.interventions.factories import InterventionFactory, complete_checklist, partner, ready_review


@pytest.mark.django_db
class TestReadiness:
    def test_a_new_review_has_all_five_criteria_not_assessed(self, agency_staff):
        intervention = InterventionFactory()
        review = services.start_gate_review(actor=agency_staff, intervention=intervention)
        assert sorted(review.assessments.values_list("criterion", "rating")) == sorted(
            (c, "not_assessed")
            for c in ["effect", "economy", "implementation", "demand", "realistic_operation"]
        )
        # starting again returns the open review instead of a second one
        assert services.start_gate_review(actor=agency_staff, intervention=intervention) == review

    def test_an_unassessed_criterion_blocks_the_gate_and_is_named(self, agency_staff):
        intervention = InterventionFactory()
        review = ready_review(intervention)
        complete_checklist(intervention)
        CriterionAssessment.objects.filter(review=review, criterion="demand").update(
            rating=Rating.NOT_ASSESSED
        )
        with pytest.raises(GateNotReady) as raised:
            services.submit_gate_review(actor=agency_staff, review=review)
        assert raised.value.unassessed == ["Efterspørgsel"]
        assert "Efterspørgsel" in raised.value.text
        review.refresh_from_db()
        assert review.status == ReviewStatus.DRAFT

    def test_a_rating_without_rationale_blocks_the_gate(self, agency_staff):
        intervention = InterventionFactory()
        review = ready_review(intervention)
        complete_checklist(intervention)
        CriterionAssessment.objects.filter(review=review, criterion="economy").update(rationale=" ")
        with pytest.raises(GateNotReady) as raised:
            services.submit_gate_review(actor=agency_staff, review=review)
        assert raised.value.missing_rationale == ["Økonomi"]

    def test_an_open_required_deliverable_blocks_the_gate_but_an_optional_one_does_not(self, agency_staff):
        intervention = InterventionFactory()
        review = ready_review(intervention)
        complete_checklist(intervention)
        ChecklistItem.objects.filter(title="Foreløbig forandringsteori").update(is_done=False)  # optional
        required = ChecklistItem.objects.filter(
            phase_record__intervention=intervention, is_required=True
        ).first()
        ChecklistItem.objects.filter(pk=required.pk).update(is_done=False)
        with pytest.raises(GateNotReady) as raised:
            services.submit_gate_review(actor=agency_staff, review=review)
        assert raised.value.open_deliverables == [required.title]
        assert required.title in raised.value.text
        ChecklistItem.objects.filter(pk=required.pk).update(is_done=True)
        services.submit_gate_review(actor=agency_staff, review=review)
        review.refresh_from_db()
        assert review.status == ReviewStatus.SUBMITTED
        assert InterventionEvent.objects.filter(kind="review_submitted", review=review).exists()

    def test_the_agency_saves_assessments_only_while_the_review_is_a_draft(self, agency_staff):
        intervention = InterventionFactory()
        review = services.start_gate_review(actor=agency_staff, intervention=intervention)
        services.update_gate_review(
            actor=agency_staff,
            review=review,
            assessments={
                "effect": {
                    "rating": "partly_met",
                    "rationale": "Lille effekt.",
                    "fact": "d = 0,2",
                    "fact_source": "RCT 2024",
                }
            },
            summary="Indstilling",
        )
        effect = review.assessments.get(criterion="effect")
        assert (effect.rating, effect.fact, effect.fact_source) == ("partly_met", "d = 0,2", "RCT 2024")
        GateReview.objects.filter(pk=review.pk).update(status=ReviewStatus.SUBMITTED)
        with pytest.raises(ReviewNotEditable):
            services.update_gate_review(actor=agency_staff, review=review, assessments={}, summary="x")

    def test_a_stale_edit_of_the_assessment_is_refused(self, agency_staff):
        intervention = InterventionFactory()
        review = services.start_gate_review(actor=agency_staff, intervention=intervention)
        services.update_gate_review(
            actor=agency_staff, review=review, assessments={}, summary="a", expected_version=1
        )
        with pytest.raises(ReviewAlreadyDecided):
            services.update_gate_review(
                actor=agency_staff, review=review, assessments={}, summary="b", expected_version=1
            )
        review.refresh_from_db()
        assert review.summary == "a"


@pytest.mark.django_db
class TestEvidence:
    def test_demand_is_counted_from_partners_requests_and_practice_assessments(
        self, aarhus, odense, agency_staff
    ):
        from tests.factories import MunicipalityFactory

        intervention = InterventionFactory(is_open_to_join=True)
        partner(intervention, aarhus)
        third = MunicipalityFactory()
        JoinRequest.objects.create(intervention=intervention, municipality=odense)
        services.record_practice_assessment(
            actor=agency_staff,
            intervention=intervention,
            municipality=third,
            scores=dict.fromkeys(
                [
                    "theory_and_knowledge",
                    "effect",
                    "description",
                    "goals",
                    "transferability",
                    "economy",
                    "professional_reflection",
                    "relational_cooperation",
                    "individual_planning",
                    "monitoring",
                    "follow_up",
                ],
                1,
            ),
            assessed_on=datetime.date(2025, 1, 1),
        )
        facts = {f.label: f.value for f in live_facts(intervention)["demand"]}
        assert facts["Partnerkommuner"] == "1"
        assert facts["Kommuner, der har bedt om at deltage"] == "1"
        assert facts["Kommuner, der har vurderet deres praksis"] == "1"
        assert facts["Kommuner med interesse i alt"] == "3"

    def test_another_app_can_supply_live_facts_for_a_criterion(self):
        intervention = InterventionFactory()

        def effect_study(candidate: Intervention) -> list[EvidenceFact]:
            return (
                [EvidenceFact("Effektstudie", "d = 0,32", "Evaluering 17")]
                if candidate == intervention
                else []
            )

        register_evidence_provider("effect", effect_study)
        try:
            assert live_facts(intervention)["effect"] == [
                EvidenceFact("Effektstudie", "d = 0,32", "Evaluering 17")
            ]
            assert live_facts(InterventionFactory())["effect"] == []
        finally:
            unregister_evidence_provider("effect", effect_study)

    def test_an_unknown_criterion_is_refused_by_name(self):
        with pytest.raises(ValueError, match="virkning"):
            register_evidence_provider("virkning", lambda intervention: [])


def _submitted_review():
    intervention = InterventionFactory(state="screening")
    return intervention, ready_review(intervention, status=ReviewStatus.SUBMITTED)


@pytest.mark.django_db(transaction=True)
def test_a_second_decider_with_a_stale_version_is_told_who_decided_and_nothing_moves_twice(
    steering_member, steering_member_2
):
    intervention, review = _submitted_review()
    seen_version = review.version  # both opened the page now
    services.decide_gate_review(
        actor=steering_member,
        review=review,
        decision="approve",
        reason="Godkendt.",
        expected_version=seen_version,
    )
    with pytest.raises(ReviewAlreadyDecided) as raised:
        services.decide_gate_review(
            actor=steering_member_2,
            review=review,
            decision="reject",
            reason="Afvist.",
            expected_version=seen_version,
        )
    assert raised.value.decided_by == steering_member.get_full_name()
    assert steering_member.get_full_name() in raised.value.text
    intervention.refresh_from_db()
    assert intervention.state == "maturation"
    assert GateDecision.objects.filter(review=review).count() == 1
    assert intervention.events.filter(kind="decided").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_send_back_then_a_stale_approval_is_refused(steering_member, steering_member_2):
    intervention, review = _submitted_review()
    services.decide_gate_review(
        actor=steering_member, review=review, decision="send_back", reason="Mangler data.", expected_version=1
    )
    with pytest.raises(ReviewAlreadyDecided):
        services.decide_gate_review(
            actor=steering_member_2, review=review, decision="approve", reason="OK", expected_version=1
        )
    intervention.refresh_from_db()
    assert intervention.state == "screening"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"
)
def test_two_people_deciding_at_the_same_moment_one_wins_the_other_is_told(
    steering_member, steering_member_2
):
    intervention, review = _submitted_review()
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(actor, decision):
        try:
            barrier.wait(timeout=10)
            services.decide_gate_review(
                actor=actor,
                review=review,
                decision=decision,
                reason="Samtidig.",
                expected_version=review.version,
            )
            outcomes[decision] = "won"
        except ReviewAlreadyDecided as error:
            outcomes[decision] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(steering_member, "approve")),
        threading.Thread(target=decide, args=(steering_member_2, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(v).__name__ if v != "won" else "won" for v in outcomes.values()) == [
        "ReviewAlreadyDecided",
        "won",
    ]
    winner = next(d for d, v in outcomes.items() if v == "won")
    intervention.refresh_from_db()
    assert intervention.state == ("maturation" if winner == "approve" else "stopped")
    assert GateDecision.objects.filter(review=review).count() == 1
    assert InterventionEvent.objects.filter(intervention=intervention, kind="decided").count() == 1
