"""Statistical disclosure control on the insight page: the other municipalities are one group, shown only
when at least three municipalities and five children stand behind a figure; never "all municipalities",
which would give a partner's figures away by subtraction; and only in interventions one takes part in."""

from __future__ import annotations

import numpy as np
import pytest
from django.http import Http404
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.outcomes import selectors
from indsats.outcomes.services.import_commit import commit_import
from indsats.outcomes.services.imports import prepare_import
from tests.conftest import logged_in
from tests.factories import MunicipalityFactory, person_with_role
from tests.interventions.factories import InterventionFactory
from tests.outcomes.files import HEADER, csv_bytes, sdq_rows

pytestmark = pytest.mark.django_db


def _measure(municipality, rounds, sdq, count, start):
    actor = person_with_role(Role.CASEWORKER, municipality, username=f"cw-{municipality.pk}")
    for measurement_round, date in zip(rounds, ("2025-02-10", "2025-07-01"), strict=False):
        job = prepare_import(
            actor=actor,
            municipality=municipality,
            measurement_round=measurement_round,
            instrument=sdq,
            content=csv_bytes(HEADER, sdq_rows(count, start=start, measured_on=date)),
            file_name="d.csv",
        )
        commit_import(actor=actor, job=job)


def _total_difficulties(count, start):
    """The SDQ total difficulties of sdq_rows' children, scored independently of Indsats: the sum of the
    20 items of the four difficulty subscales, the five positively worded ones reversed (0<->2)."""
    reversed_items = {7, 11, 14, 21, 25}
    prosocial = {1, 4, 9, 17, 20}
    totals = []
    for n in range(start, start + count):
        answers = {i: (n + i - 1) % 3 for i in range(1, 26)}
        totals.append(
            sum((2 - a if i in reversed_items else a) for i, a in answers.items() if i not in prosocial)
        )
    return totals


def _url(intervention, sdq):
    return (
        reverse("outcomes:insight")
        + f"?intervention={intervention.pk}&instrument={sdq.pk}&score=total_difficulties"
    )


def test_one_aarhus_child_in_a_round_is_hidden_from_odense(
    odense_caseworker, aarhus, odense, intervention, baseline, month6, sdq
):
    _measure(odense, [baseline, month6], sdq, 8, start=100)
    _measure(aarhus, [baseline, month6], sdq, 1, start=0)
    rows = selectors.insight(
        user=odense_caseworker,
        intervention=intervention,
        instrument=sdq,
        score_key="total_difficulties",
        municipality=odense,
    )
    assert [r.n for r in rows] == [8, 8]
    assert rows[0].mean == pytest.approx(np.mean(_total_difficulties(8, 100)))
    assert all(r.others_suppressed and r.others_n is None and r.others_mean is None for r in rows)
    assert rows[1].others_change_suppressed and rows[1].others_change is None
    page = logged_in(odense_caseworker).get(_url(intervention, sdq)).content.decode()
    aarhus_score = _total_difficulties(1, 0)[0]
    assert "Skjult" in page and "Alle kommuner" not in page
    # neither the Aarhus child's score nor an "all municipalities" mean (8 Odense + 1 Aarhus) is shown
    mixed = np.mean(_total_difficulties(8, 100) + [aarhus_score])
    assert f"{mixed:.1f}".replace(".", ",") not in page


def test_a_group_of_two_other_municipalities_is_hidden_even_with_many_children(
    odense_caseworker, aarhus, odense, intervention, baseline, sdq
):
    _measure(odense, [baseline], sdq, 5, start=100)
    _measure(aarhus, [baseline], sdq, 10, start=0)
    _measure(MunicipalityFactory(name="Vejle Kommune"), [baseline], sdq, 10, start=200)
    rows = selectors.insight(
        user=odense_caseworker,
        intervention=intervention,
        instrument=sdq,
        score_key="total_difficulties",
        municipality=odense,
    )
    assert rows[0].others_suppressed


def test_three_other_municipalities_with_five_children_are_shown_as_one_group(
    odense_caseworker, aarhus, odense, intervention, baseline, sdq
):
    _measure(odense, [baseline], sdq, 5, start=100)
    _measure(aarhus, [baseline], sdq, 2, start=0)
    _measure(MunicipalityFactory(name="Vejle Kommune"), [baseline], sdq, 2, start=200)
    _measure(MunicipalityFactory(name="Kolding Kommune"), [baseline], sdq, 1, start=300)
    rows = selectors.insight(
        user=odense_caseworker,
        intervention=intervention,
        instrument=sdq,
        score_key="total_difficulties",
        municipality=odense,
    )
    others = _total_difficulties(2, 0) + _total_difficulties(2, 200) + _total_difficulties(1, 300)
    assert not rows[0].others_suppressed
    assert rows[0].others_n == 5  # Odense's own five are not in the group
    assert rows[0].others_mean == pytest.approx(np.mean(others))


def test_the_threshold_comes_from_the_settings(
    settings, odense_caseworker, aarhus, odense, intervention, baseline, sdq
):
    settings.DISCLOSURE_MIN_MUNICIPALITIES = 1
    settings.DISCLOSURE_MIN_CHILDREN = 2
    _measure(odense, [baseline], sdq, 5, start=100)
    _measure(aarhus, [baseline], sdq, 2, start=0)
    rows = selectors.insight(
        user=odense_caseworker,
        intervention=intervention,
        instrument=sdq,
        score_key="total_difficulties",
        municipality=odense,
    )
    assert rows[0].others_n == 2


def test_a_municipality_sees_no_comparison_for_an_intervention_it_does_not_take_part_in(
    odense_caseworker, aarhus, odense, intervention, baseline, sdq, agency
):
    _measure(aarhus, [baseline], sdq, 8, start=0)
    elsewhere = InterventionFactory(name="Andet", owner=agency)
    with pytest.raises(Http404):
        selectors.insight(
            user=odense_caseworker,
            intervention=intervention,
            instrument=sdq,
            score_key="total_difficulties",
            municipality=odense,
        )
    assert intervention not in selectors.compared_interventions(user=odense_caseworker)
    page = logged_in(odense_caseworker).get(_url(intervention, sdq)).content.decode()
    assert "<table" not in page and "Skolefravær" not in page and elsewhere.name not in page
