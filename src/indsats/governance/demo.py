"""The steering group's demo data: two more members (so a quorum means something), the next meeting
with the waiting gate reviews on its agenda, and partner municipalities of interventions in ordinary
operation whose funding ended, with their answers on operation (12 and 24 months after)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from indsats.accounts.demo import DemoContext
from indsats.accounts.models import Membership, Role, User
from indsats.governance.models import AgendaItem, ItemKind, Meeting
from indsats.governance.services.meetings import default_quorum
from indsats.governance.services.operations import ANSWER_WITHIN_DAYS, add_months
from indsats.interventions.models import (
    GateReview,
    OperationReport,
    OperationStatus,
    Partnership,
    ReviewStatus,
)
from indsats.interventions.workflow import InterventionState


def load(context: DemoContext) -> None:
    steering_group = context.objects["steering_group"]
    for username, first, last in (("styregruppe2", "Karen", "Kommunal"), ("styregruppe3", "Ole", "Forsker")):
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@indsats.example")
        user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, organisation=steering_group, role=Role.STEERING_GROUP)

    today = timezone.localdate()
    meeting = Meeting.objects.create(
        held_on=today + datetime.timedelta(days=14),
        location="Social- og Boligstyrelsen, Odense",
        quorum=default_quorum(),
        created_by=context.objects["users"].get("styrelse"),
    )
    waiting = GateReview.objects.filter(status=ReviewStatus.SUBMITTED).select_related("intervention")[:4]
    items = [
        AgendaItem(meeting=meeting, position=n, kind=ItemKind.GATE_REVIEW, title=str(r), gate_review=r)
        for n, r in enumerate(waiting, start=1)
    ]
    items.append(
        AgendaItem(
            meeting=meeting, position=len(items) + 1, kind=ItemKind.OTHER, title="Status på programmet"
        )
    )
    AgendaItem.objects.bulk_create(items)

    rng = context.rng
    partnerships = Partnership.objects.filter(intervention__state=InterventionState.OPERATION).order_by("pk")
    reports = []
    for partnership in partnerships[: 12 * context.scale]:
        ended = today - datetime.timedelta(days=rng.randint(400, 900))
        partnership.funding_ended_on = ended
        partnership.save(update_fields=["funding_ended_on"])
        for months in (12, 24):
            anniversary = add_months(ended, months)
            if anniversary > today:
                break
            answered = rng.random() < 0.85
            status = rng.choices(list(OperationStatus), weights=[6, 3, 2])[0] if answered else ""
            operating = status in (OperationStatus.AS_DESIGNED, OperationStatus.ADAPTED)
            children = rng.randint(6, 40) if operating else None
            reports.append(
                OperationReport(
                    partnership=partnership,
                    months_after_funding=months,
                    due_on=anniversary + datetime.timedelta(days=ANSWER_WITHIN_DAYS),
                    answered_at=timezone.now() if answered else None,
                    status=status,
                    reason="" if status == OperationStatus.AS_DESIGNED else "Tilpasset kommunens budget",
                    financing=("own_budget" if operating else "none") if answered else "",
                    children_served=children,
                    annual_cost=Decimal(children * rng.randint(12, 30) * 1000) if children else None,
                )
            )
    OperationReport.objects.bulk_create(reports)
    context.log(f"    1 meeting with {len(items)} items, {len(reports)} follow-ups on operation")
