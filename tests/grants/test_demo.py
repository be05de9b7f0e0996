"""The demo data holds a realistic programme year and never spends over a budget."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indsats.accounts.models import User
from indsats.dashboard.demo import load_demo
from indsats.grants import selectors
from indsats.grants.models import (
    ApplicationStatus,
    Grant,
    GrantStatus,
    Initiative,
    Pool,
    ProgrammeYear,
    RepaymentStatus,
)


@pytest.mark.django_db
def test_the_demo_holds_a_realistic_programme_year():
    load_demo(scale=1, log=lambda _message: None)
    year = ProgrammeYear.objects.get(year=2020)
    assert year.frame == Decimal("90000000")
    assert year.initiatives.count() == 5
    assert sum(i.budget for i in Initiative.objects.all()) == year.frame
    decided = Pool.objects.get(budget=Decimal("12000000"))
    awarded = decided.applications.filter(status=ApplicationStatus.AWARDED).count()
    assert 6 <= awarded <= 10
    assert decided.committed_amount <= decided.budget
    open_to_all = Pool.objects.get(title="Tidlig indsats: regioner og sociale tilbud")
    kinds = set(
        open_to_all.applications.filter(status=ApplicationStatus.AWARDED).values_list(
            "applicant__kind", flat=True
        )
    )
    assert kinds == {"region", "service_provider"}
    assert Grant.objects.count() == awarded + 2
    assert Pool.objects.filter(status="published").count() == 5
    closed = Grant.objects.get(status=GrantStatus.COMPLETED)
    claim = closed.repayment_claims.get()
    # 90 % spent of what was paid in full: a tenth comes back, rounded to whole kroner.
    assert claim.amount == closed.amount - (closed.amount * Decimal("0.9")).quantize(Decimal("1"))
    assert claim.status == RepaymentStatus.PAID
    assert Grant.objects.filter(status=GrantStatus.REPORTING).count() == 2


@pytest.mark.django_db
def test_the_demo_looks_like_a_programme_followed_up_today():
    """Not 54 reports "for sent" from 2020: the grantees reported when due; a few are outstanding."""
    load_demo(scale=1, log=lambda _message: None)
    staff = User.objects.get(username="styrelse")
    overdue = selectors.overdue_duties(user=staff).count()
    # the close-out story's returned accounts, and the final reports of the one grant still awaiting them
    assert 0 < overdue <= 4
