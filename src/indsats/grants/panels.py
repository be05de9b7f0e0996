"""Front-page panels: the agency's pools, applications and overdue reports, and open pools for applicants."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.accounts.permissions import APPLY_FOR_GRANTS, MANAGE_POOLS, has_permission, organisation_ids_of
from indsats.db import compiled_queries
from indsats.grants import selectors
from indsats.grants.access import is_grants_staff
from indsats.grants.models import Application, ApplicationStatus, Pool, PoolStatus
from indsats.ui.panels import LiveFact, Panel, counts, register_panel


@register_panel
def pools_panel(user: User) -> Panel | None:
    if has_permission(user, MANAGE_POOLS):
        # the staff's counts are the same SQL for every one of them: compiled once per process
        drafts, submitted, overdue = compiled_queries.counts(
            "pools panel",
            lambda values: _pools_counted(user, values["today"]),
            {"today": timezone.localdate()},
        )
        return Panel(
            title=_("Puljer og tilskud"),
            facts=[
                (_("Puljer i kladde"), drafts),
                (_("Ansøgninger til vurdering"), submitted),
                (_("Rapporter for sent"), overdue),
            ],
            links=[(_("Puljer"), reverse("grants:index")), (_("Tilskud"), reverse("grants:grant_list"))],
            order=25,
        )
    return None


def _pools_counted(user: User, today: datetime.date) -> tuple[QuerySet[Any], ...]:
    return (
        Pool.objects.filter(status=PoolStatus.DRAFT),
        Application.objects.filter(status=ApplicationStatus.SUBMITTED),
        selectors.overdue_duties(user=user, today=today),
    )


@register_panel
def applicant_pools_panel(user: User) -> Panel | None:
    if has_permission(user, MANAGE_POOLS):
        return None  # the agency's panel above
    if has_permission(user, APPLY_FOR_GRANTS):
        drafts, overdue, open_now = _applicant_counts(user)
        return Panel(
            title=_("Puljer"),
            facts=[
                # read with the panel when it could be; a kept copy reads it anew
                (_("Åbne puljer"), LiveFact(open_pool_count, now=open_now)),
                (_("Jeres kladder"), drafts),
                (_("Rapporter for sent"), overdue),
            ],
            links=[
                (_("Se puljerne"), reverse("grants:index")),
                (_("Jeres ansøgninger"), reverse("grants:application_list")),
            ],
            order=30,
        )
    return None


def _applicant_counts(user: User) -> tuple[int, int, tuple[int, ...]]:
    """The applicant's drafts and overdue reports, and (the pools open now,) when read with them (else
    ()); an applicant's through a query compiled once per process and number of organisations
    (db.compiled_queries), which counts the open pools too."""
    organisations = tuple(sorted(organisation_ids_of(user)))
    if is_grants_staff(user) or not organisations:
        drafts, overdue = counts(
            selectors.application_list(user=user).filter(status=ApplicationStatus.DRAFT),
            selectors.overdue_duties(user=user),
        )
        return drafts, overdue, ()
    values = {"organisations": organisations, "today": timezone.localdate(), "now": timezone.now()}
    drafts, overdue, open_now = compiled_queries.counts("applicant's panel", _applicant_counts_query, values)
    return drafts, overdue, (open_now,)


def _applicant_counts_query(values: compiled_queries.Values) -> list[QuerySet[Any]]:
    organisations = values["organisations"]
    return [
        Application.objects.filter(applicant_id__in=organisations, status=ApplicationStatus.DRAFT),
        selectors.applicants_overdue_duties(organisations, values["today"]),
        selectors.open_pools(now=values["now"]),
    ]


def open_pool_count() -> int:
    """The pools open at this instant, read on every request: a pool opens and closes at its own minute,
    without a write (through a query compiled once per process: db.compiled_queries)."""
    (count,) = compiled_queries.counts("open pools", _open_pools_query, {"now": timezone.now()})
    return count


def _open_pools_query(values: compiled_queries.Values) -> list[QuerySet[Any]]:
    return [selectors.open_pools(now=values["now"])]
