"""Programmes, their years and the initiatives the years fund."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.accounts.permissions import MANAGE_POOLS, require_permission
from indsats.audit.services import record_create, record_update, snapshot
from indsats.grants.errors import BudgetExceeded, GrantsError
from indsats.grants.models import ZERO, Initiative, Programme, ProgrammeYear
from indsats.interventions.models import Intervention
from indsats.ui.formatting import kroner


@transaction.atomic
def create_programme(*, actor: User, name: str, description: str = "") -> Programme:
    require_permission(actor, MANAGE_POOLS)
    if Programme.objects.filter(name__iexact=name.strip()).exists():
        raise GrantsError(
            _("Der findes allerede et program med navnet “%(name)s”.") % {"name": name}, field="name"
        )
    programme = Programme.objects.create(name=name.strip(), description=description)
    record_create(actor=actor, instance=programme)
    return programme


@transaction.atomic
def save_programme_year(
    *,
    actor: User,
    programme: Programme,
    year: int,
    frame: Decimal,
    recommendation: str = "",
    recommended_on: datetime.date | None = None,
    decision: str = "",
    decided_on: datetime.date | None = None,
    instance: ProgrammeYear | None = None,
) -> ProgrammeYear:
    """Create or update a programme year. The frame may not fall below what its initiatives budget."""
    require_permission(actor, MANAGE_POOLS)
    if frame < 0:
        raise GrantsError(_("Rammen kan ikke være negativ."), field="frame")
    if instance is None:
        if ProgrammeYear.objects.filter(programme=programme, year=year).exists():
            raise GrantsError(
                _("%(programme)s har allerede året %(year)s.") % {"programme": programme, "year": year},
                field="year",
            )
        programme_year = ProgrammeYear.objects.create(
            programme=programme,
            year=year,
            frame=frame,
            recommendation=recommendation,
            recommended_on=recommended_on,
            decision=decision,
            decided_on=decided_on,
        )
        record_create(actor=actor, instance=programme_year)
        return programme_year
    programme_year = ProgrammeYear.objects.select_for_update().get(pk=instance.pk)
    budgeted = programme_year.initiatives.aggregate(total=Sum("budget"))["total"] or ZERO
    if frame < budgeted:
        raise BudgetExceeded(
            _("Rammen kan ikke være mindre end initiativernes budgetter i alt (%(total)s).")
            % {"total": kroner(budgeted)},
            field="frame",
        )
    before = snapshot(programme_year)
    programme_year.frame, programme_year.recommendation = frame, recommendation
    programme_year.recommended_on, programme_year.decision, programme_year.decided_on = (
        recommended_on,
        decision,
        decided_on,
    )
    programme_year.save()
    record_update(actor=actor, instance=programme_year, before=before)
    return programme_year


@transaction.atomic
def create_initiative(
    *,
    actor: User,
    programme_year: ProgrammeYear,
    name: str,
    budget: Decimal,
    description: str = "",
    intervention: Intervention | None = None,
) -> Initiative:
    """An initiative's budget comes out of the year's frame: the budgets never add up to more."""
    require_permission(actor, MANAGE_POOLS)
    year = ProgrammeYear.objects.select_for_update().get(pk=programme_year.pk)
    budgeted = year.initiatives.aggregate(total=Sum("budget"))["total"] or ZERO
    if budget <= 0:
        raise GrantsError(_("Budgettet skal være større end 0 kr."), field="budget")
    if budgeted + budget > year.frame:
        raise BudgetExceeded(
            _(
                "Budgettet overskrider årets ramme: %(frame)s, heraf %(used)s givet til andre "
                "initiativer, så højst %(left)s er tilbage."
            )
            % {"frame": kroner(year.frame), "used": kroner(budgeted), "left": kroner(year.frame - budgeted)},
            field="budget",
        )
    if year.initiatives.filter(name__iexact=name.strip()).exists():
        raise GrantsError(_("Året har allerede et initiativ med det navn."), field="name")
    initiative = Initiative.objects.create(
        programme_year=year,
        name=name.strip(),
        budget=budget,
        description=description,
        intervention=intervention,
    )
    record_create(actor=actor, instance=initiative)
    return initiative
