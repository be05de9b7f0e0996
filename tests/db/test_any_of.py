"""AnyOfSubquery (`pk = ANY(ARRAY(subquery))` on PostgreSQL, the ORM's `pk IN (subquery)` elsewhere)
chooses the rows `pk__in` chooses, for the board's union of per-phase LIMITs and for other subqueries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import F, QuerySet

from indsats.db.any_of import AnyOfSubquery
from indsats.interventions import selectors
from indsats.interventions.models import Intervention
from indsats.interventions.selectors import PortfolioFilters

pytestmark = pytest.mark.django_db


def _subqueries() -> list[QuerySet[Any]]:
    every = Intervention.objects.all()
    return [
        selectors._first_of_each_phase({}, 3),
        selectors._first_of_each_phase(PortfolioFilters(query="a").values(), 2),
        selectors._first_of_each_phase(PortfolioFilters(state="testing").values(), 5),
        every.filter(state="maturation").values("pk"),
        every.filter(name__contains="e").order_by("-pk").values("pk")[:4],
        every.filter(name="no such intervention").values("pk"),
        every.none().values("pk"),
    ]


def test_any_of_a_subquery_chooses_the_rows_in_the_subquery(grow_portfolio):
    grow_portfolio(30)
    chosen_some = False
    for subquery in _subqueries():
        expected = list(Intervention.objects.filter(pk__in=subquery).order_by("pk").values_list("pk", "name"))
        read = Intervention.objects.filter(AnyOfSubquery(F("pk"), subquery)).order_by("pk")
        assert list(read.values_list("pk", "name")) == expected, str(subquery.query)
        chosen_some |= bool(expected) and len(expected) < Intervention.objects.count()
    assert chosen_some


def test_any_of_is_written_as_any_of_an_array_on_postgresql_and_as_in_elsewhere(db):
    subquery = selectors._first_of_each_phase({}, 3)
    sql = str(Intervention.objects.filter(AnyOfSubquery(F("pk"), subquery)).query)
    if connection.vendor == "postgresql":
        assert '"interventions_intervention"."id" = ANY(ARRAY((' in sql
        assert " IN (" not in sql
    else:
        assert '"interventions_intervention"."id" IN (' in sql
