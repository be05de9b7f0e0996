"""A query compiled once answers as the ORM does for every value it is run with."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indsats.db.compiled_lookups import CompiledQuery
from indsats.interventions.models import Intervention, Partnership
from tests.factories import MunicipalityFactory
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def _partnerships(intervention_pk: int):
    return Partnership.objects.select_related("municipality", "intervention__owner").filter(
        intervention_id=intervention_pk
    )


def test_a_compiled_query_gives_what_the_orm_gives_for_each_value():
    first, second = InterventionFactory(name="Første"), InterventionFactory(name="Anden")
    for intervention, names in ((first, ["Aarhus", "Odense"]), (second, ["Vejle"])):
        for name in names:
            Partnership.objects.create(
                intervention=intervention,
                municipality=MunicipalityFactory(name=name),
                joined_on=datetime.date(2024, 1, 1),
            )
    compiled = CompiledQuery(_partnerships)
    for intervention in (first, second, first):
        expected = list(_partnerships(intervention.pk).order_by("pk"))
        got = sorted(compiled.rows(intervention.pk), key=lambda p: p.pk)
        assert [p.pk for p in got] == [p.pk for p in expected]
        with CaptureQueriesContext(connection) as queries:  # the joined rows came with it
            names = [(p.municipality.name, p.intervention.name, p.intervention.owner.name) for p in got]
        assert len(queries) == 0
        assert names == [
            (p.municipality.name, p.intervention.name, p.intervention.owner.name) for p in expected
        ]


def test_a_compiled_query_finds_nothing_for_a_value_no_row_has():
    InterventionFactory()
    assert CompiledQuery(lambda pk: Intervention.objects.filter(pk=pk)).rows(10**9) == []


def test_a_query_must_use_its_value_once():
    twice = CompiledQuery(
        lambda pk: Intervention.objects.filter(pk=pk) | Intervention.objects.filter(owner_id=pk)
    )
    with pytest.raises(ValueError, match="exactly once"):
        twice.rows(1)


@pytest.mark.parametrize("prepared", [True, False])
def test_on_postgresql_a_compiled_lookup_runs_as_a_prepared_statement_unless_turned_off(settings, prepared):
    """PostgreSQL plans the lookup once per connection (the report's read of an analysis joined to six
    tables took it milliseconds to plan); counted as any query, with the rows the ORM gives."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    intervention = InterventionFactory(name="Forberedt")
    compiled = CompiledQuery(
        lambda pk: Intervention.objects.select_related("owner").filter(pk=pk).only("name", "owner__name")
    )
    with CaptureQueriesContext(connection) as queries:
        got = compiled.rows(intervention.pk)
    assert [(i.pk, i.name, i.owner.name) for i in got] == [
        (intervention.pk, "Forberedt", intervention.owner.name)
    ]
    assert len(queries) == 1 and str(intervention.pk) in queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        ours = [row[0] for row in cursor.fetchall() if '"interventions_intervention"."id" = $1' in row[0]]
    assert len(ours) == (1 if prepared else 0), ours
