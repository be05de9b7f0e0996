"""Steering-group meetings: plan, build the agenda, record who is present and who chairs, decide each
item collectively (quorum, votes or consensus, recusals), close and render the minutes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.audit.models import AuditAction
from indsats.audit.services import record, record_create, snapshot
from indsats.errors import DomainError
from indsats.governance import access, tasks
from indsats.governance.models import AgendaItem, ItemDecision, ItemKind, Meeting, Position, Recusal, Vote
from indsats.governance.selectors import steering_group_members
from indsats.governance.workflow import MeetingAction, MeetingStatus, QuorumNotMet
from indsats.grants.models import ProgrammeYear
from indsats.interventions import services as intervention_services
from indsats.interventions.models import GateReview, ReviewStatus
from indsats.interventions.services import NewCondition
from indsats.interventions.workflow import DECISIONS


def default_quorum() -> int:
    """settings.STEERING_GROUP_QUORUM, or (when 0) a majority of the steering group's members."""
    configured: int = settings.STEERING_GROUP_QUORUM
    if configured > 0:
        return configured
    return len(steering_group_members()) // 2 + 1


def _transition(*, actor: User, meeting: Meeting, action: str, message: str = "") -> None:
    """Move the meeting along its table row (already checked) and record it."""
    row = access.require_meeting_action(actor, meeting, action)
    if row.to_state != meeting.status:
        before = snapshot(meeting)
        meeting.status = row.to_state
        meeting.save(update_fields=["status"])
        after = snapshot(meeting)
        record(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=meeting,
            changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
            message=message or str(MeetingAction(action).label),
        )


@transaction.atomic
def plan_meeting(
    *, actor: User, held_on: datetime.date, location: str = "", quorum: int | None = None
) -> Meeting:
    """The agency plans a meeting; the quorum is fixed now (the configured rule, unless given)."""
    access.require_plan_meetings(actor)
    if quorum is not None and quorum < 1:
        raise DomainError(_("Beslutningsdygtigheden skal være mindst ét medlem."), field="quorum")
    meeting = Meeting.objects.create(
        held_on=held_on,
        location=location.strip(),
        quorum=quorum if quorum is not None else default_quorum(),
        created_by=actor,
    )
    record_create(actor=actor, instance=meeting)
    return meeting


@transaction.atomic
def add_agenda_item(
    *,
    actor: User,
    meeting: Meeting,
    kind: str,
    title: str = "",
    description: str = "",
    gate_review: GateReview | None = None,
    programme_year: ProgrammeYear | None = None,
) -> AgendaItem:
    """Put an item on a planned meeting's agenda: a gate review waiting for the steering group, a
    programme year's allocation, or another item."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    access.require_meeting_action(actor, meeting, MeetingAction.EDIT_AGENDA)
    if kind not in ItemKind.values:
        raise DomainError(_("Vælg punktets type."), field="kind")
    if kind == ItemKind.GATE_REVIEW:
        if gate_review is None or gate_review.status != ReviewStatus.SUBMITTED:
            raise DomainError(_("Vælg en gate review, der venter på styregruppen."), field="gate_review")
        title = title.strip() or str(gate_review)
    if kind == ItemKind.ALLOCATION:
        if programme_year is None:
            raise DomainError(_("Vælg programåret."), field="programme_year")
        title = title.strip() or _("Udmøntning %(year)s") % {"year": programme_year}
    if not title.strip():
        raise DomainError(_("Skriv punktets overskrift."), field="title")
    position = (meeting.items.aggregate(last=Max("position"))["last"] or 0) + 1
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=position,
        kind=kind,
        title=title.strip()[:300],
        description=description.strip(),
        gate_review=gate_review if kind == ItemKind.GATE_REVIEW else None,
        programme_year=programme_year if kind == ItemKind.ALLOCATION else None,
    )
    record_create(actor=actor, instance=item)
    return item


@transaction.atomic
def open_meeting(*, actor: User, meeting: Meeting, members_present: Iterable[User], chair: User) -> Meeting:
    """Record who is present and who chairs; the meeting is then in session and its items can be decided."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    access.require_meeting_action(actor, meeting, MeetingAction.OPEN)
    members = {m.pk for m in steering_group_members()}
    present = list({u.pk: u for u in members_present}.values())
    strangers = [u for u in present if u.pk not in members]
    if strangers:
        raise DomainError(
            _("Kun styregruppens medlemmer kan registreres som fremmødte: %(names)s.")
            % {"names": ", ".join(u.get_full_name() or u.username for u in strangers)},
            field="members_present",
        )
    if chair.pk not in {u.pk for u in present}:
        raise DomainError(_("Mødelederen skal være blandt de fremmødte."), field="chair")
    meeting.chair = chair
    meeting.save(update_fields=["chair"])
    meeting.members_present.set(present)
    names = ", ".join(sorted(u.get_full_name() or u.username for u in present))
    _transition(
        actor=actor,
        meeting=meeting,
        action=MeetingAction.OPEN,
        message=_("Fremmødte: %(names)s. Mødeleder: %(chair)s.")
        % {"names": names, "chair": chair.get_full_name() or chair.username},
    )
    return meeting


