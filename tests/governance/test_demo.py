"""The steering group's demo data loads with the rest and is what the pages show."""

from __future__ import annotations

import pytest

from indsats.dashboard.demo import load_demo
from indsats.governance.evidence import follow_up_shares
from indsats.governance.models import Meeting
from indsats.interventions.models import OperationReport


@pytest.mark.django_db
def test_the_demo_has_a_meeting_with_an_agenda_and_answers_on_operation():
    load_demo(scale=1, log=lambda _message: None)
    meeting = Meeting.objects.get()
    assert meeting.quorum == 2  # three members: a majority
    assert meeting.items.filter(kind="gate_review").exists() and meeting.items.filter(kind="other").exists()
    report = OperationReport.objects.filter(answered_at__isnull=False).first()
    assert report is not None
    assert any(s.answered for s in follow_up_shares(report.partnership.intervention))
