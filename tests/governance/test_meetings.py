"""Meetings and collective decisions: quorum, votes for every member present, recusals, consensus, and
the minutes as a PDF rendered by the background task."""

from __future__ import annotations

import datetime
import hashlib
import subprocess

import pytest
from django.core.exceptions import PermissionDenied

from indsats.audit.models import AuditEntry
from indsats.errors import DomainError
from indsats.governance import services
from indsats.governance.models import ItemDecision, ItemKind, Meeting, Vote
from indsats.governance.workflow import MeetingActionNotAllowed, QuorumNotMet
from indsats.interventions import services as intervention_services
from indsats.interventions.models import DecisionCondition, GateReview, ReviewStatus
from indsats.interventions.services import NewCondition
from tests.interventions.factories import InterventionFactory, complete_checklist, ready_review


def _submitted_review(agency_staff) -> GateReview:
    intervention = InterventionFactory()
    review = ready_review(intervention)
    complete_checklist(intervention)
    return intervention_services.submit_gate_review(actor=agency_staff, review=review)


def _meeting_in_session(agency_staff, members, present, chair=None, review=None):
    meeting = services.plan_meeting(
        actor=agency_staff, held_on=datetime.date(2026, 12, 10), location="Odense"
    )
    item = services.add_agenda_item(
        actor=agency_staff,
        meeting=meeting,
        kind=ItemKind.GATE_REVIEW,
        gate_review=review or _submitted_review(agency_staff),
    )
    services.open_meeting(
        actor=members[0], meeting=meeting, members_present=present, chair=chair or present[0]
    )
    return Meeting.objects.get(pk=meeting.pk), item


@pytest.mark.django_db
class TestQuorum:
    def test_the_default_quorum_is_a_majority_of_the_members(self, agency_staff, members):
        meeting = services.plan_meeting(actor=agency_staff, held_on=datetime.date(2026, 12, 10))
        assert meeting.quorum == 3  # 5 members: 5 // 2 + 1

    def test_the_quorum_can_be_configured(self, agency_staff, members, settings):
        settings.STEERING_GROUP_QUORUM = 4
        assert services.plan_meeting(actor=agency_staff, held_on=datetime.date(2026, 12, 10)).quorum == 4

    def test_a_decision_without_quorum_is_refused_and_nothing_moves(self, agency_staff, members):
        meeting, item = _meeting_in_session(agency_staff, members, members[:2])
        with pytest.raises(QuorumNotMet) as raised:
            services.decide_item(
                actor=members[0], item=item, outcome="approve", text="Godt.", by_consensus=True
            )
        assert "2" in raised.value.text and "3" in raised.value.text
        assert not ItemDecision.objects.exists()
        item.gate_review.refresh_from_db()
        assert item.gate_review.status == ReviewStatus.SUBMITTED

    def test_a_recused_member_does_not_count_towards_quorum(self, agency_staff, members):
        meeting, item = _meeting_in_session(agency_staff, members, members[:3])
        services.record_recusal(
            actor=members[0], item=item, member=members[2], reason="Ansat i en partnerkommune"
        )
        with pytest.raises(QuorumNotMet):
            services.decide_item(
                actor=members[0], item=item, outcome="approve", text="Godt.", by_consensus=True
            )


