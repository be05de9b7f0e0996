"""The filters of the completeness and insight pages (issue 16): their lists are read once and rendered in
Python, with the same options as before: every intervention with rounds (none without), the picked one
selected, names escaped, and an intervention the person may not pick never picked."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.interventions.models import PartnerRole, Partnership
from indsats.outcomes import selectors
from indsats.outcomes.models import Instrument, RoundKind
from indsats.outcomes.registry import builtin_versions
from tests.conftest import logged_in
from tests.factories import MembershipFactory, person_with_role
from tests.outcomes.factories import InterventionFactory, RoundFactory

pytestmark = pytest.mark.django_db


def _options(page: str, name: str) -> list[tuple[str, bool, str]]:
    select = re.search(rf'<select[^>]*name="{name}">(.*?)</select>', page, re.S)
    assert select is not None
    return [
        (value, bool(selected), text)
        for value, selected, text in re.findall(
            r'<option value="([^"]*)"( selected)?>(.*?)</option>', select.group(1)
        )
    ]


def test_the_intervention_and_instrument_options(
    agency_staff, aarhus_caseworker, intervention, baseline, sdq
):
    other = InterventionFactory(name='Anden <b>"indsats"</b> & co\'s')
    RoundFactory(intervention=other, order=0)
    RoundFactory(intervention=other, order=1, kind=RoundKind.MONTH_6)  # two rounds: still one option
    InterventionFactory(name="Uden runder")
    for url_name in ("outcomes:completeness", "outcomes:insight"):
        url = reverse(url_name)
        page = logged_in(agency_staff).get(f"{url}?intervention={other.pk}").content.decode()
        assert _options(page, "intervention") == [
            (str(other.pk), True, "Anden &lt;b&gt;&quot;indsats&quot;&lt;/b&gt; &amp; co&#x27;s"),
            (str(intervention.pk), False, "Skolefravær"),
        ]
        instruments = _options(page, "instrument")
        active = Instrument.objects.filter(is_active=True)
        assert [value for value, _selected, _text in instruments] == [str(i.pk) for i in active]
        assert [value for value, selected, _text in instruments if selected] == [str(sdq.pk)]
        # without a choice the first (by name); an id not in the list picks none (no table)
        page = logged_in(agency_staff).get(url).content.decode()
        assert [v for v, selected, _t in _options(page, "intervention") if selected] == [str(other.pk)]
        page = logged_in(agency_staff).get(f"{url}?intervention=999999").content.decode()
        assert not [v for v, selected, _t in _options(page, "intervention") if selected]
        assert "<table" not in page
    # a municipality compares itself only in the interventions it takes part in: none here
    page = logged_in(aarhus_caseworker).get(reverse("outcomes:insight")).content.decode()
    assert _options(page, "intervention") == []


def test_the_active_instruments_in_one_query_once_the_built_in_ones_have_rows(db):
    Instrument.objects.all().delete()
    created = selectors.active_instruments()  # the built-in ones are created first
    assert {(i.key, i.version) for i in created} == set(builtin_versions())
    Instrument.objects.filter(key="who-5").update(is_active=False)
    with CaptureQueriesContext(connection) as queries:
        listed = selectors.active_instruments()
    assert len(queries) == 1
    assert [i.pk for i in listed] == list(
        Instrument.objects.filter(is_active=True).order_by("key", "-version").values_list("pk", flat=True)
    )
    assert "who-5" not in {i.key for i in listed}


def test_the_agency_compares_every_intervention_with_rounds_and_none_without(
    agency_staff, odense, intervention, baseline, sdq
):
    from django.http import Http404

    rows = selectors.insight(
        user=agency_staff,
        intervention=intervention,
        instrument=sdq,
        score_key="emotional",
        municipality=odense,
    )
    assert [row.round for row in rows] == [baseline] and rows[0].n == 0
    with pytest.raises(Http404):
        selectors.insight(
            user=agency_staff,
            intervention=InterventionFactory(name="Uden runder"),
            instrument=sdq,
            score_key="emotional",
            municipality=odense,
        )


def test_the_insight_lists_compiled_once_give_the_orms_rows_for_each_person(
    agency_staff, aarhus, odense, aarhus_caseworker, odense_caseworker, intervention, baseline
):
    others = [InterventionFactory(name=name) for name in ("Cirkel", "Anker", "Bro")]
    for other in others:
        RoundFactory(intervention=other, order=0)
    for municipality, other in ((aarhus, others[0]), (aarhus, others[1]), (odense, others[2])):
        Partnership.objects.create(
            intervention=other, municipality=municipality, role=PartnerRole.TRIAL, joined_on="2026-01-01"
        )
    both = person_with_role(Role.CASEWORKER, aarhus, username="cw-both")
    MembershipFactory(user=both, organisation=odense, role=Role.MUNICIPALITY_MANAGER)
    nowhere = person_with_role(Role.CASEWORKER, username="cw-nowhere")  # a municipality of no intervention
    expected_names = {
        agency_staff: ["Anker", "Bro", "Cirkel", "Skolefravær"],
        aarhus_caseworker: ["Anker", "Cirkel"],
        odense_caseworker: ["Bro"],
        both: ["Anker", "Bro", "Cirkel"],
        nowhere: [],
    }
    for user, names in expected_names.items():
        compared = selectors.compared_interventions(user=user)
        assert selectors.compared_intervention_names(user=user) == list(compared.values_list("pk", "name"))
        assert [name for _pk, name in selectors.compared_intervention_names(user=user)] == names
        listed = list(selectors.insight_municipalities(user=user).values_list("pk", "name"))
        assert selectors.insight_municipality_names(user=user) == listed and listed


def test_the_instruments_compiled_once_are_loaded_as_the_orms_deferred_definitions(db):
    """active_instruments reads its rows through a query compiled once per process: each instrument as
    ``.defer("definition")`` loads it (every other field's value, the definition read only if asked for)."""
    selectors.active_instruments()  # the built-in ones have rows
    Instrument.objects.filter(key="who-5").update(is_active=False, name='WHO <5> & "co"')
    compiled = selectors._instruments_without_definitions()
    orm = list(Instrument.objects.defer("definition"))
    fields = [field.attname for field in Instrument._meta.concrete_fields if field.name != "definition"]
    assert [i.get_deferred_fields() for i in compiled] == [{"definition"}] * len(orm)
    with CaptureQueriesContext(connection) as queries:  # every field but the definition loaded
        assert [[getattr(i, name) for name in fields] for i in compiled] == [
            [getattr(i, name) for name in fields] for i in orm
        ]
    assert not queries
    assert [str(i) for i in compiled] == [str(i) for i in orm]
    assert compiled[0].definition == Instrument.objects.get(pk=compiled[0].pk).definition
    assert [i.pk for i in selectors.active_instruments()] == [i.pk for i in orm if i.is_active]


def test_the_interventions_with_rounds_compiled_once_give_the_orms_rows(db):
    for name in ("Cirkel", "Anker <&>", "Bro"):
        RoundFactory(intervention=InterventionFactory(name=name), order=0)
    InterventionFactory(name="Uden runder")
    names = selectors.intervention_names_with_rounds()
    assert names == list(selectors.interventions_with_rounds().values_list("pk", "name"))
    assert [name for _pk, name in names] == ["Anker <&>", "Bro", "Cirkel"]
