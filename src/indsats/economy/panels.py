"""The economy panel of the front page, for those who build or follow business cases."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Func, IntegerField, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indsats.accounts.models import User
from indsats.accounts.permissions import municipality_ids_of
from indsats.db import compiled_queries
from indsats.economy import access
from indsats.economy.models import BusinessCase, BusinessCaseResult, ResultStatus
from indsats.evaluation.access import practice_intervention_ids
from indsats.ui.panels import LiveFact, Panel, register_panel


@register_panel
def economy_panel(user: User | AnonymousUser) -> Panel | None:
    if not access.can_read_business_cases(user):
        return None
    links: list[tuple[str | Promise, str]] = [
        (_("Business cases"), reverse("economy:index")),
        (_("Priskatalog"), reverse("economy:catalogue_list")),
    ]
    if access.can_manage_business_cases(user):
        links.insert(1, (_("Ny business case"), reverse("economy:case_create")))
    running: LiveFact
    if access.reads_every_case(user):
        # the cases and the computations running in one query, the same SQL for everyone who reads every
        # case: compiled once per process; a kept copy of the panel reads the computations anew
        count, now = compiled_queries.counts("business cases", _every_case, {})
        running = LiveFact(computations_running, (None,), now=(now,))
    else:
        cases = _practice_cases(user)  # each with its computations running, read in the same query
        case_ids = frozenset(pk for pk, _running in cases)
        count = len(case_ids)
        running = LiveFact(computations_running, (case_ids,), now=(sum(n for _pk, n in cases),))
    return Panel(
        title=_("Økonomi"),
        text=_("Business cases for indsatserne: omkostninger, gevinster og tilbagebetaling pr. betaler."),
        facts=[
            (_("Business cases"), count),
            (_("Beregninger i gang"), running),
        ],
        links=links,
        order=60,
    )


def _practice_cases(user: User | AnonymousUser) -> list[tuple[int, int]]:
    """The cases a municipality's manager reads (access.visible_cases), each with how many of its
    computations are queued or running, by a query compiled once per process and number of municipalities
    and interventions (db.compiled_queries)."""
    values = {"municipalities": tuple(sorted(municipality_ids_of(user)))}
    interventions = tuple(sorted(practice_intervention_ids(user)))
    if interventions:  # none: the national cases' half of the condition is left out, as the ORM leaves it
        values["interventions"] = interventions
    return compiled_queries.rows("practice cases", _practice_cases_query, values)  # type: ignore[return-value]


def _practice_cases_query(values: compiled_queries.Values) -> QuerySet[Any]:
    practice = access.practice_cases(values["municipalities"], values.get("interventions", ()))
    running = (
        _running()
        .filter(case=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(function="COUNT", template="COUNT(*)", output_field=IntegerField()))
        .values("n")
    )
    return (
        BusinessCase.objects.filter(practice)
        .annotate(running=Subquery(running))
        .order_by()
        .values_list("pk", "running")
    )


def _every_case(_values: compiled_queries.Values) -> tuple[QuerySet[Any], ...]:
    return (BusinessCase.objects.all(), _running())


def computations_running(case_ids: frozenset[int] | None) -> int:
    """The computations queued or running of the given cases (None: of every case), read on every request:
    a background task finishes one without a write of the audit trail. Usually there are none at all.
    Its SQL is compiled once per process (db.compiled_queries)."""
    if case_ids is None:
        (running,) = compiled_queries.counts("computations running", _running_counted, {})
        return running
    cases = compiled_queries.rows("computations running: cases", _running_cases, {})
    return sum(1 for (case_id,) in cases if case_id in case_ids)


def _running() -> QuerySet[BusinessCaseResult]:
    return BusinessCaseResult.objects.exclude(status__in=[ResultStatus.DONE, ResultStatus.FAILED])


def _running_counted(_values: compiled_queries.Values) -> tuple[QuerySet[Any], ...]:
    return (_running(),)


def _running_cases(_values: compiled_queries.Values) -> QuerySet[Any]:
    return _running().order_by().values_list("case_id")