@pytest.mark.django_db
class TestVotes:
    def test_each_member_presents_position_is_recorded_and_the_review_is_decided(self, agency_staff, members):
        meeting, item = _meeting_in_session(agency_staff, members, members[:4], chair=members[1])
        votes = {
            members[0].pk: "for",
            members[1].pk: "for",
            members[2].pk: "against",
            members[3].pk: "abstain",
        }
        decision = services.decide_item(
            actor=members[1], item=item, outcome="approve", text="Klar.", votes=votes
        )
        assert decision.chair == members[1] and decision.members_eligible == 4
        assert dict(Vote.objects.values_list("member_id", "position")) == votes
        item.gate_review.refresh_from_db()
        assert item.gate_review.status == ReviewStatus.DECIDED
        assert decision.gate_decision.review == item.gate_review
        assert AuditEntry.objects.filter(message__contains="2 for, 1 imod, 1 undlod").exists()

    def test_a_missing_position_is_named_and_refused(self, agency_staff, members):
        meeting, item = _meeting_in_session(agency_staff, members, members[:3])
        with pytest.raises(DomainError) as raised:
            services.decide_item(
                actor=members[0],
                item=item,
                outcome="approve",
                text="x",
                votes={members[0].pk: "for", members[1].pk: "for"},
            )
        assert "Carla Clausen" in raised.value.text

    def test_a_recused_member_cannot_vote(self, agency_staff, members):
        meeting, item = _meeting_in_session(agency_staff, members, members[:4])
        services.record_recusal(actor=members[0], item=item, member=members[3], reason="Inhabil")
        votes = {m.pk: "for" for m in members[:4]}
        with pytest.raises(DomainError):
            services.decide_item(actor=members[0], item=item, outcome="approve", text="x", votes=votes)
        del votes[members[3].pk]
        decision = services.decide_item(actor=members[0], item=item, outcome="approve", text="x", votes=votes)
        assert decision.members_eligible == 3

    def test_a_proposal_without_majority_is_refused(self, agency_staff, members):
        meeting, item = _meeting_in_session(agency_staff, members, members[:4])
        votes = {
            members[0].pk: "for",
            members[1].pk: "for",
            members[2].pk: "against",
            members[3].pk: "against",
        }
        with pytest.raises(DomainError) as raised:
            services.decide_item(actor=members[0], item=item, outcome="approve", text="x", votes=votes)
        assert "ikke flertal" in raised.value.text

    def test_conditions_decided_at_the_meeting_are_attached_to_the_gate_decision(self, agency_staff, members):
        meeting, item = _meeting_in_session(agency_staff, members, members[:3])
        decision = services.decide_item(
            actor=members[0],
            item=item,
            outcome="approve_with_conditions",
            text="Med betingelser.",
            by_consensus=True,
            conditions=[NewCondition("Manual færdig", agency_staff, datetime.date(2027, 6, 1))],
        )
        assert list(DecisionCondition.objects.values_list("text", "decision_id")) == [
            ("Manual færdig", decision.gate_decision_id)
        ]

    def test_only_members_present_and_only_the_steering_group(self, agency_staff, members, aarhus_caseworker):
        meeting = services.plan_meeting(actor=agency_staff, held_on=datetime.date(2026, 12, 10))
        with pytest.raises(PermissionDenied):
            services.open_meeting(
                actor=agency_staff, meeting=meeting, members_present=members, chair=members[0]
            )
        with pytest.raises(DomainError):
            services.open_meeting(
                actor=members[0],
                meeting=meeting,
                members_present=[members[0], agency_staff],
                chair=members[0],
            )
        with pytest.raises(DomainError):
            services.open_meeting(
                actor=members[0], meeting=meeting, members_present=members[1:], chair=members[0]
            )

    def test_items_are_decided_only_in_session(self, agency_staff, members):
        meeting = services.plan_meeting(actor=agency_staff, held_on=datetime.date(2026, 12, 10))
        item = services.add_agenda_item(
            actor=agency_staff, meeting=meeting, kind=ItemKind.OTHER, title="Status"
        )
        with pytest.raises(MeetingActionNotAllowed):
            services.decide_item(
                actor=members[0], item=item, outcome="Taget til efterretning", text="x", by_consensus=True
            )


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "referat.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.django_db
def test_closing_renders_danish_minutes_as_a_pdf_with_their_hash(
    agency_staff, members, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    meeting, item = _meeting_in_session(agency_staff, members, members[:4])
    services.record_recusal(actor=members[0], item=item, member=members[3], reason="Ansat i Aarhus Kommune")
    services.decide_item(
        actor=members[0],
        item=item,
        outcome="approve",
        text="Klar til næste fase.",
        votes={members[0].pk: "for", members[1].pk: "for", members[2].pk: "abstain"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.close_meeting(actor=members[0], meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.minutes_status == "done", meeting.minutes_error
    pdf = bytes(meeting.minutes_pdf)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == meeting.minutes_sha256
    text = " ".join(_pdf_text(pdf, tmp_path).split())
    for expected in (
        "Referat af styregruppemøde",
        "Anne Andersen",
        "Godkend",
        "Undlod at stemme",
        "Ansat i Aarhus Kommune",
        item.gate_review.fact_snapshots.last().sha256[:20],
    ):
        assert expected in text


@pytest.mark.django_db
def test_with_decisions_at_meetings_one_member_cannot_decide_alone(agency_staff, members, settings):
    from tests.conftest import logged_in

    settings.GATE_DECISIONS_AT_MEETINGS = True
    review = _submitted_review(agency_staff)
    from indsats.interventions.workflow import DecideAtMeeting

    with pytest.raises(DecideAtMeeting):
        intervention_services.decide_gate_review(
            actor=members[0],
            review=review,
            decision="approve",
            reason="Alene.",
            expected_version=review.version + 1,
        )
    client = logged_in(members[0])
    api = client.post(
        f"/api/interventions/gate-reviews/{review.pk}/decision",
        {"decision": "approve", "reason": "Alene.", "version": review.version + 1},
        content_type="application/json",
    )
    assert api.status_code == 403
    page = client.get(f"/indsatser/gate-reviews/{review.pk}/").content.decode()
    assert "Gem afgørelsen" not in page and "på et møde" in page
    # at a meeting with quorum it is decided
    meeting, item = _meeting_in_session(agency_staff, members, members[:3], review=review)
    services.decide_item(actor=members[0], item=item, outcome="approve", text="Sammen.", by_consensus=True)
    review.refresh_from_db()
    assert review.status == ReviewStatus.DECIDED
