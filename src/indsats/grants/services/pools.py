"""Application pools: created as drafts under an initiative, edited while drafts, then published."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.accounts.permissions import MANAGE_POOLS, require_permission
from indsats.audit.services import record_create, record_update, snapshot
from indsats.grants import access
from indsats.grants.errors import BudgetExceeded, DeadlinePassed, GrantsError
from indsats.grants.models import ZERO, AwardCriterion, Initiative, Pool, PoolCriterion
from indsats.grants.scoring import DEFAULT_WEIGHTS, check_weights
from indsats.grants.services.newsletter import send_to_subscribers
from indsats.grants.workflow import PoolAction
from indsats.ui.formatting import kroner

# The terms of a draft pool that `update_pool` may change.
POOL_TERMS = frozenset(
    {
        "title",
        "purpose",
        "target_group",
        "eligible_applicants",
        "budget",
        "max_per_grant",
        "opens_at",
        "deadline",
        "required_attachments",
        "questions",
        "expected_decision_on",
    }
)


def _check_terms(
    *,
    initiative: Initiative,
    budget: Decimal,
    max_per_grant: Decimal,
    opens_at: datetime.datetime,
    deadline: datetime.datetime,
    eligible_applicants: list[str],
    exclude_pk: int | None = None,
) -> None:
    errors: dict[str, str] = {}
    if budget <= 0:
        errors["budget"] = _("Puljens budget skal være større end 0 kr.")
    if max_per_grant <= 0 or max_per_grant > budget:
        errors["max_per_grant"] = _("Det højeste tilskud skal være over 0 kr. og højst puljens budget.")
    if opens_at >= deadline:
        errors["deadline"] = _("Ansøgningsfristen skal ligge efter puljens åbning.")
    if not eligible_applicants:
        errors["eligible_applicants"] = _("Vælg mindst én type ansøger.")
    if errors:
        raise GrantsError(errors)
    others_qs = initiative.pools.all() if exclude_pk is None else initiative.pools.exclude(pk=exclude_pk)
    others = others_qs.aggregate(total=Sum("budget"))["total"] or ZERO
    if others + budget > initiative.budget:
        raise BudgetExceeded(
            _(
                "Puljen overskrider initiativets budget på %(budget)s: andre puljer har %(used)s, "
                "så højst %(left)s er tilbage."
            )
            % {
                "budget": kroner(initiative.budget),
                "used": kroner(others),
                "left": kroner(initiative.budget - others),
            },
            field="budget",
        )


@transaction.atomic
def create_pool(
    *,
    actor: User,
    initiative: Initiative,
    title: str,
    purpose: str,
    target_group: str,
    eligible_applicants: list[str],
    budget: Decimal,
    max_per_grant: Decimal,
    opens_at: datetime.datetime,
    deadline: datetime.datetime,
    required_attachments: str = "",
    questions: str = "",
    expected_decision_on: datetime.date | None = None,
    weights: Mapping[str, int] | None = None,
) -> Pool:
    """A draft pool with the four award criteria of the executive orders, weighted (100 % in all)."""
    require_permission(actor, MANAGE_POOLS)
    weights = dict(weights or DEFAULT_WEIGHTS)
    check_weights(weights)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    _check_terms(
        initiative=initiative,
        budget=budget,
        max_per_grant=max_per_grant,
        opens_at=opens_at,
        deadline=deadline,
        eligible_applicants=eligible_applicants,
    )
    pool = Pool.objects.create(
        initiative=initiative,
        title=title,
        purpose=purpose,
        target_group=target_group,
        eligible_applicants=list(eligible_applicants),
        budget=budget,
        max_per_grant=max_per_grant,
        opens_at=opens_at,
        deadline=deadline,
        required_attachments=required_attachments,
        questions=questions,
        expected_decision_on=expected_decision_on,
    )
    for criterion in AwardCriterion.values:
        PoolCriterion.objects.create(pool=pool, criterion=criterion, weight=weights.get(criterion, 0))
    record_create(actor=actor, instance=pool)
    return pool


@transaction.atomic
def update_pool(*, actor: User, pool: Pool, weights: Mapping[str, int] | None = None, **terms: Any) -> Pool:
    """Change a pool while it is a draft (a published pool's terms are promised to applicants)."""
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    access.require_action(actor, pool, PoolAction.EDIT)
    before = snapshot(pool)
    for name, value in terms.items():
        if name not in POOL_TERMS:
            raise TypeError(name)
        setattr(pool, name, value)
    initiative = Initiative.objects.select_for_update().get(pk=pool.initiative_id)
    _check_terms(
        initiative=initiative,
        budget=pool.budget,
        max_per_grant=pool.max_per_grant,
        opens_at=pool.opens_at,
        deadline=pool.deadline,
        eligible_applicants=pool.eligible_applicants,
        exclude_pk=pool.pk,
    )
    pool.save()
    if weights is not None:
        check_weights(weights)
        for criterion in pool.criteria.all():
            criterion.weight = weights.get(criterion.criterion, 0)
            criterion.save(update_fields=["weight"])
    record_update(actor=actor, instance=pool, before=before)
    return pool


@transaction.atomic
def publish_pool(*, actor: User, pool: Pool, now: datetime.datetime | None = None) -> Pool:
    """Publish a pool on the public pages and tell the newsletter's subscribers."""
    now = now or timezone.now()
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    row = access.require_action(actor, pool, PoolAction.PUBLISH)
    if pool.deadline <= now:
        raise DeadlinePassed(
            _("Ansøgningsfristen er overskredet; ret fristen, før puljen offentliggøres."), field="deadline"
        )
    before = snapshot(pool)
    pool.status, pool.published_at = row.to_state, now
    pool.save(update_fields=["status", "published_at"])
    record_update(actor=actor, instance=pool, before=before, message="offentliggjort")
    send_to_subscribers(
        subject=_("Ny ansøgningspulje: %(title)s") % {"title": pool.title},
        template="grants/email/new_pool.txt",
        context={"pool": pool},
    )
    return pool
