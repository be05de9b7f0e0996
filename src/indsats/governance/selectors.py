"""Reads of the steering group's record, scoped by access.py (the agency and the steering group)."""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple

from django.db.models import Count, Func, IntegerField, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from indsats.accounts.models import Membership, Role, User
from indsats.accounts.permissions import municipality_ids_of, restrict_to_municipalities
from indsats.db import compiled_queries
from indsats.db.compiled_lookups import CompiledQuery
from indsats.governance import access
from indsats.governance.models import AgendaItem, Meeting
from indsats.governance.workflow import MeetingStatus
from indsats.interventions.models import UNMET_CONDITION_STATUSES, DecisionCondition, OperationReport


def steering_group_members() -> list[User]:
    """Active people holding the steering-group role in an active organisation."""
    ids = Membership.objects.filter(
        role=Role.STEERING_GROUP, organisation__is_active=True, user__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "username"))


def meetings(*, user: User) -> QuerySet[Meeting]:
    access.require_sees_meetings(user)
    return (
        Meeting.objects.select_related("chair")
        .annotate(item_count=Count("items"))
        .defer("minutes_pdf")
        .order_by("-held_on", "-id")
    )


def meeting_detail(*, user: User, pk: int) -> Meeting:
    access.require_sees_meetings(user)
    items = AgendaItem.objects.select_related(
        "gate_review__intervention", "programme_year__programme", "decision__chair"
    ).prefetch_related("recusals__member", "decision__votes__member")
    try:
        return (
            Meeting.objects.select_related("chair")
            .prefetch_related("members_present", Prefetch("items", queryset=items))
            .defer("minutes_pdf")
            .get(pk=pk)
        )
    except Meeting.DoesNotExist as missing:
        raise Http404 from missing


def next_meeting(*, user: User) -> Meeting | None:
    access.require_sees_meetings(user)
    return (
        Meeting.objects.filter(held_on__gte=timezone.localdate())
        .exclude(status=MeetingStatus.CLOSED)
        # an item's heading names its gate review and the review its intervention: both in the one query
        .prefetch_related(
            Prefetch("items", queryset=AgendaItem.objects.select_related("gate_review__intervention"))
        )
        .order_by("held_on", "pk")
        .first()
    )


class NextMeeting(NamedTuple):
    pk: int
    held_on: datetime.date


def next_meeting_brief(*, user: User) -> tuple[NextMeeting | None, list[AgendaItem], int]:
    """The next meeting (its id and date), its first BRIEF_ITEMS items and how many conditions are overdue,
    for the front page: two queries, the count asked inside the meeting's (or alone when no meeting is
    planned), both compiled once per process (their ORM compiling cost more than their answer, issue #16)."""
    access.require_sees_meetings(user)
    today = timezone.localdate()
    found = compiled_queries.rows("next meeting brief", _next_meeting_with_overdue, {"today": today})
    if not found:
        return None, [], overdue_conditions(user=user).count()
    pk, held_on, overdue = found[0]
    return NextMeeting(pk, held_on), _BRIEF_AGENDA.rows(pk), overdue


BRIEF_ITEMS = 6


def _next_meeting_with_overdue(values: compiled_queries.Values) -> QuerySet[Any]:
    overdue = (
        _overdue_conditions_on(values["today"])
        .order_by()
        .annotate(n=Func(function="COUNT", template="COUNT(*)", output_field=IntegerField()))
        .values("n")
    )
    return (
        Meeting.objects.filter(held_on__gte=values["today"])
        .exclude(status=MeetingStatus.CLOSED)
        .annotate(overdue=Subquery(overdue))
        .order_by("held_on", "pk")
        .values_list("pk", "held_on", "overdue")[:1]
    )


# an item's heading names its gate review and the review its intervention: both in the one query, with only
# what the heading reads (not the texts of the item, the review and the intervention)
_BRIEF_AGENDA = CompiledQuery[AgendaItem](
    lambda meeting_id: (
        AgendaItem.objects.filter(meeting_id=meeting_id)
        .select_related("gate_review__intervention")
        .only("meeting_id", "position", "title", "gate_review__phase", "gate_review__intervention__name")[
            :BRIEF_ITEMS
        ]
    )
)


def overdue_conditions(*, user: User) -> QuerySet[DecisionCondition]:
    """Conditions past their deadline that are neither met nor waived."""
    access.require_sees_meetings(user)
    return (
        _overdue_conditions_on(timezone.localdate())
        .select_related("intervention", "owner")
        .order_by("deadline", "pk")
    )


def _overdue_conditions_on(day: datetime.date) -> QuerySet[DecisionCondition]:
    return DecisionCondition.objects.filter(status__in=UNMET_CONDITION_STATUSES, deadline__lt=day)


def open_conditions(*, user: User) -> QuerySet[DecisionCondition]:
    access.require_sees_meetings(user)
    return (
        DecisionCondition.objects.filter(status__in=UNMET_CONDITION_STATUSES)
        .select_related("intervention", "owner", "decision")
        .order_by("deadline", "pk")
    )


def meeting_with_minutes(*, user: User, pk: int) -> Meeting:
    access.require_sees_meetings(user)
    try:
        return Meeting.objects.get(pk=pk)
    except Meeting.DoesNotExist as missing:
        raise Http404 from missing


def operation_reports(*, user: User) -> QuerySet[OperationReport]:
    """The follow-ups on operation: a municipality sees its own; the agency and the steering group all."""
    reports = OperationReport.objects.select_related("partnership__intervention", "partnership__municipality")
    if access.sees_meetings(user):
        return reports.order_by("answered_at", "due_on", "pk")
    return restrict_to_municipalities(user, reports, "partnership__municipality").order_by(
        "answered_at", "due_on", "pk"
    )


def operation_report(*, user: User, pk: int) -> OperationReport:
    """A follow-up the person's municipality answers (404 for any other)."""
    reports = OperationReport.objects.select_related("partnership__intervention", "partnership__municipality")
    try:
        report = reports.get(pk=pk)
    except OperationReport.DoesNotExist as missing:
        raise Http404 from missing
    if report.partnership.municipality_id not in municipality_ids_of(user):
        raise Http404
    return report