@transaction.atomic
def record_recusal(*, actor: User, item: AgendaItem, member: User, reason: str) -> Recusal:
    """A member stands aside from an item for a conflict of interest, before it is decided."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    if meeting.status == MeetingStatus.PLANNED:
        access.require_meeting_action(actor, meeting, MeetingAction.EDIT_AGENDA)
    else:
        access.require_meeting_action(actor, meeting, MeetingAction.DECIDE)
    if ItemDecision.objects.filter(item=item).exists():
        raise DomainError(_("Punktet er allerede besluttet."))
    if not reason.strip():
        raise DomainError(_("Skriv hvorfor medlemmet er inhabilt."), field="reason")
    if member.pk not in {m.pk for m in steering_group_members()}:
        raise DomainError(_("Vælg et medlem af styregruppen."), field="member")
    if Recusal.objects.filter(item=item, member=member).exists():
        raise DomainError(_("Medlemmet er allerede registreret som inhabilt."), field="member")
    recusal = Recusal.objects.create(item=item, member=member, reason=reason.strip()[:500])
    record_create(actor=actor, instance=recusal)
    return recusal


def eligible_members(item: AgendaItem) -> list[User]:
    """The members present who have not stood aside from the item: they decide it and count to quorum."""
    recused = set(item.recusals.values_list("member_id", flat=True))
    return [u for u in item.meeting.members_present.order_by("pk") if u.pk not in recused]


@transaction.atomic
def decide_item(
    *,
    actor: User,
    item: AgendaItem,
    outcome: str,
    text: str,
    by_consensus: bool = False,
    votes: Mapping[int, str] | None = None,
    conditions: Sequence[NewCondition] = (),
) -> ItemDecision:
    """Record the steering group's collective decision on an item.

    Refused without quorum (members present and not standing aside < the meeting's quorum). Without
    consensus, every eligible member's position (for / against / abstain) is recorded, nobody else's,
    and the proposal carries only with more for than against. A gate-review item decides the review
    (interventions.services.decide_gate_review: facts frozen, the intervention moved, conditions
    attached); an allocation item records the programme year's recommendation."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    access.require_meeting_action(actor, meeting, MeetingAction.DECIDE)
    item = AgendaItem.objects.select_related("gate_review", "programme_year", "meeting").get(pk=item.pk)
    if ItemDecision.objects.filter(item=item).exists():
        raise DomainError(_("Punktet er allerede besluttet."))
    eligible = eligible_members(item)
    if len(eligible) < meeting.quorum:
        raise QuorumNotMet(eligible=len(eligible), quorum=meeting.quorum)
    if not text.strip():
        raise DomainError(_("Skriv beslutningens begrundelse."), field="text")
    if item.kind == ItemKind.GATE_REVIEW and outcome not in DECISIONS:
        raise DomainError(_("Vælg en afgørelse."), field="outcome")
    if not outcome.strip():
        raise DomainError(_("Skriv beslutningen."), field="outcome")
    positions = _checked_votes(eligible, votes or {}, by_consensus)

    gate_decision = None
    if item.kind == ItemKind.GATE_REVIEW and item.gate_review is not None:
        review = item.gate_review
        gate_decision = intervention_services.decide_gate_review(
            actor=actor,
            review=review,
            decision=outcome,
            reason=text,
            expected_version=GateReview.objects.values_list("version", flat=True).get(pk=review.pk),
            condition_items=conditions,
            at_meeting=True,
        )
    elif conditions:
        raise DomainError(_("Kun en gate review kan godkendes med betingelser."), field="conditions")
    if item.kind == ItemKind.ALLOCATION and item.programme_year is not None:
        _record_recommendation(actor=actor, programme_year=item.programme_year, text=text, on=meeting.held_on)

    assert meeting.chair is not None  # set when the meeting was opened
    decision = ItemDecision.objects.create(
        item=item,
        outcome=outcome.strip()[:40],
        text=text.strip(),
        by_consensus=by_consensus,
        chair=meeting.chair,
        members_eligible=len(eligible),
        gate_decision=gate_decision,
        recorded_by=actor,
    )
    Vote.objects.bulk_create(Vote(decision=decision, member_id=pk, position=p) for pk, p in positions.items())
    tally = _("i enighed") if by_consensus else _tally(positions)
    record_create(actor=actor, instance=decision, message=f"{item.title}: {outcome} ({tally})"[:500])
    return decision


def _checked_votes(eligible: list[User], votes: Mapping[int, str], by_consensus: bool) -> dict[int, str]:
    if by_consensus:
        if votes:
            raise DomainError(_("En beslutning i enighed har ingen stemmer."), field="votes")
        return {}
    eligible_ids = {u.pk for u in eligible}
    outsiders = set(votes) - eligible_ids
    if outsiders:
        raise DomainError(_("Kun fremmødte medlemmer, der ikke er inhabile, kan stemme."), field="votes")
    missing = [u for u in eligible if u.pk not in votes]
    if missing:
        raise DomainError(
            _("Registrér stemmen for hvert fremmødt medlem: %(names)s mangler.")
            % {"names": ", ".join(u.get_full_name() or u.username for u in missing)},
            field="votes",
        )
    if any(p not in Position.values for p in votes.values()):
        raise DomainError(_("En stemme er for, imod eller undlader."), field="votes")
    positions = dict(votes)
    in_favour = sum(1 for p in positions.values() if p == Position.FOR)
    against = sum(1 for p in positions.values() if p == Position.AGAINST)
    if in_favour <= against:
        raise DomainError(
            _("Forslaget har ikke flertal (%(for)s for, %(against)s imod).")
            % {"for": in_favour, "against": against},
            field="votes",
        )
    return positions


def _tally(positions: Mapping[int, str]) -> str:
    counts = {p: sum(1 for v in positions.values() if v == p) for p in Position.values}
    return _("%(for)s for, %(against)s imod, %(abstain)s undlod") % {
        "for": counts["for"],
        "against": counts["against"],
        "abstain": counts["abstain"],
    }


def _record_recommendation(
    *, actor: User, programme_year: ProgrammeYear, text: str, on: datetime.date
) -> None:
    before = snapshot(programme_year)
    programme_year.recommendation = text.strip()
    programme_year.recommended_on = on
    programme_year.save(update_fields=["recommendation", "recommended_on"])
    after = snapshot(programme_year)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=programme_year,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
        message=_("Styregruppens indstilling vedtaget på mødet"),
    )


@transaction.atomic
def close_meeting(*, actor: User, meeting: Meeting) -> Meeting:
    """End the meeting; the minutes (Danish, A4 PDF) are rendered by a background task after commit."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _transition(actor=actor, meeting=meeting, action=MeetingAction.CLOSE)
    meeting.minutes_status = "queued"
    meeting.save(update_fields=["minutes_status"])
    meeting_id = meeting.pk
    transaction.on_commit(lambda: tasks.render_minutes_pdf.enqueue(meeting_id=meeting_id))
    return meeting
